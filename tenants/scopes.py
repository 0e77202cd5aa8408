"""API key scopes: a key acts with its role narrowed to the object types and actions its scopes name.

A scope is `<object type>:read`, `<object type>:write` (read and write), `*:read`, `*:write` or
`capability:<name>`; a key without scopes (null) acts with its whole role. Scopes only narrow: the key's
permissions are its role's intersected with its scopes (`narrowed`), so every check that reads
permissions (services, hidden fields, compiled reads) honours them without knowing about keys, and a
scope the role does not grant is refused when the key is created.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from tenants.errors import DomainError, ErrorCode
from tenants.permissions import (
    OBJECT_TYPES,
    Action,
    Capability,
    ObjectGrant,
    Permissions,
    scope_allows,
)

MAX_SCOPES = 50
SCOPE_SHAPE = "<object type>:read, <object type>:write, *:read, *:write or capability:<name>"


def clean_scopes(
    values: Sequence[str] | None, role: Permissions, field: str = "scopes"
) -> tuple[str, ...] | None:
    """The scopes as stored (sorted, without duplicates), or None for the whole role. Each must name a
    known object type or capability, and grant nothing the role does not."""
    if values is None:
        return None
    if not values:
        raise DomainError(
            ErrorCode.REQUIRED, "Give at least one scope, or leave scopes out for the whole role.", field
        )
    if len(values) > MAX_SCOPES:
        raise DomainError(ErrorCode.INVALID, f"A key may have at most {MAX_SCOPES} scopes.", field)
    for scope in values:
        check_scope(scope, role, field)
    return tuple(sorted(set(values)))


def check_scope(scope: str, role: Permissions, field: str) -> None:
    subject, _, access = scope.partition(":")
    if subject == "capability":
        if access not in {c.value for c in Capability}:
            raise DomainError(ErrorCode.INVALID, f"Unknown capability in scope '{scope[:80]}'.", field)
        if not role.has(Capability(access)):
            raise DomainError(ErrorCode.PERMISSION_DENIED, f"The key's role lacks '{access}'.", field)
        return
    if access not in ("read", "write") or (subject != "*" and subject not in OBJECT_TYPES):
        raise DomainError(ErrorCode.INVALID, f"Unknown scope '{scope[:80]}': use {SCOPE_SHAPE}.", field)
    wanted = {Action.READ} if access == "read" else set(Action)
    subjects = OBJECT_TYPES if subject == "*" else [subject]
    if subject != "*" and not all(role.can(subject, action) for action in wanted):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            f"The key's role does not grant '{scope}': scopes only narrow.",
            field,
        )
    if subject == "*" and not any(role.can(name, action) for name in subjects for action in wanted):
        raise DomainError(ErrorCode.PERMISSION_DENIED, f"The key's role grants nothing of '{scope}'.", field)


def narrowed(role: Permissions, scopes: Sequence[str]) -> Permissions:
    """The role's permissions cut down to what the scopes allow (record scope and field rules kept)."""
    objects = {}
    for name, grant in role.objects.items():
        actions = frozenset(a for a in grant.actions if scope_allows(scopes, name, a))
        if actions:
            objects[name] = ObjectGrant(actions, grant.scope, grant.fields)
    capabilities = frozenset(c for c in role.capabilities if f"capability:{c.value}" in scopes)
    return Permissions(objects, capabilities)


class ScopedPermissionCache:
    """One narrowed `Permissions` object per (role permissions object, scopes), so a key's actor has
    the same permissions object from request to request (the one-trip read compares them by identity,
    gateway/fast_path.py `same_actor`). Bounded like the role cache."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[int, tuple[str, ...]], tuple[Permissions, Permissions]] = (
            OrderedDict()
        )

    def get(self, role: Permissions, scopes: tuple[str, ...]) -> Permissions:
        key = (id(role), scopes)
        entry = self.entries.get(key)
        if entry is None or entry[0] is not role:  # an id reused after the role's entry was dropped
            entry = (role, narrowed(role, scopes))
            self.entries[key] = entry
            if len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return entry[1]


SCOPED_PERMISSIONS = ScopedPermissionCache()
