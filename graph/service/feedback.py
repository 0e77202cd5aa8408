"""Customer feedback: suggestions and praise linked to the customer, tagged, owned, with a status.

Record scope follows the owner (default: whoever records it). Links must be records the actor may see,
as on tickets (graph/service/tickets.py `linked_records`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, clean_tags, flush_versioned, snapshot
from graph.identity.members import active_member
from graph.live.events import announce
from graph.service.models import FEEDBACK, FEEDBACK_KINDS, FEEDBACK_STATUSES, FeedbackItem
from graph.service.tickets import LINKS, checked, get_ticket, linked_records, one_of
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.fields import apply_custom_values
from tenants.ids import new_id
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import optional_text, required_text

FEEDBACK_LINKS = {**LINKS, "ticket_id": ("ticketId", get_ticket)}
FEEDBACK_LINKS.pop("contract_id")
AUDITED_FIELDS = (
    "kind",
    "title",
    "body",
    "status",
    "tags",
    "account_id",
    "contact_id",
    "product_id",
    "ticket_id",
    "owner_id",
)


def feedback_scope(actor: Actor) -> ColumnElement[bool]:
    return record_scope_clause(actor, FEEDBACK, FeedbackItem.owner_id) & (
        FeedbackItem.tenant_id == actor.tenant_id
    )


def visible_feedback(actor: Actor) -> Select[tuple[FeedbackItem]]:
    actor.require(FEEDBACK, Action.READ)
    return select(FeedbackItem).where(feedback_scope(actor))


async def get_feedback(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, field: str = "id"
) -> FeedbackItem:
    actor.require(FEEDBACK, Action.READ)
    item = await session.scalar(select(FeedbackItem).where(feedback_scope(actor), FeedbackItem.id == item_id))
    if item is None:
        raise not_found("feedback", field)
    return item


async def clean_feedback(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "kind": lambda v: one_of(v, FEEDBACK_KINDS, "kind"),
        "title": lambda v: required_text(v, "title", 300),
        "body": lambda v: optional_text(v, "body", 20_000),
        "status": lambda v: one_of(v, FEEDBACK_STATUSES, "status"),
        "tags": clean_tags,
    }
    cleaned, errors = checked(values, rules)
    cleaned |= await linked_records(session, actor, values, FEEDBACK_LINKS, errors)
    if "owner_id" in values:
        if values["owner_id"] is None:
            errors.append(DomainError(ErrorCode.REQUIRED, "Every feedback item has an owner.", "ownerId"))
        else:
            try:
                cleaned["owner_id"] = await active_member(session, actor, values["owner_id"], "ownerId")
            except DomainError as error:
                errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    return cleaned


async def create_feedback(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> FeedbackItem:
    actor.require(FEEDBACK, Action.CREATE)
    cleaned = await clean_feedback(session, actor, {"kind": None, "title": None, **values})
    cleaned["owner_id"] = cleaned.get("owner_id") or actor.user_id
    item = FeedbackItem(
        tenant_id=actor.tenant_id,
        id=new_id(),
        status="new",
        created_by_id=actor.user_id,
        **{"tags": []} | cleaned,
    )
    custom = await apply_custom_values(session, actor, FEEDBACK, item, values, creating=True)
    session.add(item)
    await session.flush()
    changes = audit.diff({}, snapshot(item, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "feedback.create", FEEDBACK, item.id, changes)
    await announce(session, actor.tenant_id, "feedback.created", item.version, feedback=item.id)
    return item


async def update_feedback(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> FeedbackItem:
    actor.require(FEEDBACK, Action.UPDATE)
    item = await get_feedback(session, actor, item_id)
    check_version(item, version, "feedback")
    cleaned = await clean_feedback(session, actor, values)
    before = snapshot(item, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(item, key, value)
    custom = await apply_custom_values(session, actor, FEEDBACK, item, values, creating=False)
    await flush_versioned(session, "feedback")
    changes = audit.diff(before, snapshot(item, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "feedback.update", FEEDBACK, item.id, changes)
    await announce(session, actor.tenant_id, "feedback.updated", item.version, feedback=item.id)
    return item
