"""Opportunity rules: create and update inside the actor's role and record scope (on the owner), and
the buying contacts and competitors of a deal. Stage changes live in `moves.py`; the stage an
opportunity is created in is the first row of its stage history.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.crm.accounts import get_account
from graph.crm.contacts import contact_scope
from graph.crm.models import Contact
from graph.identity.members import active_member
from graph.money.service import base_currency, quantize, validate_currency
from graph.sales.pipeline.events import CREATED, UPDATED, announce
from graph.sales.pipeline.models import (
    BUYING_ROLES,
    OPPORTUNITY,
    Competitor,
    Opportunity,
    OpportunityCompetitor,
    OpportunityContact,
    PipelineStage,
    StageChange,
)
from graph.sales.pipeline.pipelines import (
    clean_probability,
    default_pipeline,
    get_pipeline,
    get_stage,
    live_stages,
)
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.ids import new_id
from tenants.options import register_option_list
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import money_amount, optional_text, required_text

LOSS_REASONS = "loss_reasons"
register_option_list(
    LOSS_REASONS,
    "Reasons an opportunity was lost",
    [
        ("price", "Price"),
        ("competitor", "Lost to a competitor"),
        ("no_budget", "No budget"),
        ("no_decision", "No decision"),
        ("timing", "Timing"),
        ("product_fit", "Product fit"),
        ("other", "Other"),
    ],
)

AUDITED_FIELDS = (
    "name",
    "account_id",
    "owner_id",
    "pipeline_id",
    "stage_id",
    "status",
    "amount",
    "currency",
    "expected_close_on",
    "probability",
    "probability_overridden",
    "next_step",
    "lost_reason",
    "closed_at",
)
MAX_AMOUNT = Decimal("1e14")
MAX_CONTACTS = 50
MAX_COMPETITORS = 20


def audit_snapshot(opportunity: Opportunity) -> dict[str, Any]:
    """Audited values, the amount in its currency's minor units (the column keeps four decimals)."""
    values = snapshot(opportunity, AUDITED_FIELDS)
    values["amount"] = quantize(Decimal(values["amount"]), opportunity.currency)
    return values


def opportunity_scope(actor: Actor, table: Any = Opportunity) -> ColumnElement[bool]:
    """The opportunities the actor's record scope reaches, as a predicate on `table`: the opportunities
    or a rollup of them (keyed by owner, so the scope stays a predicate there too)."""
    return record_scope_clause(actor, OPPORTUNITY, table.owner_id) & (table.tenant_id == actor.tenant_id)


def visible_opportunities(actor: Actor) -> Select[tuple[Opportunity]]:
    actor.require(OPPORTUNITY, Action.READ)
    return select(Opportunity).where(opportunity_scope(actor))


async def get_opportunity(
    session: AsyncSession, actor: Actor, opportunity_id: uuid.UUID, field: str = "id"
) -> Opportunity:
    opportunity = await session.scalar(
        select(Opportunity).where(opportunity_scope(actor), Opportunity.id == opportunity_id)
    )
    if opportunity is None:
        raise not_found("opportunity", field)
    return opportunity


# --- values ------------------------------------------------------------------------------------------


def clean_amount(value: Decimal | None) -> Decimal:
    if value is None:
        raise DomainError(ErrorCode.REQUIRED, "Give an amount (0 when not known yet).", "amount")
    if not value.is_finite() or value < 0:
        raise DomainError(ErrorCode.INVALID, "An amount is zero or more.", "amount")
    if value >= MAX_AMOUNT:
        raise DomainError(ErrorCode.INVALID, "The amount is too large.", "amount")
    return value


def clean_plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key == "next_step":
            checks[key] = lambda v=value: optional_text(v, "nextStep", 500)
        elif key == "amount":
            checks[key] = lambda v=value: clean_amount(v)
        elif key == "currency":
            checks[key] = lambda v=value: validate_currency((v or "").strip().upper(), "currency")
        elif key == "probability" and value is not None:
            checks[key] = lambda v=value: clean_probability(v, "probability")
        elif key == "expected_close_on":
            checks[key] = lambda v=value: v
    return collect(checks)


async def clean_contacts(
    session: AsyncSession, actor: Actor, entries: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Distinct visible live contacts with a buying role; at most one primary."""
    if len(entries) > MAX_CONTACTS:
        raise DomainError(ErrorCode.INVALID, f"Link at most {MAX_CONTACTS} contacts.", "contacts")
    ids = [entry["contact_id"] for entry in entries]
    if len(set(ids)) != len(ids):
        raise DomainError(ErrorCode.DUPLICATE, "Each contact may appear once.", "contacts")
    if sum(1 for entry in entries if entry.get("is_primary")) > 1:
        raise DomainError(ErrorCode.INVALID, "At most one contact is the primary one.", "contacts")
    for index, entry in enumerate(entries):
        if entry["role"] not in BUYING_ROLES:
            raise DomainError(ErrorCode.INVALID, "Unknown buying role.", f"contacts.{index}.role")
    found = set(
        await session.scalars(
            select(Contact.id).where(contact_scope(actor), Contact.id.in_(ids), Contact.deleted_at.is_(None))
        )
    )
    for index, contact_id in enumerate(ids):
        if contact_id not in found:
            raise not_found("contact", f"contacts.{index}.contactId")
    return [dict(entry) for entry in entries]


async def clean_competitors(
    session: AsyncSession, actor: Actor, competitor_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    if len(competitor_ids) > MAX_COMPETITORS:
        raise DomainError(ErrorCode.INVALID, f"Link at most {MAX_COMPETITORS} competitors.", "competitorIds")
    unique_ids = list(dict.fromkeys(competitor_ids))
    found = set(
        await session.scalars(
            select(Competitor.id).where(
                Competitor.tenant_id == actor.tenant_id,
                Competitor.id.in_(unique_ids),
                Competitor.archived_at.is_(None),
            )
        )
    )
    for index, competitor_id in enumerate(unique_ids):
        if competitor_id not in found:
            raise not_found("competitor", f"competitorIds.{index}")
    return unique_ids


async def clean_references(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "account_id" in values:
        if values["account_id"] is None:
            raise DomainError(ErrorCode.REQUIRED, "Every opportunity belongs to an account.", "accountId")
        cleaned["account_id"] = (await get_account(session, actor, values["account_id"], "accountId")).id
    if "owner_id" in values:
        if values["owner_id"] is None:
            raise DomainError(ErrorCode.REQUIRED, "Every opportunity has an owner.", "ownerId")
        cleaned["owner_id"] = await active_member(session, actor, values["owner_id"], "ownerId")
    if "contacts" in values:
        cleaned["contacts"] = await clean_contacts(session, actor, values["contacts"] or [])
    if "competitor_ids" in values:
        cleaned["competitor_ids"] = await clean_competitors(session, actor, values["competitor_ids"] or [])
    return cleaned


async def replace_links(
    session: AsyncSession, actor: Actor, opportunity: Opportunity, cleaned: Mapping[str, Any]
) -> dict[str, Any]:
    """Replaces contacts and/or competitors when given; returns their audit diff."""
    changes: dict[str, Any] = {}
    if "contacts" in cleaned:
        before = await contact_links(session, opportunity.id)
        await session.execute(
            delete(OpportunityContact).where(OpportunityContact.opportunity_id == opportunity.id)
        )
        await session.flush()
        session.add_all(
            OpportunityContact(
                tenant_id=actor.tenant_id,
                opportunity_id=opportunity.id,
                contact_id=entry["contact_id"],
                role=entry["role"],
                is_primary=bool(entry.get("is_primary")),
            )
            for entry in cleaned["contacts"]
        )
        after = [[str(e["contact_id"]), e["role"], bool(e.get("is_primary"))] for e in cleaned["contacts"]]
        if before != after:
            changes["contacts"] = [before, after]
    if "competitor_ids" in cleaned:
        before_ids = sorted(
            str(i)
            for i in await session.scalars(
                select(OpportunityCompetitor.competitor_id).where(
                    OpportunityCompetitor.opportunity_id == opportunity.id
                )
            )
        )
        await session.execute(
            delete(OpportunityCompetitor).where(OpportunityCompetitor.opportunity_id == opportunity.id)
        )
        await session.flush()
        session.add_all(
            OpportunityCompetitor(
                tenant_id=actor.tenant_id, opportunity_id=opportunity.id, competitor_id=competitor_id
            )
            for competitor_id in cleaned["competitor_ids"]
        )
        after_ids = sorted(str(i) for i in cleaned["competitor_ids"])
        if before_ids != after_ids:
            changes["competitors"] = [before_ids, after_ids]
    await session.flush()
    return changes


async def contact_links(session: AsyncSession, opportunity_id: uuid.UUID) -> list[list[Any]]:
    rows = await session.scalars(
        select(OpportunityContact).where(OpportunityContact.opportunity_id == opportunity_id)
    )
    return [[str(link.contact_id), link.role, link.is_primary] for link in rows]


def record_stage_change(
    session: AsyncSession,
    actor: Actor,
    opportunity: Opportunity,
    left: tuple[uuid.UUID, datetime] | None,
    at: datetime,
) -> None:
    """`left`: the stage the opportunity leaves and when it had entered it (None on creation)."""
    session.add(
        StageChange(
            tenant_id=actor.tenant_id,
            opportunity_id=opportunity.id,
            pipeline_id=opportunity.pipeline_id,
            from_stage_id=left[0] if left else None,
            from_stage_entered_at=left[1] if left else None,
            to_stage_id=opportunity.stage_id,
            probability=opportunity.probability,
            moved_by_id=actor.user_id,
            moved_at=at,
        )
    )


# --- create and update -------------------------------------------------------------------------------


async def initial_stage(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any]
) -> tuple[uuid.UUID, PipelineStage]:
    """The pipeline and open stage a new opportunity starts in (default pipeline, first open stage)."""
    if values.get("pipeline_id") is not None:
        pipeline = await get_pipeline(session, actor, values["pipeline_id"], "pipelineId")
    else:
        pipeline = await default_pipeline(session, actor)
    if values.get("stage_id") is not None:
        stage = await get_stage(session, actor, values["stage_id"])
        if stage.pipeline_id != pipeline.id:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION, "This stage belongs to another pipeline.", "stageId"
            )
        if stage.archived_at is not None:
            raise DomainError(ErrorCode.INVALID_TRANSITION, "This stage is archived.", "stageId")
        if stage.is_closed:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "A new opportunity starts in an open stage; move it to won or lost afterwards.",
                "stageId",
            )
        return pipeline.id, stage
    stage = next(s for s in await live_stages(session, pipeline.id) if s.kind == "open")
    return pipeline.id, stage


async def create_opportunity(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Opportunity:
    actor.require(OPPORTUNITY, Action.CREATE)
    given = {"name": None, "amount": Decimal("0"), "account_id": None, **values}
    if given.get("currency") is None:
        given["currency"] = await base_currency(session, actor.tenant_id)
    cleaned = clean_plain_values({k: v for k, v in given.items() if k not in ("probability",)})
    if given.get("probability") is not None:
        cleaned["probability"] = clean_probability(given["probability"], "probability")
    cleaned.update(await clean_references(session, actor, given))
    pipeline_id, stage = await initial_stage(session, actor, given)
    now = datetime.now(UTC)
    opportunity = Opportunity(
        tenant_id=actor.tenant_id,
        id=new_id(),
        name=cleaned["name"],
        account_id=cleaned["account_id"],
        owner_id=cleaned.get("owner_id") or actor.user_id,
        pipeline_id=pipeline_id,
        stage_id=stage.id,
        status="open",
        amount=quantize(money_amount(cleaned["amount"], cleaned["currency"], "amount"), cleaned["currency"]),
        currency=cleaned["currency"],
        expected_close_on=cleaned.get("expected_close_on"),
        probability=cleaned.get("probability", stage.probability),
        probability_overridden="probability" in cleaned,
        next_step=cleaned.get("next_step"),
        stage_entered_at=now,
        entered_stage_ids=[stage.id],
        stay_stage_ids=[],
        stay_seconds=[],
        created_by_id=actor.user_id,
    )
    custom = await apply_custom_values(session, actor, OPPORTUNITY, opportunity, values, creating=True)
    session.add(opportunity)
    await session.flush()
    record_stage_change(session, actor, opportunity, None, now)
    links = await replace_links(session, actor, opportunity, cleaned)
    changes = audit.diff({}, audit_snapshot(opportunity)) | links | custom
    await audit.record(session, actor, "opportunity.create", OPPORTUNITY, opportunity.id, changes)
    await announce(session, opportunity, CREATED)
    return opportunity


async def update_opportunity(
    session: AsyncSession, actor: Actor, opportunity_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Opportunity:
    """Changes the given fields; the stage changes only through move/reopen. `probability: None`
    drops an override and takes the stage's default again."""
    actor.require(OPPORTUNITY, Action.UPDATE)
    opportunity = await get_opportunity(session, actor, opportunity_id)
    check_version(opportunity, version, "opportunity")
    cleaned = clean_plain_values(values)
    cleaned.update(await clean_references(session, actor, values))
    before = audit_snapshot(opportunity)
    for key in ("name", "account_id", "owner_id", "currency", "expected_close_on", "next_step"):
        if key in cleaned:
            setattr(opportunity, key, cleaned[key])
    if "amount" in cleaned or "currency" in cleaned:
        amount = money_amount(cleaned.get("amount", opportunity.amount), opportunity.currency, "amount")
        opportunity.amount = quantize(amount, opportunity.currency)
    if "probability" in values:
        await set_probability(session, actor, opportunity, cleaned.get("probability"))
    custom = await apply_custom_values(session, actor, OPPORTUNITY, opportunity, values, creating=False)
    await flush_versioned(session, "opportunity")
    links = await replace_links(session, actor, opportunity, cleaned)
    if links and not audit.diff(before, audit_snapshot(opportunity)) and not custom:
        # Only the links changed: still a new version of the opportunity, so readers see the change.
        opportunity.updated_at = datetime.now(UTC)
        await flush_versioned(session, "opportunity")
    changes = audit.diff(before, audit_snapshot(opportunity)) | links | custom
    await audit.record(session, actor, "opportunity.update", OPPORTUNITY, opportunity.id, changes)
    await announce(session, opportunity, UPDATED)
    return opportunity


async def delete_opportunity(
    session: AsyncSession, actor: Actor, opportunity_id: uuid.UUID, version: int
) -> Opportunity:
    """Removes an opportunity nothing refers to yet (undoing an import): its contact and competitor
    links and stage history go with it; one a quote or project refers to is refused by the database
    (the caller reports the conflict). The rollups follow by their triggers."""
    actor.require(OPPORTUNITY, Action.DELETE)
    opportunity = await get_opportunity(session, actor, opportunity_id)
    check_version(opportunity, version, "opportunity")
    before = audit_snapshot(opportunity)
    await session.execute(
        delete(Opportunity).where(Opportunity.tenant_id == actor.tenant_id, Opportunity.id == opportunity.id)
    )
    await audit.record(
        session,
        actor,
        "opportunity.delete",
        OPPORTUNITY,
        opportunity.id,
        {k: [v, None] for k, v in before.items()},
    )
    # Listeners re-read it and find it gone (a board drops the card).
    await announce(session, opportunity, UPDATED)
    return opportunity


async def set_probability(
    session: AsyncSession, actor: Actor, opportunity: Opportunity, probability: int | None
) -> None:
    if opportunity.status != "open":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "A closed opportunity keeps its stage's probability; reopen it first.",
            "probability",
        )
    if probability is None:
        stage = await get_stage(session, actor, opportunity.stage_id)
        opportunity.probability, opportunity.probability_overridden = stage.probability, False
    else:
        opportunity.probability, opportunity.probability_overridden = probability, True
