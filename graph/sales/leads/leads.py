"""Lead rules: create, update, status changes, inside the actor's role and record scope.

Who sees a lead: its owner's scope as for every owned record, plus every lead in the pool (no owner),
which all members who may read leads see. Who changes one: the owner's scope; pool leads only
managers (team or all scope), since a rep's way to a pool lead is `claimLead`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.identity.members import active_member
from graph.sales.leads.models import LEAD, Lead
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import check_builtin_writes
from tenants.ids import new_id
from tenants.options import register_option_list, require_option
from tenants.permissions import Action, Actor, Scope, record_scope_clause
from tenants.validation import bounded_text, email_address, optional_text, required_flag

LEAD_SOURCES = "lead_sources"
register_option_list(
    LEAD_SOURCES,
    "Lead sources",
    [
        ("web", "Web form"),
        ("phone", "Phone"),
        ("import", "Import"),
        ("campaign", "Campaign"),
        ("referral", "Referral"),
        ("event", "Event"),
        ("other", "Other"),
    ],
)

AUDITED_FIELDS = (
    "source",
    "first_name",
    "last_name",
    "email",
    "phone",
    "sms_opt_out",
    "title",
    "company_name",
    "region",
    "country",
    "notes",
    "status",
    "disqualified_reason",
    "owner_id",
    "merged_into_id",
    "converted_account_id",
    "converted_contact_id",
    "converted_opportunity_id",
)
# Where each status may go by `changeLeadStatus`; `converted` is reached only through `convertLead`.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"working", "qualified", "disqualified"}),
    "working": frozenset({"qualified", "disqualified"}),
    "qualified": frozenset({"working", "disqualified"}),
    "disqualified": frozenset({"working"}),
    "converted": frozenset(),
}
TEXT_RULES = {
    "first_name": ("firstName", 100),
    "last_name": ("lastName", 100),
    "title": ("title", 200),
    "company_name": ("companyName", 200),
    "region": ("region", 100),
    "country": ("country", 100),
    "notes": ("notes", 10_000),
}


def lead_scope(actor: Actor) -> ColumnElement[bool]:
    in_scope = record_scope_clause(actor, LEAD, Lead.owner_id) | Lead.owner_id.is_(None)
    return (Lead.tenant_id == actor.tenant_id) & in_scope


def visible_leads(actor: Actor) -> Select[tuple[Lead]]:
    actor.require(LEAD, Action.READ)
    return select(Lead).where(lead_scope(actor))


def manages_leads(actor: Actor) -> bool:
    """Managers and admins (any scope wider than their own records) hand leads out and edit pool leads."""
    return actor.permissions.scope(LEAD) is not Scope.OWN


async def get_lead(
    session: AsyncSession, actor: Actor, lead_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Lead:
    statement = select(Lead).where(lead_scope(actor), Lead.id == lead_id)
    lead = await session.scalar(statement.with_for_update() if lock else statement)
    if lead is None:
        raise not_found("lead", field)
    return lead


def require_editable(actor: Actor, lead: Lead, *, creator_may: bool = True) -> None:
    """A pool lead is edited (and merged) by whoever manages leads, or by the member who created it
    (`creator_may`: tidying up one's own entries needs no claim); everyone else claims it first."""
    own_entry = creator_may and lead.created_by_id == actor.user_id
    if lead.owner_id is None and not manages_leads(actor) and not own_entry:
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "This lead is in the pool; claim it before changing it."
        )
    if lead.status == "converted":
        raise DomainError(ErrorCode.INVALID_TRANSITION, "A converted lead can no longer be changed.")


def clean_phone(value: str | None) -> str | None:
    phone = optional_text(" ".join((value or "").split()), "phone", 40)
    if phone is not None and not any(char.isdigit() for char in phone):
        raise DomainError(ErrorCode.INVALID, "A phone number needs digits.", "phone")
    return phone


async def clean_lead(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key in TEXT_RULES:
            field, limit = TEXT_RULES[key]
            checks[key] = lambda v=value, f=field, n=limit: optional_text(v, f, n)
        elif key == "email":
            checks[key] = lambda v=value: email_address(v, "email") if (v or "").strip() else None
        elif key == "phone":
            checks[key] = lambda v=value: clean_phone(v)
        elif key == "sms_opt_out":
            checks[key] = lambda v=value: required_flag(v, "smsOptOut")
    cleaned = collect(checks)
    if "source" in values:
        source = bounded_text((values["source"] or "").strip().lower(), "source", 64)
        if not source:
            raise DomainError(ErrorCode.REQUIRED, "Say where the lead came from.", "source")
        await require_option(session, actor.tenant_id, LEAD_SOURCES, source, "source")
        cleaned["source"] = source
    return cleaned


def require_identity(lead: Lead) -> None:
    if not (lead.last_name or lead.company_name or lead.email or lead.phone):
        raise DomainError(
            ErrorCode.REQUIRED,
            "A lead needs at least a last name, a company, an email or a phone.",
            "lastName",
        )


async def clean_owner(session: AsyncSession, actor: Actor, owner_id: uuid.UUID | None) -> uuid.UUID | None:
    """Reps may take a new lead themselves or leave it to the pool; managers give it to anyone."""
    if owner_id is None:
        return None
    owner = await active_member(session, actor, owner_id, "ownerId")
    if owner != actor.user_id and not manages_leads(actor):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED, "Only managers assign leads to other members.", "ownerId"
        )
    return owner


async def build_lead(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Lead:
    """A validated, not yet saved lead (so duplicates can be looked for before anything is written)."""
    actor.require(LEAD, Action.CREATE)
    cleaned = await clean_lead(session, actor, {"source": None, **values})
    owner_id = await clean_owner(session, actor, values.get("owner_id"))
    # The id is set now so a unique custom field compares with every other lead (not with a NULL id).
    lead = Lead(
        tenant_id=actor.tenant_id, id=new_id(), created_by_id=actor.user_id, owner_id=owner_id, **cleaned
    )
    require_identity(lead)
    await apply_custom_values(session, actor, LEAD, lead, values, creating=True)
    return lead


def custom_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Audit diff of custom values, on `custom.<key>` like the built-in fields' diff."""
    keys = sorted(set(before) | set(after))
    return {f"custom.{k}": [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


async def save_new_lead(session: AsyncSession, actor: Actor, lead: Lead) -> Lead:
    session.add(lead)
    await session.flush()
    after = snapshot(lead, AUDITED_FIELDS)
    changes = audit.diff({}, after) | custom_changes({}, lead.custom or {})
    await audit.record(session, actor, "lead.create", LEAD, lead.id, changes)
    return lead


async def transaction_time(session: AsyncSession) -> datetime:
    """The database's clock. Read it before changing a record: the query autoflushes pending changes,
    and a flush in the middle of one logical change would bump the version twice."""
    return await session.scalar(select(func.now()))  # type: ignore[return-value]


async def update_lead(
    session: AsyncSession, actor: Actor, lead_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Lead:
    actor.require(LEAD, Action.UPDATE)
    lead = await get_lead(session, actor, lead_id)
    check_version(lead, version, "lead")
    require_editable(actor, lead)
    cleaned = await clean_lead(session, actor, values)
    before = snapshot(lead, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(lead, key, value)
    require_identity(lead)
    custom = await apply_custom_values(session, actor, LEAD, lead, values, creating=False)
    await flush_versioned(session, "lead")
    await session.refresh(lead, ["phone_digits", "company_key"])
    changes = audit.diff(before, snapshot(lead, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "lead.update", LEAD, lead.id, changes)
    return lead


async def delete_lead(session: AsyncSession, actor: Actor, lead_id: uuid.UUID, version: int) -> Lead:
    """Removes a lead (undoing an import). A converted or merged lead is history and stays; a lead other
    records refer to (a campaign's member) is refused by the database (the caller reports the conflict)."""
    actor.require(LEAD, Action.DELETE)
    lead = await get_lead(session, actor, lead_id)
    check_version(lead, version, "lead")
    require_editable(actor, lead)
    if lead.status == "converted" or lead.merged_into_id is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "A converted or merged lead cannot be deleted.", "id")
    before = snapshot(lead, AUDITED_FIELDS)
    await session.execute(delete(Lead).where(Lead.tenant_id == actor.tenant_id, Lead.id == lead.id))
    await audit.record(
        session, actor, "lead.delete", LEAD, lead.id, {k: [v, None] for k, v in before.items()}
    )
    return lead


async def change_lead_status(
    session: AsyncSession, actor: Actor, lead_id: uuid.UUID, version: int, status: str, reason: str | None
) -> Lead:
    actor.require(LEAD, Action.UPDATE)
    check_builtin_writes(actor, LEAD, {"status": status})
    lead = await get_lead(session, actor, lead_id)
    check_version(lead, version, "lead")
    require_editable(actor, lead)
    if status not in TRANSITIONS[lead.status] or lead.merged_into_id is not None:
        hint = " Use convertLead to convert a lead." if status == "converted" else ""
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"A {lead.status} lead cannot become {status}.{hint}", "status"
        )
    cleaned_reason = optional_text(reason, "reason", 500)
    if status == "disqualified" and cleaned_reason is None:
        raise DomainError(ErrorCode.REQUIRED, "Say why the lead is disqualified.", "reason")
    before = snapshot(lead, AUDITED_FIELDS)
    lead.status = status
    lead.disqualified_reason = cleaned_reason if status == "disqualified" else None
    await flush_versioned(session, "lead")
    await audit.record(
        session, actor, "lead.status", LEAD, lead.id, audit.diff(before, snapshot(lead, AUDITED_FIELDS))
    )
    return lead
