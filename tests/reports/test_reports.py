"""Built-in reports through GraphQL, each checked against a plain-Python computation over what the seed
did (tests/reports/conftest.py); record scope, field rules, custom fields, buckets, the tenant wall and
the exact error of each bad input."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

from gateway.jobs import run_one
from graph.core.jobs import JOBS
from graph.reports.catalog import RelativePeriod, period_of
from tests.admin.documents import assign, create_role
from tests.crm.documents import create_account, create_activity
from tests.reports.conftest import REPORT, by_key, money, report, report_errors
from tests.support import relay_uuid


def won_by_owner(seeded, deals=None):
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for deal in deals if deals is not None else seeded.deals:
        if deal.outcome == "won":
            totals[seeded.user_key(deal.owner)] += deal.in_usd
    return {key: money(value) for key, value in totals.items()}


async def test_sales_performance_per_rep_matches_the_deals(http, seeded):
    result = await report(
        http, seeded.admin, kind="SALES_PERFORMANCE", metrics=["WON_AMOUNT", "WON_COUNT"], groupBy="OWNER"
    )
    assert result["currency"] == "USD"
    assert by_key(result, "WON_AMOUNT") == won_by_owner(seeded)
    counts = Counter(seeded.user_key(d.owner) for d in seeded.deals if d.outcome == "won")
    assert {k: Decimal(v) for k, v in by_key(result, "WON_COUNT").items()} == counts
    labels = {s["key"]: s["label"] for s in result["series"]}
    assert labels[seeded.user_key("rae")] == "Rae"
    expected_total = sum((Decimal(v) for v in won_by_owner(seeded).values()), Decimal(0))
    assert result["totals"][0] == {
        "metric": "WON_AMOUNT",
        "measure": "AMOUNT",
        "value": money(expected_total),
        "hidden": False,
    }
    assert result["missingRates"] == []
    assert datetime.fromisoformat(result["asOf"]) <= datetime.now(UTC)


async def test_a_rep_sees_only_their_numbers_and_a_manager_their_team(http, seeded):
    rae = await report(
        http, seeded.members["rae"], kind="SALES_PERFORMANCE", metrics=["WON_AMOUNT"], groupBy="OWNER"
    )
    assert by_key(rae, "WON_AMOUNT") == {seeded.user_key("rae"): won_by_owner(seeded)[seeded.user_key("rae")]}
    # Asking for someone else's figures finds nothing rather than revealing them.
    other = await report(
        http,
        seeded.members["rae"],
        kind="SALES_PERFORMANCE",
        metrics=["WON_AMOUNT"],
        ownerId=seeded.members["sam"].user_id,
    )
    assert other["totals"][0]["value"] == "0.00"
    manager = await report(
        http, seeded.members["manager"], kind="SALES_PERFORMANCE", metrics=["WON_AMOUNT"], groupBy="TEAM"
    )
    east = [d for d in seeded.deals if d.owner in ("rae", "sam")]
    assert by_key(manager, "WON_AMOUNT") == {
        relay_uuid(seeded.team["id"]): money(sum((d.in_usd for d in east if d.outcome == "won"), Decimal(0)))
    }
    assert manager["series"][0]["label"] == "East"


async def test_team_filter_and_monthly_buckets(http, seeded):
    result = await report(
        http,
        seeded.admin,
        kind="SALES_PERFORMANCE",
        metrics=["WON_AMOUNT"],
        bucket="MONTH",
        teamId=seeded.team["id"],
    )
    this_month = datetime.now(UTC).date().replace(day=1).isoformat()
    labels = [b["label"] for b in result["buckets"]]
    assert this_month in labels and len(labels) in (3, 4)
    [series] = result["series"]
    expected = money(
        sum((d.in_usd for d in seeded.deals if d.outcome == "won" and d.owner != "tia"), Decimal(0))
    )
    assert series["values"][labels.index(this_month)] == expected
    assert [v for i, v in enumerate(series["values"]) if labels[i] != this_month] == ["0.00"] * (
        len(labels) - 1
    )


async def test_custom_field_conditions_scan_the_deals_and_agree(http, seeded):
    result = await report(
        http,
        seeded.admin,
        kind="SALES_PERFORMANCE",
        metrics=["WON_AMOUNT"],
        groupBy="OWNER",
        custom=[{"key": "segment", "equals": "smb"}],
    )
    smb = [d for d in seeded.deals if d.segment == "smb"]
    assert by_key(result, "WON_AMOUNT") == won_by_owner(seeded, smb)


async def test_forecast_vs_actual(http, seeded):
    result = await report(
        http, seeded.admin, kind="FORECAST", metrics=["WEIGHTED_FORECAST", "BEST_CASE", "WON_AMOUNT"]
    )
    open_deals = [d for d in seeded.deals if d.outcome == "open"]
    totals = {t["metric"]: t["value"] for t in result["totals"]}
    # Open deals sit in Prospecting (10 %).
    assert totals["WEIGHTED_FORECAST"] == money(sum((d.in_usd / 10 for d in open_deals), Decimal(0)))
    assert totals["BEST_CASE"] == money(sum((d.in_usd for d in open_deals), Decimal(0)))
    assert totals["WON_AMOUNT"] == money(
        sum((d.in_usd for d in seeded.deals if d.outcome == "won"), Decimal(0))
    )


async def test_funnel_conversion_and_reached(http, seeded):
    result = await report(
        http, seeded.admin, kind="FUNNEL", metrics=["REACHED", "CONVERSION_RATE"], groupBy="STAGE"
    )
    chain = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won"]
    # Every deal starts in Prospecting; won deals count as reaching every open stage and Won; the lost deal
    # reached Prospecting and Lost.
    reached = {name: 0 for name in [*chain, "Lost"]}
    for deal in seeded.deals:
        reached["Prospecting"] += 1
        if deal.outcome == "won":
            for name in chain[1:]:
                reached[name] += 1
        if deal.outcome == "lost":
            reached["Lost"] += 1
    got = {s["label"]: Decimal(s["total"]) for s in result["series"] if s["metric"] == "REACHED"}
    assert got == {name: Decimal(count) for name, count in reached.items()}
    assert [s["label"] for s in result["series"] if s["metric"] == "REACHED"] == [*chain, "Lost"]
    rates = {s["label"]: s["total"] for s in result["series"] if s["metric"] == "CONVERSION_RATE"}
    assert rates["Prospecting"] == str(
        (Decimal(reached["Qualification"]) / reached["Prospecting"]).quantize(Decimal("0.0001"))
    )
    assert rates["Proposal"] == "1.0000"
    totals = {t["metric"]: t["value"] for t in result["totals"]}
    assert totals["CONVERSION_RATE"] == str(
        (Decimal(reached["Won"]) / reached["Prospecting"]).quantize(Decimal("0.0001"))
    )


async def test_new_customers_by_industry_and_activities_per_employee(http, seeded):
    result = await report(http, seeded.admin, kind="CUSTOMERS", metrics=["NEW_CUSTOMERS"], groupBy="INDUSTRY")
    buyers = {d.account for d in seeded.deals if d.outcome == "won"}
    expected = Counter(seeded.accounts[name][1] or None for name in buyers)
    assert {k: Decimal(v) for k, v in by_key(result, "NEW_CUSTOMERS").items()} == expected
    activities = await report(
        http, seeded.admin, kind="ACTIVITIES", metrics=["ACTIVITY_COUNT"], groupBy="OWNER"
    )
    assert {k: Decimal(v) for k, v in by_key(activities, "ACTIVITY_COUNT").items()} == {
        seeded.user_key(owner): count for owner, count in seeded.activities.items()
    }


async def test_hidden_fields_hide_metrics_and_groupings(http, seeded):
    role = await create_role(
        http,
        seeded.admin,
        "analyst",
        grants=[
            {
                "objectType": "account",
                "actions": ["READ"],
                "scope": "ALL",
                "fields": [{"field": "industry", "access": "HIDDEN"}],
            },
            {"objectType": "project", "actions": ["READ"], "scope": "ALL", "fields": []},
            {
                "objectType": "material_line",
                "actions": ["READ"],
                "scope": "ALL",
                "fields": [{"field": "actualAmount", "access": "HIDDEN"}],
            },
        ],
    )
    analyst = await http.add_member(seeded.admin, "viewer", "analyst")
    await assign(http, seeded.admin, analyst, role)
    assert await report_errors(
        http, analyst, kind="CUSTOMERS", metrics=["NEW_CUSTOMERS"], groupBy="INDUSTRY"
    ) == [
        (
            "input.groupBy",
            "PERMISSION_DENIED",
            "Your role hides the field INDUSTRY groups by; group by something else.",
        )
    ]
    hidden = await report(http, analyst, kind="PROJECTS", metrics=["MATERIAL_COST", "BUDGET"])
    assert [(t["metric"], t["hidden"]) for t in hidden["totals"]] == [
        ("MATERIAL_COST", True),
        ("BUDGET", False),
    ]
    assert [s["metric"] for s in hidden["series"]] == ["BUDGET"]
    shown = await report(http, seeded.admin, kind="PROJECTS", metrics=["MATERIAL_COST"])
    assert shown["totals"][0]["hidden"] is False and shown["totals"][0]["value"] == "0.00"


async def test_bad_definitions_get_exact_errors(http, seeded):
    admin = seeded.admin
    assert await report_errors(http, admin, kind="FUNNEL", metrics=["WON_AMOUNT"], groupBy="STAGE") == [
        (
            "input.metrics.0",
            "INVALID",
            "WON_AMOUNT is not a metric of FUNNEL reports; use one of REACHED, CONVERSION_RATE, STAGE_DAYS.",
        )
    ]
    assert await report_errors(
        http,
        admin,
        kind="SALES_PERFORMANCE",
        metrics=["WON_AMOUNT"],
        **{"from": "2026-05-01", "to": "2026-04-01"},
    ) == [("input.to", "INVALID", "`to` must be after `from` (it is exclusive).")]
    assert await report_errors(
        http,
        admin,
        kind="ACTIVITIES",
        metrics=["ACTIVITY_COUNT"],
        bucket="DAY",
        **{"from": "2025-01-01", "to": "2026-06-01"},
    ) == [("input.bucket", "INVALID", "Split by day at most 366 days; use WEEK or MONTH.")]
    assert await report_errors(http, admin, kind="RECEIVABLES", metrics=["RECEIVABLE"], groupBy="OWNER") == [
        ("input.groupBy", "INVALID", "RECEIVABLES reports group by AGING_BUCKET.")
    ]
    assert await report_errors(
        http, admin, kind="SALES_PERFORMANCE", metrics=["WON_AMOUNT"], custom=[{"key": "nope", "equals": 1}]
    ) == [
        ("input.custom.nope", "INVALID", "There is no filterable custom field 'nope' on opportunity records.")
    ]


async def test_another_tenant_sees_none_of_it(http, seeded):
    stranger = await http.sign_up("Elsewhere")
    result = await report(http, stranger, kind="SALES_PERFORMANCE", metrics=["WON_AMOUNT"], groupBy="OWNER")
    assert result["series"] == [] and result["totals"][0]["value"] == "0.00"
    # An id from the seeded tenant filters nothing in: still nothing.
    result = await report(
        http, stranger, kind="SALES_PERFORMANCE", metrics=["WON_AMOUNT"], teamId=seeded.team["id"]
    )
    assert result["totals"][0]["value"] == "0.00"
    aging = await report(http, stranger, kind="RECEIVABLES", metrics=["RECEIVABLE"], groupBy="AGING_BUCKET")
    assert [s["total"] for s in aging["series"]] == ["0.00"] * 5


async def test_activity_statistics_read_the_refreshed_rollup_and_say_as_of_when(http, services):
    admin = await http.sign_up("Rollups")
    account = await create_account(http, admin, name="Busy")
    for index in range(3):
        kind = "CALL" if index < 2 else "EMAIL"
        await create_activity(
            http, admin, subject=f"Touch {index}", kind=kind, done=True, accountId=account["id"]
        )
    live = await report(http, admin, kind="ACTIVITIES", metrics=["ACTIVITY_COUNT"], groupBy="KIND")
    assert by_key(live, "ACTIVITY_COUNT") == {"call": "2", "email": "1"}

    refreshed_at = datetime.now(UTC).replace(microsecond=0)
    outcome = await run_one(
        services.db, "reports.refresh", JOBS["reports.refresh"], uuid.UUID(admin.tenant_id), refreshed_at
    )
    # Today's rows: calls, emails, and every kind together.
    assert outcome.summary.startswith("3 activity rollup rows, ") and not outcome.failed
    await create_activity(http, admin, subject="After", kind="CALL", done=True, accountId=account["id"])
    rolled = await report(http, admin, kind="ACTIVITIES", metrics=["ACTIVITY_COUNT"], groupBy="KIND")
    # The rollup as of its refresh: the later call is not in it yet, and the report says so.
    assert by_key(rolled, "ACTIVITY_COUNT") == {"call": "2", "email": "1"}
    assert datetime.fromisoformat(rolled["asOf"]) == refreshed_at
    await run_one(
        services.db, "reports.refresh", JOBS["reports.refresh"], uuid.UUID(admin.tenant_id), refreshed_at
    )
    again = await report(http, admin, kind="ACTIVITIES", metrics=["ACTIVITY_COUNT"], groupBy="KIND")
    assert by_key(again, "ACTIVITY_COUNT") == {"call": "3", "email": "1"}


def test_relative_periods_move_with_the_calendar():
    on = date(2026, 2, 14)
    assert period_of(RelativePeriod.LAST_7_DAYS, on) == (date(2026, 2, 8), date(2026, 2, 15))
    assert period_of(RelativePeriod.LAST_30_DAYS, on) == (date(2026, 1, 16), date(2026, 2, 15))
    assert period_of(RelativePeriod.THIS_MONTH, on) == (date(2026, 2, 1), date(2026, 3, 1))
    assert period_of(RelativePeriod.THIS_QUARTER, date(2026, 12, 3)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert period_of(RelativePeriod.THIS_YEAR, on) == (date(2026, 1, 1), date(2027, 1, 1))
    assert period_of(RelativePeriod.LAST_12_MONTHS, on) == (date(2025, 3, 1), date(2026, 3, 1))


async def test_a_relative_period_instead_of_dates(http, seeded):
    admin = seeded.admin
    data = await http.execute(
        REPORT,
        {"input": {"kind": "SALES_PERFORMANCE", "metrics": ["WON_AMOUNT"], "relative": "LAST_30_DAYS"}},
        admin.token,
    )
    won = sum((d.in_usd for d in seeded.deals if d.outcome == "won"), Decimal(0))
    assert data["report"]["totals"][0]["value"] == money(won)
    both = {
        "kind": "SALES_PERFORMANCE",
        "metrics": ["WON_AMOUNT"],
        "relative": "THIS_MONTH",
        "from": "2026-01-01",
    }
    errors = await http.errors(REPORT, {"input": both}, admin.token)
    assert [(e["extensions"]["field"], e["extensions"]["code"]) for e in errors] == [
        ("input.relative", "INVALID")
    ]
    neither = {"kind": "SALES_PERFORMANCE", "metrics": ["WON_AMOUNT"], "to": "2026-01-01"}
    errors = await http.errors(REPORT, {"input": neither}, admin.token)
    assert [(e["extensions"]["field"], e["extensions"]["code"], e["message"]) for e in errors] == [
        ("input.from", "REQUIRED", "Give from and to, or relative.")
    ]
