"""Campaign rules: create, update, status flow, cost lines, inside the actor's role and record scope.

A campaign is owned like every owned record: its owner's scope sees and changes it. Money is the
campaign's currency (the tenant's base currency unless given), checked by the one money rule
(`money_amount`: no more digits than the currency has); cost lines take the campaign's currency, so its
currency cannot change once it has costs. Approved expense claims linked to a campaign count in its actual
cost and ROI too, through a registered claim source (`register_claim_source`), so this area does not
depend on the one keeping the claims.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.identity.members import active_member
from graph.marketing.models import CAMPAIGN, Campaign, CampaignCost
from graph.marketing.segments import get_segment
from graph.money.service import base_currency
from graph.sales.leads.leads import custom_changes
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import check_builtin_writes
from tenants.ids import new_id
from tenants.locales import validate_currency
from tenants.options import register_option_list, require_option
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import bounded_text, money_amount, optional_text, required_text

CAMPAIGN_CHANNELS = "campaign_channels"
register_option_list(
    CAMPAIGN_CHANNELS,
    "Campaign channels",
    [
        ("email", "Email"),
        ("sms", "SMS"),
        ("event", "Event"),
        ("exhibition", "Exhibition"),
        ("online_ads", "Online ads"),
        ("social", "Social media"),
    ],
)

AUDITED_FIELDS = (
    "name",
    "goal",
    "plan",
    "channel",
    "status",
    "starts_on",
    "ends_on",
    "currency",
    "budget",
    "owner_id",
    "segment_id",
)
# Where each status may go: planned -> active -> completed; planned or active -> cancelled.
TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"active", "cancelled"}),
    "active": frozenset({"completed", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
MAX_AMOUNT = Decimal("1e14")


def campaign_scope(actor: Actor) -> ColumnElement[bool]:
    return (Campaign.tenant_id == actor.tenant_id) & record_scope_clause(actor, CAMPAIGN, Campaign.owner_id)


def visible_campaigns(actor: Actor) -> Select[tuple[Campaign]]:
    actor.require(CAMPAIGN, Action.READ)
    return select(Campaign).where(campaign_scope(actor))


async def get_campaign(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Campaign:
    statement = select(Campaign).where(campaign_scope(actor), Campaign.id == campaign_id)
    campaign = await session.scalar(statement.with_for_update() if lock else statement)
    if campaign is None:
        raise not_found("campaign", field)
    return campaign


def budget_amount(value: Any, currency: str, field: str) -> Decimal:
    amount = money_amount(value, currency, field)
    if amount < 0 or amount >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "An amount is from 0 to less than 10^14.", field)
    return amount


def clean_campaign_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The plain fields, all problems at once (channel, currency and owner need the database)."""
    checks: dict[str, Any] = {}
    if "name" in values:
        checks["name"] = lambda: required_text(values["name"], "name", 200)
    if "goal" in values:
        checks["goal"] = lambda: optional_text(values["goal"], "goal", 2000)
    if "plan" in values:
        checks["plan"] = lambda: optional_text(values["plan"], "plan", 10_000)
    for key in ("starts_on", "ends_on"):
        if key in values:
            checks[key] = lambda k=key: values[k]
    return collect(checks)


def check_period(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise DomainError(ErrorCode.INVALID, "A campaign cannot end before it starts.", "endsOn")


async def clean_channel(session: AsyncSession, actor: Actor, value: str | None) -> str:
    channel = bounded_text((value or "").strip().lower(), "channel", 50)
    if not channel:
        raise DomainError(ErrorCode.REQUIRED, "Say which channel the campaign uses.", "channel")
    await require_option(session, actor.tenant_id, CAMPAIGN_CHANNELS, channel, "channel")
    return channel


async def create_campaign(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Campaign:
    actor.require(CAMPAIGN, Action.CREATE)
    cleaned = clean_campaign_fields({"name": None, **values})
    cleaned["channel"] = await clean_channel(session, actor, values.get("channel"))
    given_currency = values.get("currency")
    if given_currency is None:
        currency = await base_currency(session, actor.tenant_id)
    else:
        currency = validate_currency(given_currency)
    budget = budget_amount(values.get("budget") or Decimal(0), currency, "budget")
    owner_id = values.get("owner_id")
    owner = actor.user_id if owner_id is None else await active_member(session, actor, owner_id, "ownerId")
    check_period(cleaned.get("starts_on"), cleaned.get("ends_on"))
    if values.get("segment_id") is not None:
        cleaned["segment_id"] = (await get_segment(session, actor, values["segment_id"], "segmentId")).id
    campaign = Campaign(
        tenant_id=actor.tenant_id,
        id=new_id(),
        currency=currency,
        budget=budget,
        owner_id=owner,
        created_by_id=actor.user_id,
        status="planned",
        **cleaned,
    )
    await apply_custom_values(session, actor, CAMPAIGN, campaign, values, creating=True)
    session.add(campaign)
    await session.flush()
    changes = audit.diff({}, snapshot(campaign, AUDITED_FIELDS)) | custom_changes({}, campaign.custom or {})
    await audit.record(session, actor, "campaign.create", CAMPAIGN, campaign.id, changes)
    return campaign


async def linked_campaign(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, field: str, *, lock: bool = False
) -> Campaign:
    """For another area's record naming a campaign (an expense claim): the campaign when the actor's role
    reads campaigns and its record scope reaches this one; NOT_FOUND on `field` otherwise."""
    if not actor.permissions.can(CAMPAIGN, Action.READ):
        raise not_found("campaign", field)
    return await get_campaign(session, actor, campaign_id, field, lock=lock)


# Where claimed campaign costs come from: an area that keeps expense claims registers a source with one
# line, `register_claim_source(campaign_claims)` (daily work does), as graph/projects/costs does for
# projects. A source called with `pending` returns a statement of (tenant_id, campaign_id, amount,
# currency, day) rows: the approved claims linked to a campaign, and with `pending` also those awaiting a
# decision. Its area keeps each claim in its campaign's currency (checked on submission; the currency
# cannot change here while such claims exist), so claims add up with the cost lines.
ClaimSource = Callable[[bool], Select[Any]]
CLAIM_SOURCES: list[ClaimSource] = []


def register_claim_source(source: ClaimSource) -> None:
    if source not in CLAIM_SOURCES:
        CLAIM_SOURCES.append(source)


def spending(*, pending: bool = False) -> Subquery:
    """The cost lines and the registered sources' claims as (tenant_id, campaign_id, amount, currency,
    day) rows; with `pending`, claims awaiting a decision too."""
    lines = select(
        CampaignCost.tenant_id.label("tenant_id"),
        CampaignCost.campaign_id.label("campaign_id"),
        CampaignCost.amount.label("amount"),
        CampaignCost.currency.label("currency"),
        CampaignCost.incurred_on.label("day"),
    )
    claims = [source(pending) for source in CLAIM_SOURCES]
    return (union_all(lines, *claims) if claims else lines).subquery("spending")


async def has_costs(session: AsyncSession, campaign: Campaign) -> bool:
    """Whether cost lines or claims (approved or awaiting a decision) are in the campaign's currency."""
    rows = spending(pending=True)
    found = await session.scalar(
        select(rows.c.campaign_id)
        .where(rows.c.tenant_id == campaign.tenant_id, rows.c.campaign_id == campaign.id)
        .limit(1)
    )
    return found is not None


async def update_campaign(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Campaign:
    actor.require(CAMPAIGN, Action.UPDATE)
    campaign = await get_campaign(session, actor, campaign_id)
    check_version(campaign, version, "campaign")
    cleaned = clean_campaign_fields(values)
    if "channel" in values:
        cleaned["channel"] = await clean_channel(session, actor, values["channel"])
    currency = campaign.currency
    if values.get("currency") is not None:
        currency = validate_currency(values["currency"])
        if currency != campaign.currency and await has_costs(session, campaign):
            raise DomainError(
                ErrorCode.INVALID,
                "The campaign has cost lines or expense claims in its currency; remove them first.",
                "currency",
            )
        cleaned["currency"] = currency
    if values.get("budget") is not None or "currency" in cleaned:
        cleaned["budget"] = budget_amount(values.get("budget") or campaign.budget, currency, "budget")
    if "owner_id" in values:
        if values["owner_id"] is None:
            raise DomainError(ErrorCode.REQUIRED, "Every campaign has an owner.", "ownerId")
        cleaned["owner_id"] = await active_member(session, actor, values["owner_id"], "ownerId")
    check_period(cleaned.get("starts_on", campaign.starts_on), cleaned.get("ends_on", campaign.ends_on))
    if "segment_id" in values:
        segment_id = values["segment_id"]
        if segment_id is not None:
            segment_id = (await get_segment(session, actor, segment_id, "segmentId")).id
        cleaned["segment_id"] = segment_id
    before = snapshot(campaign, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(campaign, key, value)
    custom = await apply_custom_values(session, actor, CAMPAIGN, campaign, values, creating=False)
    await flush_versioned(session, "campaign")
    changes = audit.diff(before, snapshot(campaign, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "campaign.update", CAMPAIGN, campaign.id, changes)
    return campaign


async def change_campaign_status(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, version: int, status: str
) -> Campaign:
    actor.require(CAMPAIGN, Action.UPDATE)
    check_builtin_writes(actor, CAMPAIGN, {"status": status})
    campaign = await get_campaign(session, actor, campaign_id)
    check_version(campaign, version, "campaign")
    if status not in TRANSITIONS[campaign.status]:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"A {campaign.status} campaign cannot become {status}.", "status"
        )
    before = snapshot(campaign, AUDITED_FIELDS)
    campaign.status = status
    await flush_versioned(session, "campaign")
    changes = audit.diff(before, snapshot(campaign, AUDITED_FIELDS))
    await audit.record(session, actor, "campaign.status", CAMPAIGN, campaign.id, changes)
    return campaign


def require_open(campaign: Campaign, field: str = "campaignId") -> None:
    if campaign.status in ("completed", "cancelled"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"A {campaign.status} campaign can no longer change.", field
        )


async def add_cost(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, values: Mapping[str, Any]
) -> tuple[Campaign, CampaignCost]:
    """A cost line in the campaign's currency; the campaign's version moves (its spend changed)."""
    actor.require(CAMPAIGN, Action.UPDATE)
    campaign = await get_campaign(session, actor, campaign_id, "campaignId", lock=True)
    require_open(campaign)
    cleaned = collect(
        {
            "description": lambda: required_text(values.get("description"), "description", 200),
            "amount": lambda: budget_amount(values.get("amount"), campaign.currency, "amount"),
        }
    )
    if cleaned["amount"] == 0:
        raise DomainError(ErrorCode.INVALID, "A cost line has an amount above zero.", "amount")
    incurred_on = values.get("incurred_on") or await session.scalar(select(func.current_date()))
    cost = CampaignCost(
        tenant_id=actor.tenant_id,
        id=new_id(),
        campaign_id=campaign.id,
        currency=campaign.currency,
        incurred_on=incurred_on,
        created_by_id=actor.user_id,
        **cleaned,
    )
    session.add(cost)
    campaign.updated_at = datetime.now(UTC)  # a change of the campaign: its version moves
    await flush_versioned(session, "campaign")
    changes = {"cost": [None, {"description": cost.description, "amount": str(cost.amount)}]}
    await audit.record(session, actor, "campaign.cost_add", CAMPAIGN, campaign.id, changes)
    return campaign, cost


async def remove_cost(session: AsyncSession, actor: Actor, cost_id: uuid.UUID) -> Campaign:
    actor.require(CAMPAIGN, Action.UPDATE)
    cost = await session.scalar(
        select(CampaignCost).where(CampaignCost.tenant_id == actor.tenant_id, CampaignCost.id == cost_id)
    )
    if cost is None:
        raise not_found("cost line", "id")
    campaign = await get_campaign(session, actor, cost.campaign_id, "id", lock=True)
    require_open(campaign, "id")
    await session.delete(cost)
    campaign.updated_at = datetime.now(UTC)  # a change of the campaign: its version moves
    await flush_versioned(session, "campaign")
    changes = {"cost": [{"description": cost.description, "amount": str(cost.amount)}, None]}
    await audit.record(session, actor, "campaign.cost_remove", CAMPAIGN, campaign.id, changes)
    return campaign


def cost_scope(actor: Actor) -> ColumnElement[bool]:
    """Cost lines of the campaigns the actor sees."""
    in_scope = select(Campaign.id).where(campaign_scope(actor))
    return (CampaignCost.tenant_id == actor.tenant_id) & CampaignCost.campaign_id.in_(in_scope)


def spent_statement(campaign_ids: Any) -> Select[Any]:
    """Actual cost per campaign: the sum of its cost lines and approved claims (exact; shown rounded once)."""
    rows = spending()
    return (
        select(rows.c.campaign_id, func.sum(rows.c.amount))
        .where(rows.c.campaign_id.in_(campaign_ids))
        .group_by(rows.c.campaign_id)
    )
