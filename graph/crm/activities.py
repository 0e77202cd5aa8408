"""Activity rules: calls, emails, meetings, notes and tasks on an account and/or a contact.

Every activity is either done (it happened: dated now or earlier) or planned (a follow-up, dated when it
is meant to happen). A done activity dated in the future beyond `CLOCK_SKEW` is refused: it would count
as contact with the customer before it happened. Left out on create, `done` follows the date (a past
call is logged as done, a future one is planned); tasks start planned. Marking a planned activity done
dates it now if its date is still ahead. Only done activities count as contact (the pool's reclaim rule).

Who sees an activity: its author within the actor's `activity` scope, or anyone who may see the
account or contact it belongs to (a rep sees the whole timeline of the accounts they own).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.crm.accounts import account_scope, get_account
from graph.crm.contacts import contact_scope, get_contact
from graph.crm.models import ACTIVITY, ACTIVITY_KINDS, Account, Activity, Contact
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.permissions import Action, Actor, Scope, record_scope_clause
from tenants.validation import optional_text, required_text

# Clients' clocks run a little ahead of ours: a done activity may be dated this far in the future.
CLOCK_SKEW = timedelta(minutes=5)
AUDITED_FIELDS = ("kind", "subject", "body", "occurred_at", "due_at", "done", "account_id", "contact_id")


def activity_scope(actor: Actor) -> ColumnElement[bool]:
    tenant = Activity.tenant_id == actor.tenant_id
    if actor.permissions.scope(ACTIVITY) is Scope.ALL:
        return tenant & true()
    return tenant & or_(
        record_scope_clause(actor, ACTIVITY, Activity.author_id),
        Activity.account_id.in_(select(Account.id).where(account_scope(actor))),
        Activity.contact_id.in_(select(Contact.id).where(contact_scope(actor))),
    )


def visible_activities(actor: Actor) -> Select[tuple[Activity]]:
    actor.require(ACTIVITY, Action.READ)
    return select(Activity).where(activity_scope(actor))


async def get_activity(session: AsyncSession, actor: Actor, activity_id: uuid.UUID) -> Activity:
    activity = await session.scalar(select(Activity).where(activity_scope(actor), Activity.id == activity_id))
    if activity is None:
        raise not_found("activity")
    return activity


def clean_kind(value: str | None) -> str:
    if value not in ACTIVITY_KINDS:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(ACTIVITY_KINDS)}.", "kind")
    return value


async def clean_activity(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], current: Activity | None
) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "kind": clean_kind,
        "subject": lambda v: required_text(v, "subject", 300),
        "body": lambda v: optional_text(v, "body", 20_000),
        "occurred_at": lambda v: v or datetime.now(UTC),
        "due_at": lambda v: v,
    }
    cleaned = collect(
        {key: (lambda v=value, rule=rules[key]: rule(v)) for key, value in values.items() if key in rules}
    )
    if values.get("account_id") is not None:
        cleaned["account_id"] = (await get_account(session, actor, values["account_id"], "accountId")).id
    elif "account_id" in values:
        cleaned["account_id"] = None
    if values.get("contact_id") is not None:
        cleaned["contact_id"] = (await get_contact(session, actor, values["contact_id"], "contactId")).id
    elif "contact_id" in values:
        cleaned["contact_id"] = None
    account_id = cleaned.get("account_id", current.account_id if current else None)
    contact_id = cleaned.get("contact_id", current.contact_id if current else None)
    if account_id is None and contact_id is None:
        raise DomainError(
            ErrorCode.REQUIRED, "An activity belongs to an account, a contact, or both.", "accountId"
        )
    kind = cleaned.get("kind", current.kind if current else None)
    if cleaned.get("due_at") is not None and kind != "task":
        raise DomainError(ErrorCode.INVALID, "Only tasks have a due date.", "dueAt")
    return {**cleaned, **done_and_date(values, cleaned, current, kind)}


def done_and_date(
    values: Mapping[str, Any], cleaned: Mapping[str, Any], current: Activity | None, kind: str | None
) -> dict[str, Any]:
    """`done` and `occurred_at` together: a done activity is dated now or earlier."""
    if current is not None and "done" not in values and "occurred_at" not in values:
        return {}
    now = datetime.now(UTC)
    occurred_at = cleaned.get("occurred_at", current.occurred_at if current else now)
    if values.get("done") is not None:
        done = bool(values["done"])
    elif current is not None:
        done = current.done
    else:
        done = kind != "task" and occurred_at <= now + CLOCK_SKEW
    if done and occurred_at > now + CLOCK_SKEW:
        if current is None or "occurred_at" in values or current.done:
            raise DomainError(
                ErrorCode.INVALID,
                "A done activity cannot be dated in the future; plan it with done: false instead.",
                "occurredAt",
            )
        occurred_at = now  # a follow-up done ahead of its date happened now
    return {"done": done, "occurred_at": occurred_at}


async def create_activity(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Activity:
    actor.require(ACTIVITY, Action.CREATE)
    cleaned = await clean_activity(session, actor, {"occurred_at": None, **values}, None)
    activity = Activity(tenant_id=actor.tenant_id, author_id=actor.user_id, **cleaned)
    custom_changes = await apply_custom_values(session, actor, ACTIVITY, activity, values, creating=True)
    session.add(activity)
    await session.flush()
    after = snapshot(activity, AUDITED_FIELDS)
    await audit.record(
        session, actor, "activity.create", ACTIVITY, activity.id, {**audit.diff({}, after), **custom_changes}
    )
    return activity


async def update_activity(
    session: AsyncSession, actor: Actor, activity_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Activity:
    actor.require(ACTIVITY, Action.UPDATE)
    activity = await get_activity(session, actor, activity_id)
    check_version(activity, version, "activity")
    cleaned = await clean_activity(session, actor, values, activity)
    before = snapshot(activity, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(activity, key, value)
    custom_changes = await apply_custom_values(session, actor, ACTIVITY, activity, values, creating=False)
    await flush_versioned(session, "activity")
    changes = {**audit.diff(before, snapshot(activity, AUDITED_FIELDS)), **custom_changes}
    await audit.record(session, actor, "activity.update", ACTIVITY, activity.id, changes)
    return activity


async def complete_activity(
    session: AsyncSession, actor: Actor, activity_id: uuid.UUID, version: int
) -> Activity:
    return await update_activity(session, actor, activity_id, version, {"done": True})


async def delete_activity(
    session: AsyncSession, actor: Actor, activity_id: uuid.UUID, version: int
) -> Activity:
    """Hard delete; the audit entry keeps what was removed."""
    actor.require(ACTIVITY, Action.DELETE)
    activity = await get_activity(session, actor, activity_id)
    check_version(activity, version, "activity")
    before = snapshot(activity, AUDITED_FIELDS)
    await session.delete(activity)
    await flush_versioned(session, "activity")
    await audit.record(
        session, actor, "activity.delete", ACTIVITY, activity.id, audit.diff(before, dict.fromkeys(before))
    )
    return activity
