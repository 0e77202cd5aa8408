"""What documents can be linked to: a small registry that each area joins with one line.

    register_link_target("opportunity", "Opportunity", Opportunity, opportunity_scope)

A link names its target by object type and id; linking checks that the target exists, is live, and
is visible to the caller (their role may read that object type, and the record is inside their
scope). Records of another tenant, or outside the caller's scope, are NOT_FOUND like missing ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.core.ids import encode_id
from graph.crm.accounts import account_scope
from graph.crm.activities import activity_scope
from graph.crm.contacts import contact_scope
from graph.crm.models import ACCOUNT, ACTIVITY, CONTACT, Account, Activity, Contact
from graph.documents.models import Document, DocumentLink
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Action, Actor


@dataclass(frozen=True)
class LinkTarget:
    object_type: str  # the permissions name, e.g. "account"
    type_name: str  # the GraphQL type of its global ids, e.g. "Account"
    model: Any
    scope: Callable[[Actor], ColumnElement[bool]]


LINK_TARGETS: dict[str, LinkTarget] = {}


def register_link_target(
    object_type: str, type_name: str, model: Any, scope: Callable[[Actor], ColumnElement[bool]]
) -> None:
    LINK_TARGETS[object_type] = LinkTarget(object_type, type_name, model, scope)


register_link_target(ACCOUNT, "Account", Account, account_scope)
register_link_target(CONTACT, "Contact", Contact, contact_scope)
register_link_target(ACTIVITY, "Activity", Activity, activity_scope)


def target_for_type_name(type_name: str, field: str) -> LinkTarget:
    for target in LINK_TARGETS.values():
        if target.type_name == type_name:
            return target
    linkable = ", ".join(sorted(t.type_name for t in LINK_TARGETS.values()))
    raise DomainError(
        ErrorCode.INVALID, f"Documents cannot be linked to a {type_name}; linkable: {linkable}.", field
    )


async def visible_target(
    session: AsyncSession, actor: Actor, global_id: relay.GlobalID, field: str
) -> tuple[str, uuid.UUID]:
    """(object type, id) of a live record the actor may see; otherwise INVALID or NOT_FOUND on `field`."""
    target = target_for_type_name(global_id.type_name, field)
    try:
        target_id = uuid.UUID(global_id.node_id)
    except ValueError:
        raise not_found(target.object_type, field) from None
    await check_visible(session, actor, target.object_type, target_id, field)
    return target.object_type, target_id


async def check_visible(
    session: AsyncSession, actor: Actor, object_type: str, target_id: uuid.UUID, field: str
) -> None:
    target = LINK_TARGETS.get(object_type)
    if target is None:
        raise DomainError(ErrorCode.INVALID, f"Documents cannot be linked to {object_type} records.", field)
    if not actor.permissions.can(target.object_type, Action.READ):
        raise not_found(target.object_type, field)
    conditions = [target.scope(actor), target.model.id == target_id]
    if hasattr(target.model, "deleted_at"):
        conditions.append(target.model.deleted_at.is_(None))
    if await session.scalar(select(target.model.id).where(*conditions)) is None:
        raise not_found(target.object_type, field)


def target_global_id(object_type: str, target_id: uuid.UUID) -> relay.GlobalID:
    target = LINK_TARGETS.get(object_type)
    return encode_id(target.type_name if target else object_type, target_id)


async def signed_copy_of(session: AsyncSession, object_type: str, target_id: uuid.UUID) -> uuid.UUID | None:
    """The live document linked to the record as its SIGNED_COPY (areas that need a signature check it)."""
    return await session.scalar(
        select(DocumentLink.document_id)
        .join(
            Document,
            (Document.tenant_id == DocumentLink.tenant_id) & (Document.id == DocumentLink.document_id),
        )
        .where(
            DocumentLink.target_type == object_type,
            DocumentLink.target_id == target_id,
            DocumentLink.role == "signed_copy",  # LinkRole.SIGNED_COPY (documents.py imports this module)
            Document.deleted_at.is_(None),
        )
    )


async def drop_links_to(
    session: AsyncSession, tenant_id: uuid.UUID, object_type: str, target_id: uuid.UUID
) -> int:
    """A record is deleted for good: its documents stay in the library, their links to it go. Returns how
    many links were removed."""
    removed = await session.execute(
        delete(DocumentLink)
        .where(
            DocumentLink.tenant_id == tenant_id,
            DocumentLink.target_type == object_type,
            DocumentLink.target_id == target_id,
        )
        .returning(DocumentLink.document_id)
    )
    return len(removed.all())
