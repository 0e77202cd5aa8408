"""Contact rules: create, update, soft delete, restore, and links to accounts (at most one primary).

Same conventions as `graph/crm/accounts.py`: scope-limited reads, NOT_FOUND for anything the actor may
not see, version checks before any write, and an audit entry in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, clean_tags, collect, conflict, flush_versioned, snapshot
from graph.crm.accounts import get_account
from graph.crm.models import CONTACT, Contact, ContactAccount
from graph.crm.names import NAME_ORDERS, full_name
from graph.identity.members import active_member, active_members
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import apply_custom_values_to_many, searchable_text, searchable_values
from tenants.ids import new_id
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import bounded_text, email_address, optional_text, required_flag, required_text

AUDITED_FIELDS = (
    "first_name",
    "last_name",
    "name_order",
    "emails",
    "phones",
    "sms_opt_out",
    "birthday",
    "owner_id",
    "tags",
    "notes",
    "deleted_at",
)
MAX_EMAILS = 10
MAX_PHONES = 10


def contact_scope(actor: Actor) -> ColumnElement[bool]:
    return record_scope_clause(actor, CONTACT, Contact.owner_id) & (Contact.tenant_id == actor.tenant_id)


def visible_contacts(actor: Actor) -> Select[tuple[Contact]]:
    actor.require(CONTACT, Action.READ)
    return select(Contact).where(contact_scope(actor))


async def get_contact(
    session: AsyncSession, actor: Actor, contact_id: uuid.UUID, field: str = "id", *, deleted: bool = False
) -> Contact:
    contact = await session.scalar(
        select(Contact).where(
            contact_scope(actor),
            Contact.id == contact_id,
            Contact.deleted_at.is_not(None) if deleted else Contact.deleted_at.is_(None),
        )
    )
    if contact is None:
        raise not_found("contact", field)
    return contact


def clean_emails(values: list[str] | None) -> list[str]:
    emails: list[str] = []
    for value in values or []:
        email = email_address(value, "emails")
        if email.lower() not in {e.lower() for e in emails}:
            emails.append(email)
    if len(emails) > MAX_EMAILS:
        raise DomainError(ErrorCode.INVALID, f"Use at most {MAX_EMAILS} email addresses.", "emails")
    return emails


def clean_phones(values: list[str] | None) -> list[str]:
    phones = [bounded_text(" ".join(value.split()), "phones", 40) for value in values or []]
    phones = [phone for phone in phones if phone]
    if len(phones) > MAX_PHONES:
        raise DomainError(ErrorCode.INVALID, f"Use at most {MAX_PHONES} phone numbers.", "phones")
    return phones


def clean_birthday(value: date | None) -> date | None:
    if value is not None and value > datetime.now(UTC).date():
        raise DomainError(ErrorCode.INVALID, "A birthday cannot be in the future.", "birthday")
    return value


def search_text(contact: Contact) -> str:
    """What the `search` filter matches: the full name as shown, then email addresses, lowercased."""
    contact.full_name = full_name(contact.first_name, contact.last_name, contact.name_order)
    return " ".join([contact.full_name, *contact.emails]).lower()


def clean_name_order(value: str | None) -> str | None:
    if value is not None and value not in NAME_ORDERS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(NAME_ORDERS)}, or null.", "nameOrder")
    return value


async def full_search_text(session: AsyncSession, contact: Contact) -> str:
    """Names, emails and the values of searchable custom fields."""
    extra = await searchable_values(session, CONTACT, contact.custom)
    return " ".join([search_text(contact), *extra]).lower()


async def clean_contact(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = clean_contact_fields(values)
    if "owner_id" in values:
        cleaned["owner_id"] = await active_member(session, actor, required_owner(values), "ownerId")
    return cleaned


def required_owner(values: Mapping[str, Any]) -> uuid.UUID:
    if values["owner_id"] is None:
        raise DomainError(ErrorCode.REQUIRED, "Every contact has an owner.", "ownerId")
    return values["owner_id"]


def clean_contact_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The contact's own fields checked (every problem at once); the owner is checked against the
    database by the caller."""
    rules: dict[str, Any] = {
        "first_name": lambda v: required_text(v, "firstName", 100),
        "last_name": lambda v: required_text(v, "lastName", 100),
        "name_order": clean_name_order,
        "emails": clean_emails,
        "phones": clean_phones,
        "sms_opt_out": lambda v: required_flag(v, "smsOptOut"),
        "birthday": clean_birthday,
        "tags": clean_tags,
        "notes": lambda v: optional_text(v, "notes", 10_000),
    }
    return collect(
        {key: (lambda v=value, rule=rules[key]: rule(v)) for key, value in values.items() if key in rules}
    )


def new_contact(actor: Actor, cleaned: dict[str, Any]) -> Contact:
    """A contact made of cleaned values, not yet added to the session (custom values still to apply)."""
    cleaned["owner_id"] = cleaned.get("owner_id") or actor.user_id
    contact = Contact(tenant_id=actor.tenant_id, created_by_id=actor.user_id, **cleaned)
    contact.emails = contact.emails or []
    contact.phones = contact.phones or []
    contact.tags = contact.tags or []
    contact.search_text = search_text(contact)
    return contact


def record_creation(session: AsyncSession, actor: Actor, contact: Contact, custom: dict[str, Any]) -> None:
    after = snapshot(contact, AUDITED_FIELDS)
    audit.add(
        session,
        audit.entry(actor, "contact.create", CONTACT, contact.id, {**audit.diff({}, after), **custom}),
    )


async def create_contact(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Contact:
    actor.require(CONTACT, Action.CREATE)
    cleaned = await clean_contact(session, actor, {"first_name": None, "last_name": None, **values})
    contact = new_contact(actor, cleaned)
    custom_changes = await apply_custom_values(session, actor, CONTACT, contact, values, creating=True)
    contact.search_text = await full_search_text(session, contact)
    session.add(contact)
    await session.flush()
    record_creation(session, actor, contact, custom_changes)
    return contact


async def create_contacts(
    session: AsyncSession, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> list[Contact | DomainError]:
    """`create_contact` for many rows at once (an import's batch): the same checks and audit entries,
    with the owners, the custom-field definitions and the inserts each done in one statement. Per row:
    the new contact, or the error `create_contact` would raise for it (nothing written for that row)."""
    try:
        actor.require(CONTACT, Action.CREATE)
    except DomainError as refused:
        return [refused for _ in rows]
    outcomes: list[Contact | DomainError] = []
    for values in rows:
        try:
            cleaned = clean_contact_fields({"first_name": None, "last_name": None, **values})
            if "owner_id" in values:
                cleaned["owner_id"] = required_owner(values)
            outcomes.append(new_contact(actor, cleaned))
        except DomainError as error:
            outcomes.append(error)
    owners = {c.owner_id for c in outcomes if isinstance(c, Contact) and c.owner_id != actor.user_id}
    active = await active_members(session, actor, owners) if owners else set()
    for index, contact in enumerate(outcomes):
        if isinstance(contact, Contact) and contact.owner_id not in active | {actor.user_id}:
            outcomes[index] = not_found("active member", "ownerId")
    writes = [(c, values) for c, values in zip(outcomes, rows, strict=True) if isinstance(c, Contact)]
    for contact, _ in writes:
        contact.id = new_id()
        contact.version = 1
    custom, definitions = await apply_custom_values_to_many(session, actor, CONTACT, writes)
    created: list[Contact] = []
    for (contact, _), changes in zip(writes, custom, strict=True):
        if isinstance(changes, DomainError):
            outcomes[outcomes.index(contact)] = changes
            continue
        extra = searchable_text(definitions, contact.custom or {})  # `new_contact` did the names
        contact.search_text = " ".join([contact.search_text, *extra]).lower()
        created.append(contact)
        record_creation(session, actor, contact, changes)
    if created:
        await session.execute(insert(Contact), [contact_row(contact) for contact in created])
    return outcomes


INSERTED_COLUMNS = tuple(
    column.key
    for column in Contact.__table__.c
    if column.key not in ("created_at", "updated_at", "deleted_at")
)


def contact_row(contact: Contact) -> dict[str, Any]:
    """The INSERT values of a new contact: its attributes, a column's default where it has none."""
    row = {}
    for key in INSERTED_COLUMNS:
        value = getattr(contact, key)
        default = Contact.__table__.c[key].default
        if value is None and default is not None:
            value = default.arg({}) if default.is_callable else default.arg  # type: ignore[attr-defined]
        row[key] = value
    return row


async def update_contact(
    session: AsyncSession, actor: Actor, contact_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Contact:
    actor.require(CONTACT, Action.UPDATE)
    contact = await get_contact(session, actor, contact_id)
    check_version(contact, version, "contact")
    cleaned = await clean_contact(session, actor, values)
    before = snapshot(contact, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(contact, key, value)
    contact.search_text = search_text(contact)
    custom_changes = await apply_custom_values(session, actor, CONTACT, contact, values, creating=False)
    contact.search_text = await full_search_text(session, contact)
    await flush_versioned(session, "contact")
    changes = {**audit.diff(before, snapshot(contact, AUDITED_FIELDS)), **custom_changes}
    await audit.record(session, actor, "contact.update", CONTACT, contact.id, changes)
    return contact


async def delete_contact(session: AsyncSession, actor: Actor, contact_id: uuid.UUID, version: int) -> Contact:
    actor.require(CONTACT, Action.DELETE)
    contact = await get_contact(session, actor, contact_id)
    check_version(contact, version, "contact")
    contact.deleted_at = datetime.now(UTC)
    await flush_versioned(session, "contact")
    changes = audit.diff({"deleted_at": None}, {"deleted_at": contact.deleted_at})
    await audit.record(session, actor, "contact.delete", CONTACT, contact.id, changes)
    return contact


async def delete_contacts(
    session: AsyncSession, actor: Actor, expected: Sequence[tuple[uuid.UUID, int]]
) -> list[DomainError | None]:
    """`delete_contact` for many contacts at once (an import's undo): one UPDATE, an audit entry each.
    Per contact: None when deleted, or the error `delete_contact` would give (not visible, or changed
    since `version`)."""
    try:
        actor.require(CONTACT, Action.DELETE)
    except DomainError as refused:
        return [refused for _ in expected]
    now = datetime.now(UTC)
    deleted = set(
        await session.scalars(
            update(Contact)
            .where(
                contact_scope(actor),
                Contact.deleted_at.is_(None),
                tuple_(Contact.id, Contact.version).in_([tuple(pair) for pair in expected]),
            )
            .values(deleted_at=now, version=Contact.version + 1, updated_at=func.now())
            .returning(Contact.id)
            .execution_options(synchronize_session=False)
        )
    )
    changes = audit.diff({"deleted_at": None}, {"deleted_at": now})
    outcomes: list[DomainError | None] = []
    for contact_id, _ in expected:
        if contact_id in deleted:
            audit.add(session, audit.entry(actor, "contact.delete", CONTACT, contact_id, changes))
            outcomes.append(None)
        else:
            outcomes.append(conflict("contact"))
    return outcomes


async def live_versions(
    session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """The versions of the live contacts among `ids` the actor may see (as `get_contact` finds them),
    locked until the transaction ends so they cannot change before the caller writes them."""
    rows = await session.execute(
        select(Contact.id, Contact.version)
        .where(contact_scope(actor), Contact.deleted_at.is_(None), Contact.id.in_(list(ids)))
        .with_for_update()
    )
    return {contact_id: version for contact_id, version in rows}


async def restore_contact(session: AsyncSession, actor: Actor, contact_id: uuid.UUID) -> Contact:
    actor.require(CONTACT, Action.DELETE)
    contact = await get_contact(session, actor, contact_id, deleted=True)
    changes = audit.diff({"deleted_at": contact.deleted_at}, {"deleted_at": None})
    contact.deleted_at = None
    await flush_versioned(session, "contact")
    await audit.record(session, actor, "contact.restore", CONTACT, contact.id, changes)
    return contact


async def link_contact_to_account(
    session: AsyncSession,
    actor: Actor,
    contact_id: uuid.UUID,
    account_id: uuid.UUID,
    values: Mapping[str, Any],
) -> Contact:
    """Create or update the link; making it primary demotes the contact's previous primary link."""
    actor.require(CONTACT, Action.UPDATE)
    contact = await get_contact(session, actor, contact_id, "contactId")
    account = await get_account(session, actor, account_id, "accountId")
    cleaned = collect(
        {
            "title": lambda: optional_text(values.get("title"), "title", 200),
            "role": lambda: optional_text(values.get("role"), "role", 100),
        }
    )
    is_primary = bool(values.get("is_primary"))
    if is_primary:
        await session.execute(
            update(ContactAccount)
            .where(
                ContactAccount.tenant_id == actor.tenant_id,
                ContactAccount.contact_id == contact.id,
                ContactAccount.account_id != account.id,
                ContactAccount.is_primary.is_(True),
            )
            .values(is_primary=False)
        )
    link = await session.get(ContactAccount, (actor.tenant_id, contact.id, account.id))
    before = snapshot(link, ("title", "role", "is_primary")) if link else {}
    if link is None:
        link = ContactAccount(tenant_id=actor.tenant_id, contact_id=contact.id, account_id=account.id)
        session.add(link)
    link.title, link.role, link.is_primary = cleaned["title"], cleaned["role"], is_primary
    await session.flush()
    changes = {
        "account_id": str(account.id),
        **audit.diff(before, snapshot(link, ("title", "role", "is_primary"))),
    }
    await audit.record(session, actor, "contact.link", CONTACT, contact.id, changes)
    return contact


async def unlink_contact_from_account(
    session: AsyncSession, actor: Actor, contact_id: uuid.UUID, account_id: uuid.UUID
) -> Contact:
    actor.require(CONTACT, Action.UPDATE)
    contact = await get_contact(session, actor, contact_id, "contactId")
    account = await get_account(session, actor, account_id, "accountId")
    link = await session.get(ContactAccount, (actor.tenant_id, contact.id, account.id))
    if link is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This contact is not linked to this account.", "accountId")
    await session.delete(link)
    await session.flush()
    await audit.record(session, actor, "contact.unlink", CONTACT, contact.id, {"account_id": str(account.id)})
    return contact
