"""Receivables aging and campaign ROI filtered by owner, team and custom fields, inside the caller's
record scope, each checked against a plain-Python computation over what the seed did.

Owner of a receivable: the contract's owner (the rep sales performance credits); of a campaign: the
campaign's owner. Team East: a manager and reps Rae and Sam; Tia is a rep without a team.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.admin.documents import assign, create_role, create_team, define_field, set_team
from tests.marketing.documents import add_cost, create_campaign
from tests.reports.conftest import EUR_RATE, REPORT, by_key, money
from tests.sales.commerce.documents import ACCEPT_QUOTE, CONTRACT, activated, sent_quote
from tests.sales.pipeline.reporting import set_rate
from tests.support import GraphQLClient, Member, ok

TODAY = datetime.now(UTC).date()
# The period ends today: receivables are as of its last day, and every seeded campaign is running in it.
PERIOD = {"from": (TODAY - timedelta(days=30)).isoformat(), "to": (TODAY + timedelta(days=1)).isoformat()}
BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
# (owner, days since the contract started (all of it due then), region)
CONTRACTS = [("rae", 0, "north"), ("rae", 45, "south"), ("sam", 10, "north"), ("tia", 100, "north")]
# (owner, name, channel, tier, cost)
CAMPAIGNS = [
    ("rae", "Rae fair", "event", "gold", "100"),
    ("sam", "Sam ads", "online_ads", "silver", "200.50"),
    ("tia", "Tia mail", "email", "gold", "400"),
]


@dataclass
class Book:
    admin: Member
    members: dict[str, Member]
    team: dict[str, Any]
    contract_usd: dict[int, Decimal]  # index in CONTRACTS -> amount in USD


def aging_bucket(days: int) -> str:
    for limit, name in ((0, "current"), (30, "days_1_30"), (60, "days_31_60"), (90, "days_61_90")):
        if days <= limit:
            return name
    return "days_over_90"


@pytest.fixture(scope="module")
async def book(http: GraphQLClient) -> Book:
    admin = await http.sign_up("Ledger Co", baseCurrency="USD")
    await set_rate(http, admin, "EUR", "2020-01-01", str(EUR_RATE))
    members = {name: await http.add_member(admin, "sales", name) for name in ("rae", "sam", "tia")}
    members["manager"] = await http.add_member(admin, "manager", "manager")
    team = await create_team(http, admin, "East")
    for name in ("manager", "rae", "sam"):
        await set_team(http, admin, members[name], team)
    await define_field(http, admin, "contract", "region", "TEXT", filterable=True)
    await define_field(http, admin, "campaign", "tier", "TEXT", filterable=True)
    amounts = {}
    for index, (owner, days, region) in enumerate(CONTRACTS):
        start = (TODAY - timedelta(days=days)).isoformat()
        quote = await sent_quote(http, members[owner], sku=f"SKU-{index}")
        variables = {
            "id": quote["id"],
            "version": quote["version"],
            "input": {"startDate": start, "custom": {"region": region}},
        }
        accepted = await ok(http, members[owner], ACCEPT_QUOTE, variables, "acceptQuote")
        signed = await activated(http, members[owner], accepted["contract"])
        contract = (await http.execute(CONTRACT, {"id": signed["id"]}, members[owner].token))["contract"]
        assert contract["owner"]["id"] == members[owner].user_id
        rate = EUR_RATE if contract["currency"] == "EUR" else Decimal(1)
        amounts[index] = (Decimal(contract["amount"]) - Decimal(contract["paidAmount"])) * rate
    for owner, name, channel, tier, cost in CAMPAIGNS:
        campaign = await create_campaign(
            http, members[owner], name=name, channel=channel, custom={"tier": tier}
        )
        await add_cost(http, members[owner], campaign["id"], cost)
    return Book(admin, members, team, amounts)


async def answer(http: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    return (await http.execute(REPORT, {"input": {**PERIOD, **values}}, member.token))["report"]


async def errors(http: GraphQLClient, member: Member, **values: Any) -> list[tuple[str, str, str]]:
    found = await http.errors(REPORT, {"input": {**PERIOD, **values}}, member.token)
    return [(e["extensions"].get("field"), e["extensions"]["code"], e["message"]) for e in found]


def expected_aging(book: Book, owners: set[str], region: str | None = None) -> dict[str, str]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for index, (owner, days, contract_region) in enumerate(CONTRACTS):
        if owner in owners and region in (None, contract_region):
            totals[aging_bucket(days)] += book.contract_usd[index]
    return {name: money(totals[name]) for name in BUCKETS}


async def aging(http: GraphQLClient, member: Member, **filters: Any) -> dict[str, str | None]:
    result = await answer(
        http, member, kind="RECEIVABLES", metrics=["RECEIVABLE"], groupBy="AGING_BUCKET", **filters
    )
    totals = by_key(result, "RECEIVABLE")
    assert result["totals"][0]["value"] == money(sum((Decimal(v) for v in totals.values()), Decimal(0)))
    return totals


def expected_costs(owners: set[str], tier: str | None = None) -> dict[str, str]:
    return {
        name: money(Decimal(cost))
        for owner, name, _, campaign_tier, cost in CAMPAIGNS
        if owner in owners and tier in (None, campaign_tier)
    }


async def costs(http: GraphQLClient, member: Member, **filters: Any) -> dict[str, str | None]:
    result = await answer(
        http, member, kind="CAMPAIGN_ROI", metrics=["CAMPAIGN_COST"], groupBy="CAMPAIGN", **filters
    )
    return {s["label"]: s["total"] for s in result["series"]}


EVERYONE = {"rae", "sam", "tia"}
EAST = {"rae", "sam"}


async def test_receivables_by_owner_team_and_custom_field_match_the_contracts(http, book):
    admin, rae = book.admin, book.members["rae"]
    assert await aging(http, admin) == expected_aging(book, EVERYONE)
    assert await aging(http, admin, ownerId=rae.user_id) == expected_aging(book, {"rae"})
    assert await aging(http, admin, teamId=book.team["id"]) == expected_aging(book, EAST)
    north = [{"key": "region", "equals": "north"}]
    assert await aging(http, admin, custom=north) == expected_aging(book, EVERYONE, "north")
    assert await aging(http, admin, teamId=book.team["id"], custom=north) == expected_aging(
        book, EAST, "north"
    )


async def test_campaign_roi_by_owner_team_and_custom_field_match_the_campaigns(http, book):
    admin = book.admin
    assert await costs(http, admin) == expected_costs(EVERYONE)
    assert await costs(http, admin, ownerId=book.members["sam"].user_id) == expected_costs({"sam"})
    assert await costs(http, admin, teamId=book.team["id"]) == expected_costs(EAST)
    gold = [{"key": "tier", "equals": "gold"}]
    assert await costs(http, admin, custom=gold) == expected_costs(EVERYONE, "gold")
    by_channel = await answer(
        http, admin, kind="CAMPAIGN_ROI", metrics=["CAMPAIGN_COST"], groupBy="CHANNEL", teamId=book.team["id"]
    )
    assert by_key(by_channel, "CAMPAIGN_COST") == {"event": "100.00", "online_ads": "200.50"}
    assert by_channel["totals"][0]["value"] == "300.50"


async def test_a_rep_sees_only_their_numbers_whatever_the_filters(http, book):
    rae, manager = book.members["rae"], book.members["manager"]
    mine = expected_aging(book, {"rae"})
    assert await aging(http, rae) == mine
    assert await aging(http, rae, teamId=book.team["id"]) == mine
    # Someone else's figures are not revealed: the filter finds nothing in the rep's scope.
    assert await aging(http, rae, ownerId=book.members["sam"].user_id) == expected_aging(book, set())
    assert await costs(http, rae) == expected_costs({"rae"})
    assert await costs(http, rae, teamId=book.team["id"]) == expected_costs({"rae"})
    assert await costs(http, rae, ownerId=book.members["tia"].user_id) == {}
    # A manager (team scope) sees the team; Tia is outside it even when asked for by name.
    assert await aging(http, manager) == expected_aging(book, EAST)
    assert await aging(http, manager, ownerId=book.members["tia"].user_id) == expected_aging(book, set())
    assert await costs(http, manager) == expected_costs(EAST)
    assert await costs(http, manager, ownerId=book.members["tia"].user_id) == {}


async def test_bad_filters_get_exact_errors(http, book):
    admin, rae = book.admin, book.members["rae"]
    both = {"ownerId": rae.user_id, "teamId": book.team["id"]}
    for kind, metric, group, records, other_key in (
        ("RECEIVABLES", "RECEIVABLE", "AGING_BUCKET", "contract", "tier"),
        ("CAMPAIGN_ROI", "CAMPAIGN_COST", "CAMPAIGN", "campaign", "region"),
    ):
        shape = {"kind": kind, "metrics": [metric], "groupBy": group}
        assert await errors(http, admin, **shape, **both) == [
            ("input.teamId", "INVALID", "Filter by an owner or a team, not both.")
        ]
        assert await errors(http, admin, **shape, ownerId=book.team["id"]) == [
            ("input.ownerId", "NOT_FOUND", "Expected the id of a User.")
        ]
        # The other kind's custom field is not this kind's records'.
        assert await errors(http, admin, **shape, custom=[{"key": other_key, "equals": "x"}]) == [
            (
                f"input.custom.{other_key}",
                "INVALID",
                f"There is no filterable custom field '{other_key}' on {records} records.",
            )
        ]


async def test_another_tenant_sees_nothing_whatever_the_filters(http, book):
    stranger = await http.sign_up("Elsewhere Ledger", baseCurrency="USD")
    for filters in ({}, {"ownerId": book.members["rae"].user_id}, {"teamId": book.team["id"]}):
        assert await aging(http, stranger, **filters) == expected_aging(book, set())
        assert await costs(http, stranger, **filters) == {}
    # The filters are stored with a saved report and applied again when it is read.
    saved = await http.execute(
        """mutation($input: SaveReportInput!) { saveReport(input: $input) {
             widget { result { series { key total } } definition { ownerId } } errors { code } } }""",
        {
            "input": {
                "name": "Rae's aging",
                "chartKind": "BAR",
                "definition": {
                    **PERIOD,
                    "kind": "RECEIVABLES",
                    "metrics": ["RECEIVABLE"],
                    "groupBy": "AGING_BUCKET",
                    "ownerId": book.members["rae"].user_id,
                },
            }
        },
        book.admin.token,
    )
    widget = saved["saveReport"]["widget"]
    assert widget["definition"]["ownerId"] == book.members["rae"].user_id
    assert {s["key"]: s["total"] for s in widget["result"]["series"]} == expected_aging(book, {"rae"})


async def test_a_custom_field_the_role_hides_filters_nothing(http, book):
    """Field rules: a custom field hidden from the role does not exist for it, in a report's conditions too."""
    read_all = ["READ"]
    role = await create_role(
        http,
        book.admin,
        "collector",
        grants=[
            {
                "objectType": "contract",
                "actions": read_all,
                "scope": "ALL",
                "fields": [{"field": "custom.region", "access": "HIDDEN"}],
            },
            {
                "objectType": "campaign",
                "actions": read_all,
                "scope": "ALL",
                "fields": [{"field": "custom.tier", "access": "HIDDEN"}],
            },
            *(
                {"objectType": name, "actions": read_all, "scope": "ALL", "fields": []}
                for name in ("lead", "opportunity")
            ),
        ],
    )
    collector = await http.add_member(book.admin, "viewer", "collector")
    await assign(http, book.admin, collector, role)
    assert await aging(http, collector, ownerId=book.members["sam"].user_id) == expected_aging(book, {"sam"})
    assert await costs(http, collector, teamId=book.team["id"]) == expected_costs(EAST)
    for kind, metric, group, records, key in (
        ("RECEIVABLES", "RECEIVABLE", "AGING_BUCKET", "contract", "region"),
        ("CAMPAIGN_ROI", "CAMPAIGN_COST", "CAMPAIGN", "campaign", "tier"),
    ):
        condition = [{"key": key, "equals": "north"}]
        assert await errors(
            http, collector, kind=kind, metrics=[metric], groupBy=group, custom=condition
        ) == [
            (
                f"input.custom.{key}",
                "INVALID",
                f"There is no filterable custom field '{key}' on {records} records.",
            )
        ]
