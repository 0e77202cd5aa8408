"""Account rules: create, update, soft delete and restore, inside the actor's role and record scope.

Plain async functions taking the request session and the actor; they raise `DomainError` and never
commit (the request owns the transaction). Records outside the actor's scope, or in another tenant,
are reported exactly like missing ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, clean_tags, collect, flush_versioned, snapshot
from graph.crm.models import ACCOUNT, Account
from graph.identity.members import active_member
from graph.live.events import Event, publish
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import domain_name, optional_text, required_text

AUDITED_FIELDS = (
    "name",
    "domain",
    "industry",
    "parent_id",
    "owner_id",
    "tags",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "notes",
    "deleted_at",
)
# Hierarchies deeper than this are refused; it also bounds the recursive queries.
MAX_DEPTH = 50


async def announce(session: AsyncSession, actor: Actor, change: str, account: Account) -> None:
    """Tell live subscribers (graph/live) once the transaction commits: ids and version only."""
    await publish(session, change_event(actor, change, account.id, account.version))


def change_event(actor: Actor, change: str, account_id: uuid.UUID, version: int) -> Event:
    return Event(actor.tenant_id, f"account.{change}", {"account": account_id}, version)


def creation_audit(
    actor: Actor, account: Mapping[str, Any], custom_changes: Mapping[str, Any]
) -> dict[str, Any]:
    """The audit entry of a new account (`account`: its columns), shared with the compiled create."""
    after = {name: account.get(name) for name in AUDITED_FIELDS}
    return audit.entry(
        actor, "account.create", ACCOUNT, account["id"], {**audit.diff({}, after), **custom_changes}
    )


def account_scope(actor: Actor) -> ColumnElement[bool]:
    return record_scope_clause(actor, ACCOUNT, Account.owner_id) & (Account.tenant_id == actor.tenant_id)


def visible_accounts(actor: Actor) -> Select[tuple[Account]]:
    """Accounts the actor may read (live and soft-deleted); callers add their own filters."""
    actor.require(ACCOUNT, Action.READ)
    return select(Account).where(account_scope(actor))


async def get_account(
    session: AsyncSession,
    actor: Actor,
    account_id: uuid.UUID,
    field: str = "id",
    *,
    deleted: bool = False,
) -> Account:
    """A visible account, live (or only soft-deleted when `deleted`); else NOT_FOUND on `field`."""
    account = await session.scalar(
        select(Account).where(
            account_scope(actor),
            Account.id == account_id,
            Account.deleted_at.is_not(None) if deleted else Account.deleted_at.is_(None),
        )
    )
    if account is None:
        raise not_found("account", field)
    return account


async def ancestor_ids(session: AsyncSession, account_id: uuid.UUID) -> list[uuid.UUID]:
    """The account and every ancestor above it (one recursive query, whatever the scope)."""
    chain = (
        select(Account.id, Account.parent_id, literal(0).label("depth"))
        .where(Account.id == account_id)
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(Account.id, Account.parent_id, chain.c.depth + 1)
        .join(chain, Account.id == chain.c.parent_id)
        .where(chain.c.depth < MAX_DEPTH + 1)
    )
    return list(await session.scalars(select(chain.c.id).order_by(chain.c.depth)))


async def clean_parent(
    session: AsyncSession, actor: Actor, parent_id: uuid.UUID | None, account_id: uuid.UUID | None
) -> uuid.UUID | None:
    if parent_id is None:
        return None
    parent = await get_account(session, actor, parent_id, "parentId")
    lineage = await ancestor_ids(session, parent.id)
    if account_id is not None and account_id in lineage:
        raise DomainError(
            ErrorCode.CYCLE, "An account cannot be placed under itself or one of its children.", "parentId"
        )
    if len(lineage) >= MAX_DEPTH:
        raise DomainError(ErrorCode.INVALID, f"Hierarchies are limited to {MAX_DEPTH} levels.", "parentId")
    return parent.id


def clean_account_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given plain fields validated, all problems at once (no database work: owner and parent are
    checked by `clean_account`)."""
    text_rules = {
        "industry": ("industry", 100),
        "street": ("address.street", 200),
        "city": ("address.city", 100),
        "region": ("address.region", 100),
        "postal_code": ("address.postalCode", 20),
        "country": ("address.country", 100),
        "notes": ("notes", 10_000),
    }
    checks: dict[str, Any] = {}
    for key, value in values.items():
        if key == "name":
            checks[key] = lambda v=value: required_text(v, "name", 200)
        elif key == "domain":
            checks[key] = lambda v=value: domain_name(v, "domain")
        elif key == "tags":
            checks[key] = lambda v=value: clean_tags(v)
        elif key in text_rules:
            field, limit = text_rules[key]
            checks[key] = lambda v=value, f=field, n=limit: optional_text(v, f, n)
    return collect(checks)


async def clean_account(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], account_id: uuid.UUID | None
) -> dict[str, Any]:
    """Validated values for the given keys only (model attribute names)."""
    cleaned = clean_account_fields(values)
    if "owner_id" in values:
        cleaned["owner_id"] = await active_member(session, actor, required_owner(values), "ownerId")
    if "parent_id" in values:
        cleaned["parent_id"] = await clean_parent(session, actor, values["parent_id"], account_id)
    return cleaned


def required_owner(values: Mapping[str, Any]) -> uuid.UUID:
    owner_id = values["owner_id"]
    if owner_id is None:
        raise DomainError(ErrorCode.REQUIRED, "Every account has an owner.", "ownerId")
    return owner_id


def new_account_values(actor: Actor, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """A new account's own columns from its cleaned values: the owner defaults to the creator, tags to
    none. Shared with the compiled create (graph/crm/compiled.py)."""
    return {
        **cleaned,
        "tenant_id": actor.tenant_id,
        "created_by_id": actor.user_id,
        "owner_id": cleaned.get("owner_id") or actor.user_id,
        "tags": cleaned.get("tags") or [],
    }


async def create_account(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Account:
    actor.require(ACCOUNT, Action.CREATE)
    cleaned = await clean_account(session, actor, {"name": None, **values}, None)
    account = Account(**new_account_values(actor, cleaned))
    custom_changes = await apply_custom_values(session, actor, ACCOUNT, account, values, creating=True)
    session.add(account)
    await session.flush()
    audit.add(session, creation_audit(actor, snapshot(account, ("id", *AUDITED_FIELDS)), custom_changes))
    await announce(session, actor, "created", account)
    return account


async def update_account(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Account:
    actor.require(ACCOUNT, Action.UPDATE)
    account = await get_account(session, actor, account_id)
    check_version(account, version, "account")
    cleaned = await clean_account(session, actor, values, account.id)
    before = snapshot(account, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(account, key, value)
    custom_changes = await apply_custom_values(session, actor, ACCOUNT, account, values, creating=False)
    await flush_versioned(session, "account")
    changes = {**audit.diff(before, snapshot(account, AUDITED_FIELDS)), **custom_changes}
    await audit.record(session, actor, "account.update", ACCOUNT, account.id, changes)
    await announce(session, actor, "updated", account)
    return account


async def delete_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID, version: int) -> Account:
    """Soft delete: hidden from lists and nested fields until restored."""
    actor.require(ACCOUNT, Action.DELETE)
    account = await get_account(session, actor, account_id)
    check_version(account, version, "account")
    account.deleted_at = datetime.now(UTC)
    await flush_versioned(session, "account")
    await audit.record(
        session,
        actor,
        "account.delete",
        ACCOUNT,
        account.id,
        {"deleted_at": [None, account.deleted_at.isoformat()]},
    )
    await announce(session, actor, "deleted", account)
    return account


async def restore_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    actor.require(ACCOUNT, Action.DELETE)
    account = await get_account(session, actor, account_id, deleted=True)
    deleted_at = account.deleted_at
    account.deleted_at = None
    await flush_versioned(session, "account")
    await audit.record(
        session,
        actor,
        "account.restore",
        ACCOUNT,
        account.id,
        audit.diff({"deleted_at": deleted_at}, {"deleted_at": None}),
    )
    await announce(session, actor, "restored", account)
    return account
