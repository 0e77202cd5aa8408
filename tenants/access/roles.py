"""Custom roles: per object type actions, record scope and field rules, plus capabilities.

Stored in `roles.permissions` in the `Permissions` JSON shape (tenants/permissions.py), so the edge
reads built-in and custom roles alike. Built-in roles are code and cannot be changed or deleted. A role
can grant only what its author holds (capabilities, actions, record scope, field visibility), only
someone holding at least as much as a role may change or delete it, and it cannot be deleted while a
member, API key or open invitation uses it. Every lookup names the current tenant: a user in two
tenants also sees the roles of their other memberships through RLS.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.api_keys import revoke_keys_beyond_creators
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.fields.models import FieldDefinition
from tenants.fields.registry import TARGETS
from tenants.identity import role_permissions
from tenants.models import ApiKey, Invitation, Membership, Role
from tenants.permissions import (
    BUILTIN_ROLES,
    OBJECT_TYPES,
    Action,
    Actor,
    Capability,
    FieldAccess,
    ObjectGrant,
    Permissions,
    Scope,
)
from tenants.validation import required_text

ROLE = "role"
ROLE_KEY = re.compile(r"[a-z][a-z0-9_-]{1,63}")


def require_role_admin(actor: Actor) -> None:
    actor.require_capability(Capability.MANAGE_ROLES)


def may_list_roles(actor: Actor) -> bool:
    """Roles are read by those who manage roles or give them to members."""
    return actor.permissions.has(Capability.MANAGE_ROLES) or actor.permissions.has(Capability.MANAGE_USERS)


async def list_roles(session: AsyncSession, actor: Actor) -> list[Role]:
    if not may_list_roles(actor):
        actor.require_capability(Capability.MANAGE_ROLES)
    return list(
        await session.scalars(
            select(Role)
            .where(Role.tenant_id == actor.tenant_id)
            .order_by(Role.is_builtin.desc(), Role.name, Role.id)
        )
    )


async def get_role(
    session: AsyncSession, tenant_id: uuid.UUID, role_id: uuid.UUID, field: str = "id"
) -> Role:
    role = await session.get(Role, (tenant_id, role_id))
    if role is None:
        raise not_found("role", field)
    return role


async def clean_permissions(
    session: AsyncSession, actor: Actor, objects: Sequence[Mapping[str, Any]], capabilities: Sequence[str]
) -> Permissions:
    """Checked grants: known object types once each, known fields in field rules, no escalation."""
    errors: list[DomainError] = []
    grants: dict[str, ObjectGrant] = {}
    for index, given in enumerate(objects):
        path = f"objects.{index}"
        object_type = given.get("object_type")
        if object_type not in OBJECT_TYPES or object_type in grants:
            errors.append(
                DomainError(
                    ErrorCode.INVALID,
                    f"Name each object type once, one of: {', '.join(OBJECT_TYPES)}.",
                    f"{path}.objectType",
                )
            )
            continue
        fields = await clean_field_rules(session, object_type, given.get("fields") or {}, f"{path}.fields")
        grant = ObjectGrant(
            frozenset(Action(a) for a in given.get("actions") or []), Scope(given["scope"]), fields
        )
        grants[object_type] = grant
        errors.extend(beyond_actor(actor, Permissions({object_type: grant}), path))
    granted = frozenset(Capability(c) for c in capabilities)
    errors.extend(beyond_actor(actor, Permissions(capabilities=granted), "capabilities"))
    if errors:
        raise ValidationErrors(errors)
    return Permissions(grants, granted)


def beyond_actor(actor: Actor, granted: Permissions, path: str) -> list[DomainError]:
    try:
        actor.require_covers(granted, path, "This grant")
    except DomainError as error:
        return [error]
    return []


async def clean_field_rules(
    session: AsyncSession, object_type: str, rules: Mapping[str, Any], path: str
) -> dict[str, FieldAccess]:
    """Built-in fields the area registered (hidden only where hideable) or `custom.<key>` of a defined
    field (archived included: a rule may outlive a field's archive)."""
    entry = TARGETS.get(object_type)
    cleaned: dict[str, FieldAccess] = {}
    custom_keys = {key[len("custom.") :] for key in rules if key.startswith("custom.")}
    defined = set()
    if custom_keys:
        defined = set(
            await session.scalars(
                select(FieldDefinition.key).where(
                    FieldDefinition.object_type == object_type, FieldDefinition.key.in_(custom_keys)
                )
            )
        )
    for field, access in rules.items():
        access = FieldAccess(access)
        if field.startswith("custom."):
            known = field[len("custom.") :] in defined
        else:
            known = entry is not None and field in entry.builtin_fields
            if known and access is FieldAccess.HIDDEN and field not in entry.hideable:  # type: ignore[union-attr]
                raise DomainError(
                    ErrorCode.INVALID,
                    f"'{field}' cannot be hidden (it identifies the record); make it read-only instead.",
                    path,
                )
        if not known:
            raise DomainError(ErrorCode.INVALID, f"{object_type} has no field '{field}'.", path)
        cleaned[field] = access
    return cleaned


async def create_role(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Role:
    require_role_admin(actor)
    key = str(values.get("key") or "").strip()
    if not ROLE_KEY.fullmatch(key) or key in BUILTIN_ROLES:
        raise DomainError(
            ErrorCode.INVALID,
            "Role keys are 2-64 lowercase letters, digits, _ or -, and not a built-in key.",
            "key",
        )
    if (
        await session.scalar(select(Role.id).where(Role.tenant_id == actor.tenant_id, Role.key == key))
        is not None
    ):
        raise DomainError(ErrorCode.DUPLICATE, f"There is a role '{key}' already.", "key")
    permissions = await clean_permissions(session, actor, values["objects"], values["capabilities"])
    role = Role(
        tenant_id=actor.tenant_id,
        key=key,
        name=required_text(values.get("name"), "name", 100),
        is_builtin=False,
        permissions=permissions.to_json(),
    )
    session.add(role)
    await session.flush()
    await audit.record(
        session, actor, "role.create", ROLE, role.id, audit.diff({}, {"key": key, **snapshot(role)})
    )
    return role


def snapshot(role: Role) -> dict[str, Any]:
    return {"name": role.name, "permissions": role.permissions}


async def update_role(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Role:
    require_role_admin(actor)
    role = await get_role(session, actor.tenant_id, role_id)
    if role.is_builtin:
        raise DomainError(ErrorCode.INVALID, "Built-in roles cannot be changed; create your own.", "id")
    actor.require_covers(role_permissions(role), "id", "This role")
    if role.version != version:
        raise DomainError(ErrorCode.CONFLICT, "This role was changed since you read it; reload.", "version")
    before = snapshot(role)
    permissions = role.permissions
    # Checked before any attribute changes: the checks query, and an autoflush would bump the version twice.
    if values.get("objects") is not None or values.get("capabilities") is not None:
        current = role_permissions(role)
        objects = values.get("objects")
        if objects is None:
            objects = [grant_values(name, grant) for name, grant in current.objects.items()]
        capabilities = values.get("capabilities")
        if capabilities is None:
            capabilities = sorted(current.capabilities)
        permissions = (await clean_permissions(session, actor, objects, capabilities)).to_json()
    if values.get("name") is not None:
        role.name = required_text(values["name"], "name", 100)
    role.permissions = permissions
    await session.flush()
    await audit.record(session, actor, "role.update", ROLE, role.id, audit.diff(before, snapshot(role)))
    # Members holding this role may now hold less than keys they created (or a key's role grew).
    await revoke_keys_beyond_creators(session, actor)
    return role


def grant_values(object_type: str, grant: ObjectGrant) -> dict[str, Any]:
    return {
        "object_type": object_type,
        "actions": [a.value for a in grant.actions],
        "scope": grant.scope.value,
        "fields": {k: v.value for k, v in grant.fields.items()},
    }


async def role_holders(session: AsyncSession, tenant_id: uuid.UUID, role_id: uuid.UUID) -> int:
    """Members, API keys and invitations pointing at the role (revoked and used ones too: their rows
    keep the reference, and the audit trail needs them)."""
    total = 0
    for model in (Membership, ApiKey, Invitation):
        count = await session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.tenant_id == tenant_id, model.role_id == role_id)
        )
        total += int(count or 0)
    return total


async def delete_role(session: AsyncSession, actor: Actor, role_id: uuid.UUID) -> Role:
    require_role_admin(actor)
    role = await get_role(session, actor.tenant_id, role_id)
    if role.is_builtin:
        raise DomainError(ErrorCode.INVALID, "Built-in roles cannot be deleted.", "id")
    actor.require_covers(role_permissions(role), "id", "This role")
    holders = await role_holders(session, actor.tenant_id, role.id)
    if holders:
        raise DomainError(
            ErrorCode.INVALID,
            f"{holders} member(s), API key(s) or invitation(s) use this role; give them another first.",
            "id",
        )
    before = {"key": role.key, **snapshot(role)}
    await session.delete(role)
    await session.flush()
    await audit.record(
        session, actor, "role.delete", ROLE, role.id, audit.diff(before, dict.fromkeys(before))
    )
    return role
