"""Saved reports and dashboards: sharing with roles, each reader's own figures, the typed errors, a fixed
number of round trips however many widgets, and the tenant wall (API and SQL as the application role)."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from gateway.jobs import run_one
from graph.core.jobs import JOBS
from tests.admin.documents import assign, create_role
from tests.platform.test_round_trips import round_trips  # noqa: F401 - the fixture
from tests.reports.conftest import EUR_RATE, money, period
from tests.sales.commerce.documents import signed_contract
from tests.sales.pipeline.reporting import set_rate
from tests.support import relay_uuid

CREATE_DASHBOARD = """
mutation($input: CreateDashboardInput!) {
  createDashboard(input: $input) { dashboard { id name sharedWithRoles version } errors { field code message } }
}"""
SAVE = """
mutation($input: SaveReportInput!) {
  saveReport(input: $input) {
    widget { id name chartKind position definition { kind metrics groupBy } }
    errors { field code message }
  }
}"""
DASHBOARD = """
query($id: ID!) {
  node(id: $id) {
    ... on Dashboard {
      name
      widgets {
        widget { name chartKind }
        result { kind series { metric key total } totals { metric value hidden } }
        error { field code message }
      }
    }
  }
}"""
NAMES_ONLY = """
query($id: ID!) { node(id: $id) { ... on Dashboard { name widgets { widget { id name position } } } } }"""
SAVED = """
query { savedReports { nodes { id name definition { relative from to } result { totals { metric value } } } } }"""


def definition(kind, metrics, group_by="NONE", **extra):
    start, end = period()
    return {"kind": kind, "metrics": metrics, "groupBy": group_by, "from": start, "to": end, **extra}


async def dashboard_with(http, member, name, widgets, roles=()):
    payload = (
        await http.execute(
            CREATE_DASHBOARD, {"input": {"name": name, "sharedWithRoles": list(roles)}}, member.token
        )
    )["createDashboard"]
    assert payload["errors"] == [], payload
    for title, chart, given in widgets:
        saved = (
            await http.execute(
                SAVE,
                {
                    "input": {
                        "name": title,
                        "chartKind": chart,
                        "definition": given,
                        "dashboardId": payload["dashboard"]["id"],
                    }
                },
                member.token,
            )
        )["saveReport"]
        assert saved["errors"] == [], saved
    return payload["dashboard"]


WIDGETS = [
    ("Won per rep", "BAR", definition("SALES_PERFORMANCE", ["WON_AMOUNT"], "OWNER")),
    ("Forecast", "LINE", definition("FORECAST", ["WEIGHTED_FORECAST", "WON_AMOUNT"], bucket="MONTH")),
    ("Funnel", "BAR", definition("FUNNEL", ["REACHED"], "STAGE")),
    ("Calls", "PIE", definition("ACTIVITIES", ["ACTIVITY_COUNT"], "OWNER")),
    ("Aging", "BAR", definition("RECEIVABLES", ["RECEIVABLE"], "AGING_BUCKET")),
    ("Tickets", "TABLE", definition("SERVICE", ["TICKETS_OPENED"])),
]


async def test_a_shared_dashboard_shows_each_reader_their_own_numbers(http, seeded):
    board = await dashboard_with(http, seeded.admin, "Sales floor", WIDGETS, roles=["sales"])
    as_admin = (await http.execute(DASHBOARD, {"id": board["id"]}, seeded.admin.token))["node"]
    as_rae = (await http.execute(DASHBOARD, {"id": board["id"]}, seeded.members["rae"].token))["node"]
    assert [w["widget"]["name"] for w in as_rae["widgets"]] == [name for name, _, _ in WIDGETS]
    won = {s["key"]: s["total"] for s in as_admin["widgets"][0]["result"]["series"]}
    rae_key = seeded.user_key("rae")
    assert {s["key"]: s["total"] for s in as_rae["widgets"][0]["result"]["series"]} == {rae_key: won[rae_key]}
    assert won[rae_key] == money(
        sum((d.in_usd for d in seeded.deals if d.owner == "rae" and d.outcome == "won"), 0)
    )
    assert all(w["error"] is None for w in as_rae["widgets"])
    # A viewer role outside the sharing sees nothing; the manager role is not in the list either.
    assert (await http.execute(DASHBOARD, {"id": board["id"]}, seeded.members["manager"].token))[
        "node"
    ] is None


async def test_a_widget_the_reader_cannot_compute_answers_its_error(http, seeded):
    role = await create_role(
        http,
        seeded.admin,
        "caller",
        grants=[{"objectType": "activity", "actions": ["READ"], "scope": "OWN", "fields": []}],
    )
    caller = await http.add_member(seeded.admin, "viewer", "caller")
    await assign(http, seeded.admin, caller, role)
    board = await dashboard_with(http, seeded.admin, "Mixed", WIDGETS[:1] + WIDGETS[3:4], roles=["caller"])
    widgets = (await http.execute(DASHBOARD, {"id": board["id"]}, caller.token))["node"]["widgets"]
    assert widgets[0]["result"] is None
    assert widgets[0]["error"] == {
        "field": "definition.kind",
        "code": "PERMISSION_DENIED",
        "message": "You may not see SALES_PERFORMANCE reports: Your role does not allow you to read opportunity "
        "records.",
    }
    assert widgets[1]["error"] is None and widgets[1]["result"]["totals"][0]["value"] == "0"
    # Saving a widget over a report your role cannot read is refused, on the definition's kind.
    own = await dashboard_with(http, caller, "Mine", [])
    body = (
        await http.post(
            SAVE,
            {
                "input": {
                    "name": "Deals",
                    "chartKind": "BAR",
                    "definition": WIDGETS[0][2],
                    "dashboardId": own["id"],
                }
            },
            caller.token,
        )
    ).json()
    assert body["data"]["saveReport"] is None
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "PERMISSION_DENIED",
        "input.definition.kind",
    )


async def test_saving_checks_the_definition_and_the_sharing(http, seeded):
    rae = seeded.members["rae"]
    bad = definition("FUNNEL", ["WON_AMOUNT"], "STAGE")
    saved = (
        await http.execute(SAVE, {"input": {"name": "X", "chartKind": "BAR", "definition": bad}}, rae.token)
    )["saveReport"]
    assert saved["errors"] == [
        {
            "field": "input.definition.metrics.0",
            "code": "INVALID",
            "message": "WON_AMOUNT is not a metric of FUNNEL reports; use one of REACHED, CONVERSION_RATE, "
            "STAGE_DAYS.",
        }
    ]
    pie = definition("SALES_PERFORMANCE", ["WON_AMOUNT", "WON_COUNT"], "OWNER")
    saved = (
        await http.execute(SAVE, {"input": {"name": "X", "chartKind": "PIE", "definition": pie}}, rae.token)
    )["saveReport"]
    assert [(e["field"], e["code"]) for e in saved["errors"]] == [("input.chartKind", "INVALID")]
    shared = await http.post(
        CREATE_DASHBOARD, {"input": {"name": "Ours", "sharedWithRoles": ["sales"]}}, rae.token
    )
    assert shared.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    unknown = (
        await http.execute(
            CREATE_DASHBOARD, {"input": {"name": "Ours", "sharedWithRoles": ["nobody"]}}, seeded.admin.token
        )
    )["createDashboard"]
    assert unknown["errors"] == [
        {"field": "input.sharedWithRoles.0", "code": "INVALID", "message": "There is no role 'nobody'."}
    ]
    mine = {"kind": "SALES_PERFORMANCE", "metrics": ["WON_AMOUNT"], "relative": "LAST_30_DAYS"}
    saved = (
        await http.execute(
            SAVE, {"input": {"name": "My won", "chartKind": "LINE", "definition": mine}}, rae.token
        )
    )["saveReport"]
    assert saved["errors"] == []
    listed = (await http.execute(SAVED, {}, rae.token))["savedReports"]["nodes"]
    [kept] = [n for n in listed if n["name"] == "My won"]
    assert kept["definition"]["relative"] == "LAST_30_DAYS"
    mine = [n["result"]["totals"] for n in listed if n["name"] == "My won"]
    rae_won = sum((d.in_usd for d in seeded.deals if d.owner == "rae" and d.outcome == "won"), 0)
    assert mine == [[{"metric": "WON_AMOUNT", "value": money(rae_won)}]]
    # Not shared: another rep does not see it.
    others = (await http.execute(SAVED, {}, seeded.members["sam"].token))["savedReports"]["nodes"]
    assert "My won" not in [n["name"] for n in others]


async def counted_dashboard(http, member, board, round_trips, document=DASHBOARD):  # noqa: F811
    await http.execute(document, {"id": board["id"]}, member.token)  # statements prepared on the connection
    await asyncio.sleep(0)
    round_trips.reset()
    data = await http.execute(document, {"id": board["id"]}, member.token)
    await asyncio.sleep(0)
    return data["node"]["widgets"], list(round_trips.seen)


async def test_a_dashboard_costs_the_same_round_trips_whatever_its_widgets(http, round_trips):  # noqa: F811
    # A tenant of its own with a contract: on the shared one, receivables read payments and instalments
    # only if another test had added a contract first, so the count depended on the order of the files.
    admin = await http.sign_up("Round Trips Co", baseCurrency="USD")
    await set_rate(http, admin, "EUR", "2026-01-01", str(EUR_RATE))
    await signed_contract(http, admin)
    six = await dashboard_with(http, admin, "Six", WIDGETS)
    eighteen = await dashboard_with(http, admin, "Eighteen", WIDGETS * 3)
    widgets, few = await counted_dashboard(http, admin, six, round_trips)
    assert len(widgets) == 6
    widgets, many = await counted_dashboard(http, admin, eighteen, round_trips)
    assert len(widgets) == 18 and all(w["error"] is None for w in widgets)
    # BEGIN, credential, the dashboard (twice: the node, then its widgets' check), its widgets, the base
    # currency (once: graph/money/service.py), when the job-kept rollups were refreshed, the receivables'
    # contracts, payments, instalments and exchange rates, every fact metric in one statement, member
    # and stage names, COMMIT.
    # (The charge is a statement only when the credential's rate-limit lease must be renewed.)
    few, many = without_charges(few), without_charges(many)
    assert len(many) == len(few) <= 15, "\n".join(s[:90] for s in many)
    # Asked only for the widgets' names and order, the dashboard computes none of them.
    widgets, names_only = await counted_dashboard(http, admin, eighteen, round_trips, NAMES_ONLY)
    assert [w["widget"]["position"] for w in widgets] == list(range(18))
    # BEGIN, credential, the dashboard (twice), its widgets, COMMIT: no base currency, rollup, fact,
    # receivable or name statement.
    names_only = without_charges(names_only)
    others = [s[:90] for s in names_only if not DASHBOARD_READS.search(s)]
    assert others == [] and len(names_only) <= 6, "\n".join(s[:90] for s in names_only)


async def test_another_tenant_cannot_reach_dashboards(http, seeded, database_urls, services):
    board = await dashboard_with(http, seeded.admin, "Private", WIDGETS[:1])
    seeded_tenant = uuid.UUID(seeded.admin.tenant_id)
    refresh = JOBS["reports.refresh"]
    assert not (
        await run_one(services.db, "reports.refresh", refresh, seeded_tenant, datetime.now(UTC))
    ).failed
    stranger = await http.sign_up("Other")
    assert (await http.execute(DASHBOARD, {"id": board["id"]}, stranger.token))["node"] is None
    assert (await http.execute("query { dashboards { nodes { id } } }", {}, stranger.token))["dashboards"][
        "nodes"
    ] == []
    connection = await asyncpg.connect(database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", stranger.tenant_id)
            assert await connection.fetchval("select count(*) from dashboards") == 0
            assert await connection.fetchval("select count(*) from report_widgets") == 0
            assert await connection.fetchval("select count(*) from activity_day_rollups") == 0
            assert await connection.fetchval("select count(*) from report_refreshes") == 0
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(
                    "insert into dashboards (tenant_id, id, name, owner_id) values ($1, $2, 'x', $3)",
                    uuid.UUID(seeded.admin.tenant_id),
                    uuid.uuid4(),
                    uuid.UUID(relay_uuid(seeded.admin.user_id)),
                )
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", stranger.tenant_id)
            assert await connection.execute("update report_widgets set name = 'taken'") == "UPDATE 0"
            assert await connection.execute("delete from activity_day_rollups") == "DELETE 0"
            assert await connection.execute("update report_refreshes set refreshed_at = now()") == "UPDATE 0"
        for statement in (
            "insert into activity_day_rollups (tenant_id, day, author_id, kind, activity_count)"
            " values ($1, current_date, $1, 'call', 1)",
            "insert into report_refreshes (tenant_id, source, refreshed_at) values ($1, 'elsewhere', now())",
        ):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", stranger.tenant_id)
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(statement, seeded_tenant)
        async with connection.transaction():  # the seeded tenant's own rows are there (the test can fail)
            await connection.execute("select set_config('app.tenant_id', $1, true)", seeded.admin.tenant_id)
            assert await connection.fetchval("select count(*) from activity_day_rollups") > 0
            assert await connection.fetchval("select count(*) from report_widgets") > 0
    finally:
        await connection.close()


DASHBOARD_READS = re.compile(
    r"^(BEGIN|COMMIT|select \* from crm_authenticate_session)|\bFROM (dashboards|report_widgets)\b"
)


def without_charges(statements: list[str]) -> list[str]:
    return [s for s in statements if "crm_take_tokens" not in s]
