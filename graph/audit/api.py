"""The audit log as a connection, for members with the view_audit_log capability."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.scalars import JSON

from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, encode_id, nodes_in_order
from graph.core.pagination import Connection, paginate
from graph.identity.loaders import users_by_id
from graph.identity.types import User
from tenants.fields.values import hidden_change_keys
from tenants.models import AuditEntry as AuditEntryRow
from tenants.permissions import Capability

# Audit object types that are GraphQL nodes: their ids are shown (and filtered) as global ids.
NODE_TYPE_NAMES = {
    "account": "Account",
    "contact": "Contact",
    "activity": "Activity",
    "opportunity": "Opportunity",
    "competitor": "Competitor",
    "pipeline": "Pipeline",
    "lead": "Lead",
    "api_key": "ApiKey",
    "user": "User",
    "project": "Project",
    "milestone": "Milestone",
    "task": "Task",
    "risk": "Risk",
    "change_request": "ChangeRequest",
    "approval_request": "ApprovalRequest",
    "product": "Product",
    "product_line": "ProductLine",
    "price_list": "PriceList",
    "promotion": "Promotion",
    "quote": "Quote",
    "contract": "Contract",
    "document": "Document",
    "field_definition": "FieldDefinition",
    "role": "TenantRole",
    "team": "Team",
}


@strawberry.type(description="One change: who did what, when, with the per-field diff {field: [old, new]}.")
class AuditEntry(relay.Node):
    id: relay.NodeID[str]
    action: str = strawberry.field(description="E.g. account.create, account.update, api_key.revoke.")
    object_type: str = strawberry.field(description="The changed object's type, e.g. account.")
    object_id: strawberry.ID | None = strawberry.field(description="Global id when the object is a node.")
    changes: JSON = strawberry.field(
        description="Per-field diff {field: [old, new]}; fields your role hides are left out."
    )
    request_id: str | None = strawberry.field(description="The request that made it (null: a job).")
    occurred_at: datetime = strawberry.field(description="When the change was made (its transaction).")
    via_api_key: bool = strawberry.field(description="True when made with an API key.")
    _actor_user_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The member who made the change (null for system actions).")
    async def actor(self, info: Info) -> User | None:
        if self._actor_user_id is None:
            return None
        return await info.context.loader("users_by_id", users_by_id).load(self._actor_user_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AuditEntry | None]:
        """For view_audit_log holders, as `auditLog` shows them (hidden fields left out of the diff)."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, AuditEntry]:
            if not actor.permissions.has(Capability.VIEW_AUDIT_LOG):
                return {}
            rows = await (await info.context.session()).scalars(
                select(AuditEntryRow).where(AuditEntryRow.id.in_(ids))
            )
            return {row.id: cls.from_row(row, hidden_change_keys(actor, row.object_type)) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_row(cls, row: AuditEntryRow, hidden: set[str] | frozenset[str] = frozenset()) -> AuditEntry:
        type_name = NODE_TYPE_NAMES.get(row.object_type)
        object_id = None
        if row.object_id is not None:
            object_id = str(encode_id(type_name, row.object_id)) if type_name else str(row.object_id)
        return cls(
            id=str(row.id),
            action=row.action,
            object_type=row.object_type,
            object_id=strawberry.ID(object_id) if object_id else None,
            changes={k: v for k, v in row.changes.items() if k not in hidden} if hidden else row.changes,
            request_id=row.request_id,
            occurred_at=row.created_at,
            via_api_key=row.actor_api_key_id is not None,
            _actor_user_id=row.actor_user_id,
        )


@strawberry.input(description="All conditions must hold.")
class AuditLogFilter:
    object_type: str | None = strawberry.field(default=None, description="E.g. account.")
    object_id: relay.GlobalID | None = strawberry.field(default=None, description="Global id of the object.")
    actor_id: relay.GlobalID | None = strawberry.field(default=None, description="Global id of a User.")
    action: str | None = strawberry.field(default=None, description="Only this action, e.g. account.update.")
    after: datetime | None = strawberry.field(default=None, description="Only entries at or after this time.")
    before: datetime | None = strawberry.field(default=None, description="Only entries before this time.")


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Audit entries of the tenant, newest first (needs view_audit_log).")
    async def audit_log(
        self,
        info: Info,
        filter: Annotated[
            AuditLogFilter | None, strawberry.argument(description="Conditions; left out: every entry.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AuditEntry]:
        info.context.actor.require_capability(Capability.VIEW_AUDIT_LOG)
        statement = select(AuditEntryRow).order_by(AuditEntryRow.created_at.desc(), AuditEntryRow.id.desc())
        if filter is not None:
            statement = statement.where(*audit_conditions(filter))
        session = await info.context.session()
        actor = info.context.actor
        # Diffs never show a field the viewer's role hides (tenants/fields/values.py).
        return await paginate(
            session,
            statement,
            lambda row: AuditEntry.from_row(row, hidden_change_keys(actor, row.object_type)),
            first,
            after,
            before,
            last,
        )


def audit_conditions(filter: AuditLogFilter) -> list[object]:
    conditions: list[object] = []
    if filter.object_type:
        conditions.append(AuditEntryRow.object_type == filter.object_type)
    if filter.object_id is not None:
        conditions.append(
            AuditEntryRow.object_id
            == decode_id(filter.object_id, filter.object_id.type_name, "filter.objectId")
        )
    if filter.actor_id is not None:
        conditions.append(AuditEntryRow.actor_user_id == decode_id(filter.actor_id, "User", "filter.actorId"))
    if filter.action:
        conditions.append(AuditEntryRow.action == filter.action)
    if filter.after is not None:
        conditions.append(AuditEntryRow.created_at >= filter.after)
    if filter.before is not None:
        conditions.append(AuditEntryRow.created_at < filter.before)
    return conditions
