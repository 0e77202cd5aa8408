"""Roles as data: what a member may do with each object type, on which records, plus capabilities.

One mechanism for every area: a service calls `actor.require(ObjectType, Action)` once at its top and
narrows queries with `record_scope_clause`. Built-in roles are defined here in code, so an object type
added by a later area is granted to them at once; custom roles (a later issue) store the same shape as
JSON in `roles.permissions`, including field-level rules (hidden / read-only) per object type.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, literal, select, true

from tenants.errors import DomainError, ErrorCode


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Scope(StrEnum):
    OWN = "own"  # records the member owns
    TEAM = "team"  # records owned by anyone in the member's team
    TEAM_TREE = "team_and_subteams"  # the member's team and every team below it
    ALL = "all"


# How many records a scope reaches, narrowest first: each scope reaches every record the ones before it do.
SCOPE_BREADTH = {Scope.OWN: 0, Scope.TEAM: 1, Scope.TEAM_TREE: 2, Scope.ALL: 3}


class FieldAccess(StrEnum):
    """Field-level rule of a role: absent from every result, or visible but not writable."""

    HIDDEN = "hidden"
    READ_ONLY = "read_only"


class Capability(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_ROLES = "manage_roles"
    VIEW_AUDIT_LOG = "view_audit_log"
    EXPORT = "export"
    MANAGE_FIELDS = "manage_fields"  # custom fields and option lists
    MANAGE_SETTINGS = "manage_settings"  # tenant settings: currencies, exchange rates, numbering patterns
    APPROVE_CHANGES = "approve_changes"
    VIEW_REPORTS = "view_reports"
    MANAGE_INTEGRATIONS = "manage_integrations"  # webhook endpoints, their secrets and delivery log


# Team hierarchies deeper than this are refused (and bound the recursive scope query).
MAX_TEAM_DEPTH = 20

# Object types that roles speak of. Areas add theirs with `register_object_type` at import time.
OBJECT_TYPES: list[str] = []


def register_object_type(name: str) -> str:
    if name not in OBJECT_TYPES:
        OBJECT_TYPES.append(name)
    return name


@dataclass(frozen=True)
class ObjectGrant:
    actions: frozenset[Action]
    scope: Scope
    # GraphQL field name (`industry`, `custom.score`) -> rule; fields not named are visible and writable.
    fields: Mapping[str, FieldAccess] = field(default_factory=dict)


@dataclass(frozen=True)
class Permissions:
    objects: Mapping[str, ObjectGrant] = field(default_factory=dict)
    capabilities: frozenset[Capability] = frozenset()

    def can(self, object_type: str, action: Action) -> bool:
        grant = self.objects.get(object_type)
        return grant is not None and action in grant.actions

    def scope(self, object_type: str) -> Scope:
        grant = self.objects.get(object_type)
        return grant.scope if grant else Scope.OWN

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def field_rules(self, object_type: str) -> Mapping[str, FieldAccess]:
        grant = self.objects.get(object_type)
        return grant.fields if grant else {}

    def hidden_fields(self, object_type: str) -> frozenset[str]:
        return frozenset(
            name for name, rule in self.field_rules(object_type).items() if rule is FieldAccess.HIDDEN
        )

    def exceeding(self, other: Permissions) -> list[str]:
        """What `other` grants that these permissions do not hold: capabilities, actions, a broader record
        scope, or a field these hide (or keep read-only) that `other` shows (or lets write). Empty when
        these cover `other`. Every grant path (roles, members, invitations, API keys) asks this."""
        beyond = [f"capability {c.value}" for c in sorted(other.capabilities - self.capabilities)]
        for name, grant in sorted(other.objects.items()):
            if not grant.actions:
                continue  # a grant without actions gives nothing, whatever its scope or field rules
            mine = self.objects.get(name)
            held = mine.actions if mine else frozenset()
            missing = sorted(a.value for a in grant.actions - held)
            if missing or mine is None:
                beyond.append(f"{name}: {', '.join(missing)}")
                continue
            if SCOPE_BREADTH[grant.scope] > SCOPE_BREADTH[mine.scope]:
                beyond.append(f"{name}: scope {grant.scope.value}")
            for field_name, rule in sorted(mine.fields.items()):
                theirs = grant.fields.get(field_name)
                if rule is FieldAccess.HIDDEN and theirs is not FieldAccess.HIDDEN:
                    beyond.append(f"{name}.{field_name}: visible")
                elif rule is FieldAccess.READ_ONLY and theirs is None:
                    beyond.append(f"{name}.{field_name}: writable")
        return beyond

    def covers(self, other: Permissions) -> bool:
        return not self.exceeding(other)

    def to_json(self) -> dict[str, Any]:
        objects: dict[str, Any] = {}
        for name, grant in self.objects.items():
            objects[name] = {"actions": sorted(grant.actions), "scope": grant.scope.value}
            if grant.fields:
                objects[name]["fields"] = {key: rule.value for key, rule in sorted(grant.fields.items())}
        return {"objects": objects, "capabilities": sorted(self.capabilities)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Permissions:
        return cls(
            objects={
                name: ObjectGrant(
                    frozenset(Action(a) for a in grant["actions"]),
                    Scope(grant["scope"]),
                    {key: FieldAccess(rule) for key, rule in grant.get("fields", {}).items()},
                )
                for name, grant in data.get("objects", {}).items()
            },
            capabilities=frozenset(Capability(c) for c in data.get("capabilities", [])),
        )


def _uniform(actions: Iterable[Action], scope: Scope, capabilities: Iterable[Capability]) -> Permissions:
    grant = ObjectGrant(frozenset(actions), scope)
    return Permissions({name: grant for name in OBJECT_TYPES}, frozenset(capabilities))


ALL_ACTIONS = tuple(Action)


def builtin_permissions(key: str) -> Permissions:
    """The built-in roles, computed on demand so they cover every registered object type."""
    match key:
        case "admin":
            return _uniform(ALL_ACTIONS, Scope.ALL, Capability)
        case "manager":
            return _uniform(
                ALL_ACTIONS,
                Scope.TEAM,
                [
                    Capability.EXPORT,
                    Capability.VIEW_AUDIT_LOG,
                    Capability.APPROVE_CHANGES,
                    Capability.VIEW_REPORTS,
                ],
            )
        case "sales":
            return _uniform(ALL_ACTIONS, Scope.OWN, [])
        case "viewer":
            return _uniform([Action.READ], Scope.ALL, [])
    raise KeyError(key)


BUILTIN_ROLES: dict[str, str] = {"admin": "Admin", "manager": "Manager", "sales": "Sales", "viewer": "Viewer"}


def scope_allows(scopes: Iterable[str], object_type: str, action: Action) -> bool:
    """Whether API key scopes admit an action on an object type: `<type>:read` / `*:read` read,
    `<type>:write` / `*:write` read and write (writing what one cannot read makes no sense)."""
    granted = set(scopes)
    if f"{object_type}:write" in granted or "*:write" in granted:
        return True
    return action is Action.READ and (f"{object_type}:read" in granted or "*:read" in granted)


@dataclass(frozen=True)
class Actor:
    """Who is asking, inside which tenant, with which rights. Built once per request at the edge."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    permissions: Permissions
    team_id: uuid.UUID | None = None
    role_key: str | None = None
    api_key_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    request_id: str | None = None
    # An API key's scopes (tenants/scopes.py); `permissions` are already narrowed by them. None: the
    # whole role. Kept to tell a refusal by the key's scopes from one by its role.
    scopes: tuple[str, ...] | None = None

    def require(self, object_type: str, action: Action) -> None:
        if not self.permissions.can(object_type, action):
            # getattr: the compiled planner's SymbolicActor borrows this method and has no scopes
            scopes = getattr(self, "scopes", None)
            if scopes is not None and not scope_allows(scopes, object_type, action):
                needed = "read" if action is Action.READ else "write"
                raise DomainError(
                    ErrorCode.INSUFFICIENT_SCOPE,
                    f"This API key's scopes do not allow you to {action.value} {object_type} records;"
                    f" it needs the scope '{object_type}:{needed}'.",
                )
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                f"Your role does not allow you to {action.value} {object_type} records.",
            )

    def require_capability(self, capability: Capability) -> None:
        if not self.permissions.has(capability):
            if self.scopes is not None and f"capability:{capability.value}" not in self.scopes:
                raise DomainError(
                    ErrorCode.INSUFFICIENT_SCOPE,
                    f"This API key's scopes lack 'capability:{capability.value}'.",
                )
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                f"Your role lacks the '{capability.value}' capability; ask a tenant admin.",
            )

    def require_covers(self, granted: Permissions, field: str | None, what: str) -> None:
        """Nobody grants, or changes someone holding, more than they hold themselves."""
        beyond = self.permissions.exceeding(granted)
        if beyond:
            shown = "; ".join(beyond[:5]) + ("; ..." if len(beyond) > 5 else "")
            raise DomainError(
                ErrorCode.PERMISSION_DENIED, f"{what} holds rights you do not hold ({shown}).", field
            )


def record_scope_clause(actor: Actor, object_type: str, owner_column: Any) -> ColumnElement[bool]:
    """SQL predicate limiting `owner_column` to the records the actor's scope reaches."""
    from tenants.models import Membership, Team  # local: models import nothing from here, keep it that way

    scope = actor.permissions.scope(object_type)
    if scope is Scope.ALL:
        return true()
    if scope is Scope.TEAM and actor.team_id is not None:
        teammates = select(Membership.user_id).where(
            Membership.tenant_id == actor.tenant_id, Membership.team_id == actor.team_id
        )
        return (owner_column == actor.user_id) | owner_column.in_(teammates)
    if scope is Scope.TEAM_TREE and actor.team_id is not None:
        # The actor's team and every team below it. Cycles are refused when teams are saved; the
        # depth bound keeps the query finite even so. `nesting`: the WITH stays inside this subquery,
        # so several scope clauses can share one statement.
        tree = (
            select(Team.id, literal(1).label("depth"))
            .where(Team.tenant_id == actor.tenant_id, Team.id == actor.team_id)
            .cte(f"team_tree_{object_type}", recursive=True, nesting=True)
        )
        tree = tree.union_all(
            select(Team.id, tree.c.depth + 1).where(
                Team.tenant_id == actor.tenant_id,
                Team.parent_id == tree.c.id,
                tree.c.depth < MAX_TEAM_DEPTH,
            )
        )
        members = select(Membership.user_id).where(
            Membership.tenant_id == actor.tenant_id, Membership.team_id.in_(select(tree.c.id))
        )
        return (owner_column == actor.user_id) | owner_column.in_(members)
    return owner_column == actor.user_id
