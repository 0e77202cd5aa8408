"""Audit trail: every mutation appends who/when/what with a per-field diff, in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tenants.effects import pending_effects
from tenants.ids import new_id
from tenants.permissions import Actor

# Values that are their own JSON form, checked by exact type first: most audited values are, and the
# isinstance chain below (Mapping is an ABC) was a tenth of a compiled create's server CPU.
PLAIN_TYPES = frozenset({type(None), str, int, bool, float})


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value."""
    if type(value) in PLAIN_TYPES:
        return value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    changes = {}
    for key in after:
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


async def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | None,
    changes: Mapping[str, Any] | None = None,
    **who: uuid.UUID | None,
) -> None:
    """`entry(...)` queued on the session (`who`: `tenant_id`/`user_id` when there is no actor)."""
    add(session, entry(actor, action, object_type, object_id, changes, **who))


def entry(
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | None,
    changes: Mapping[str, Any] | None = None,
    *,
    tenant_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """One audit row as JSON-ready values (also written directly by compiled writes, graph/compiled)."""
    return {
        "tenant_id": str(tenant_id or (actor.tenant_id if actor else None)),
        "id": str(new_id()),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id) if object_id else None,
        "actor_user_id": str(user_id or (actor.user_id if actor else None) or "") or None,
        "actor_api_key_id": str(actor.api_key_id) if actor and actor.api_key_id else None,
        "changes": _plain(dict(changes or {})),
        "request_id": actor.request_id if actor else None,
    }


def add(session: AsyncSession, audit_entry: dict[str, Any]) -> None:
    """Queue an `entry`: written with the transaction's other effects just before it commits
    (tenants/effects.py)."""
    pending_effects(session).audit.append(audit_entry)
