"""Duplicate detection and merging.

Two records are possible duplicates when they share an email address (case-insensitive), a phone
number (digits only) or a normalized company name (lowercased, punctuation and trailing legal forms
such as Inc, LLC, Ltd, GmbH removed). Leads are compared with other leads, with contacts (emails,
phones) and with accounts (names). The normalizations are the SQL functions of the 0020 migration, and
each comparison is served by an index leading with `tenant_id`.

Only records the actor may see are reported: a duplicate check is no way around record scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned, snapshot
from graph.crm.accounts import account_scope
from graph.crm.contacts import contact_scope
from graph.crm.models import ACCOUNT, CONTACT, Account, Contact
from graph.sales.leads.leads import AUDITED_FIELDS, get_lead, lead_scope, require_editable
from graph.sales.leads.models import LEAD, OPEN_STATUSES, ContactMatchKey, Lead
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor

MAX_MATCHES = 50
MAX_MERGE = 20
# Fields a survivor takes from its duplicates when it has none of its own, in this order.
FILLABLE = ("first_name", "last_name", "email", "phone", "title", "company_name", "region", "country")
MERGED_REASON = "duplicate"


@dataclass
class DuplicateKeys:
    email: str | None
    phone_digits: str | None
    company_key: str | None

    def empty(self) -> bool:
        return not (self.email or self.phone_digits or self.company_key)


@dataclass
class Duplicate:
    """One possible duplicate: exactly one of lead/contact/account, and what matched."""

    matched_on: list[str] = field(default_factory=list)
    lead: Lead | None = None
    contact: Contact | None = None
    account: Account | None = None


async def keys_for(
    session: AsyncSession, email: str | None, phone: str | None, company: str | None
) -> DuplicateKeys:
    """The normalized keys, computed by the same SQL functions the indexes use."""
    row: Row[Any] = (
        await session.execute(
            select(func.lower(email), func.crm_phone_digits(phone), func.crm_company_key(company))
        )
    ).one()
    return DuplicateKeys(row[0], row[1], row[2])


def matched(
    keys: DuplicateKeys, email: str | None, phone_digits: str | None, company_key: str | None
) -> list[str]:
    found = []
    if keys.email and email == keys.email:
        found.append("email")
    if keys.phone_digits and phone_digits == keys.phone_digits:
        found.append("phone")
    if keys.company_key and company_key == keys.company_key:
        found.append("company")
    return found


async def matching_leads(
    session: AsyncSession, actor: Actor, keys: DuplicateKeys, exclude: Sequence[uuid.UUID]
) -> list[Duplicate]:
    conditions = []
    if keys.email:
        conditions.append(Lead.email_key == keys.email)
    if keys.phone_digits:
        conditions.append(Lead.phone_digits == keys.phone_digits)
    if keys.company_key:
        conditions.append(Lead.company_key == keys.company_key)
    rows = await session.scalars(
        select(Lead)
        .where(lead_scope(actor), or_(*conditions), Lead.merged_into_id.is_(None), Lead.id.not_in(exclude))
        .order_by(Lead.created_at, Lead.id)
        .limit(MAX_MATCHES)
    )
    return [
        Duplicate(matched(keys, lead.email_key, lead.phone_digits, lead.company_key), lead=lead)
        for lead in rows
    ]


async def matching_contacts(session: AsyncSession, actor: Actor, keys: DuplicateKeys) -> list[Duplicate]:
    if not actor.permissions.can(CONTACT, Action.READ):
        return []
    wanted = [("email", keys.email), ("phone", keys.phone_digits)]
    conditions = [
        (ContactMatchKey.kind == kind) & (ContactMatchKey.key == key) for kind, key in wanted if key
    ]
    if not conditions:
        return []
    rows = await session.execute(
        select(ContactMatchKey.contact_id, ContactMatchKey.kind).where(
            ContactMatchKey.tenant_id == actor.tenant_id, or_(*conditions)
        )
    )
    kinds: dict[uuid.UUID, list[str]] = {}
    for contact_id, kind in rows:
        kinds.setdefault(contact_id, []).append(kind)
    if not kinds:
        return []
    contacts = await session.scalars(
        select(Contact)
        .where(contact_scope(actor), Contact.deleted_at.is_(None), Contact.id.in_(list(kinds)))
        .order_by(Contact.id)
        .limit(MAX_MATCHES)
    )
    return [Duplicate(sorted(kinds[contact.id]), contact=contact) for contact in contacts]


# Not mapped on Account (the crm area's model): a generated column the 0020 migration adds.
ACCOUNT_COMPANY_KEY = literal_column("accounts.company_key")


async def matching_accounts(session: AsyncSession, actor: Actor, keys: DuplicateKeys) -> list[Duplicate]:
    if not keys.company_key or not actor.permissions.can(ACCOUNT, Action.READ):
        return []
    rows = await session.scalars(
        select(Account)
        .where(account_scope(actor), Account.deleted_at.is_(None), keys.company_key == ACCOUNT_COMPANY_KEY)
        .order_by(Account.id)
        .limit(MAX_MATCHES)
    )
    return [Duplicate(["company"], account=account) for account in rows]


async def find_duplicates(
    session: AsyncSession,
    actor: Actor,
    email: str | None,
    phone: str | None,
    company: str | None,
    exclude: Sequence[uuid.UUID] = (),
) -> list[Duplicate]:
    keys = await keys_for(session, email, phone, company)
    if keys.empty():
        return []
    return [
        *await matching_leads(session, actor, keys, exclude),
        *await matching_contacts(session, actor, keys),
        *await matching_accounts(session, actor, keys),
    ]


async def lead_duplicates(session: AsyncSession, actor: Actor, lead_id: uuid.UUID) -> list[Duplicate]:
    actor.require(LEAD, Action.READ)
    lead = await get_lead(session, actor, lead_id)
    return await find_duplicates(session, actor, lead.email, lead.phone, lead.company_name, [lead.id])


def merged_notes(survivor: Lead, duplicates: Sequence[Lead]) -> str | None:
    parts = [survivor.notes] if survivor.notes else []
    for duplicate in duplicates:
        if duplicate.notes:
            parts.append(f"[merged from lead {duplicate.id}]\n{duplicate.notes}")
    return "\n\n".join(parts) or None


async def merge_leads(
    session: AsyncSession,
    actor: Actor,
    survivor_id: uuid.UUID,
    duplicate_ids: Sequence[uuid.UUID],
    version: int,
) -> Lead:
    """Keeps the survivor, fills its empty fields and notes from the duplicates (in the given order),
    and marks each duplicate disqualified ('duplicate') with a link to the survivor."""
    actor.require(LEAD, Action.UPDATE)
    unique_ids = list(dict.fromkeys(duplicate_ids))
    if not unique_ids:
        raise DomainError(ErrorCode.REQUIRED, "Name at least one duplicate to merge.", "duplicateIds")
    if len(unique_ids) > MAX_MERGE:
        raise DomainError(ErrorCode.INVALID, f"Merge at most {MAX_MERGE} leads at once.", "duplicateIds")
    if survivor_id in unique_ids:
        raise DomainError(ErrorCode.INVALID, "A lead cannot be merged into itself.", "duplicateIds")
    survivor = await get_lead(session, actor, survivor_id, "survivorId", lock=True)
    check_version(survivor, version, "lead")
    require_editable(actor, survivor)
    if survivor.status not in OPEN_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"A {survivor.status} lead cannot absorb others.", "survivorId"
        )
    duplicates = [
        await get_lead(session, actor, lead_id, "duplicateIds", lock=True) for lead_id in unique_ids
    ]
    for duplicate in duplicates:
        require_editable(actor, duplicate)
        if duplicate.merged_into_id is not None:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION, "A lead in the list was already merged.", "duplicateIds"
            )

    before = snapshot(survivor, AUDITED_FIELDS)
    for name in FILLABLE:
        if getattr(survivor, name) is None:
            setattr(survivor, name, next((getattr(d, name) for d in duplicates if getattr(d, name)), None))
    survivor.notes = merged_notes(survivor, duplicates)
    for duplicate in duplicates:
        duplicate_before = snapshot(duplicate, AUDITED_FIELDS)
        duplicate.status = "disqualified"
        duplicate.disqualified_reason = MERGED_REASON
        duplicate.merged_into_id = survivor.id
        await flush_versioned(session, "lead")
        changes = audit.diff(duplicate_before, snapshot(duplicate, AUDITED_FIELDS))
        await audit.record(session, actor, "lead.merged", LEAD, duplicate.id, changes)
    await flush_versioned(session, "lead")
    await session.refresh(survivor, ["phone_digits", "company_key"])
    changes = audit.diff(before, snapshot(survivor, AUDITED_FIELDS))
    changes["merged_lead_ids"] = [None, [str(d.id) for d in duplicates]]
    await audit.record(session, actor, "lead.merge", LEAD, survivor.id, changes)
    return survivor
