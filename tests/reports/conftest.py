"""One seeded tenant for the report tests (module-scoped: seeding through the API is the slow part).

Team East: a manager and reps Rae and Sam; Tia is a rep without a team. Each rep owns accounts and deals
(in USD and EUR at 1.10), some won today, one lost, one open, and logs done activities. `Seeded.deals`
keeps what the test did, so each test computes its expectation in plain Python from it.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.admin.documents import create_team, define_field, set_team
from tests.crm.documents import create_account, create_activity
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.sales.pipeline.reporting import set_rate
from tests.support import GraphQLClient, Member

EUR_RATE = Decimal("1.10")


@dataclass
class Deal:
    owner: str
    account: str
    amount: Decimal
    currency: str
    outcome: str  # won, lost, open
    segment: str | None

    @property
    def in_usd(self) -> Decimal:
        return self.amount * (EUR_RATE if self.currency == "EUR" else 1)


@dataclass
class Seeded:
    admin: Member
    members: dict[str, Member]
    team: dict[str, Any]
    pipeline: dict[str, Any]
    accounts: dict[str, tuple[str, str]]  # name -> (owner, industry)
    deals: list[Deal] = field(default_factory=list)
    activities: dict[str, int] = field(default_factory=dict)  # owner -> done activities

    def user_key(self, name: str) -> str:
        from tests.support import relay_uuid

        return relay_uuid(self.members[name].user_id)


def period() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    return (today - timedelta(days=30)).isoformat(), (today + timedelta(days=60)).isoformat()


@pytest.fixture(scope="package")
async def http(app) -> AsyncIterator[GraphQLClient]:  # type: ignore[no-untyped-def]
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield GraphQLClient(client)


@pytest.fixture(scope="package")
async def seeded(http: GraphQLClient) -> Seeded:
    client = http
    admin = await client.sign_up("Reports Co", baseCurrency="USD")
    await set_rate(client, admin, "EUR", "2026-01-01", str(EUR_RATE))
    members = {
        "manager": await client.add_member(admin, "manager", "manager"),
        "rae": await client.add_member(admin, "sales", "rae"),
        "sam": await client.add_member(admin, "sales", "sam"),
        "tia": await client.add_member(admin, "sales", "tia"),
    }
    team = await create_team(client, admin, "East")
    for name in ("manager", "rae", "sam"):
        await set_team(client, admin, members[name], team)
    await define_field(client, admin, "opportunity", "segment", "TEXT", filterable=True)
    pipeline = await default_pipeline(client, admin)
    won, lost = stage_named(pipeline, "Won")["id"], stage_named(pipeline, "Lost")["id"]
    seeded = Seeded(admin, members, team, pipeline, {})
    plan = {
        "rae": [
            (
                "Rae One",
                "software",
                [
                    ("1000", "USD", "won", "smb"),
                    ("500", "EUR", "won", "enterprise"),
                    ("2000", "USD", "open", None),
                ],
            )
        ],
        "sam": [
            ("Sam One", "software", [("3000", "USD", "won", "enterprise")]),
            ("Sam Two", "retail", [("400", "USD", "lost", None)]),
        ],
        "tia": [("Tia One", None, [("700", "USD", "won", "smb")])],
    }
    account_ids: dict[str, str] = {}
    expected_close = (datetime.now(UTC).date() + timedelta(days=20)).isoformat()
    for owner, accounts in plan.items():
        member = members[owner]
        for name, industry, deals in accounts:
            values = {"industry": industry} if industry else {}
            account = await create_account(client, member, name=name, **values)
            account_ids[owner] = account["id"]
            seeded.accounts[name] = (owner, industry or "")
            for amount, currency, outcome, segment in deals:
                custom = {"custom": {"segment": segment}} if segment else {}
                deal = await create_opportunity(
                    client,
                    member,
                    account["id"],
                    amount=amount,
                    currency=currency,
                    expectedCloseOn=expected_close,
                    **custom,
                )
                if outcome == "won":
                    await moved(client, member, deal, won)
                elif outcome == "lost":
                    await moved(client, member, deal, lost, lostReason="price")
                seeded.deals.append(Deal(owner, name, Decimal(amount), currency, outcome, segment))
    for owner, count in (("rae", 2), ("tia", 1)):
        for index in range(count):
            await create_activity(
                client,
                members[owner],
                subject=f"Call {index}",
                kind="CALL",
                done=True,
                accountId=account_ids[owner],
            )
        seeded.activities[owner] = count
    return seeded


REPORT = """
query($input: ReportInput!) {
  report(input: $input) {
    kind currency asOf
    buckets { label startsOn }
    series { metric key label values total }
    totals { metric measure value hidden }
    missingRates { fromCurrency toCurrency neededFrom }
  }
}"""


async def report(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    start, end = period()
    data = await client.execute(REPORT, {"input": {"from": start, "to": end, **values}}, member.token)
    return data["report"]


async def report_errors(client: GraphQLClient, member: Member, **values: Any) -> list[tuple[str, str, str]]:
    start, end = period()
    errors = await client.errors(REPORT, {"input": {"from": start, "to": end, **values}}, member.token)
    return [(e["extensions"].get("field"), e["extensions"]["code"], e["message"]) for e in errors]


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def by_key(result: dict[str, Any], metric: str) -> dict[str | None, str | None]:
    return {s["key"]: s["total"] for s in result["series"] if s["metric"] == metric}
