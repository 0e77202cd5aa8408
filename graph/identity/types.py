"""GraphQL types of the identity area: users, tenants, memberships, sessions, API keys, invitations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError
from graph.identity.loaders import users_by_id
from tenants import models
from tenants.permissions import Permissions as PermissionSet

if TYPE_CHECKING:
    from graph.security.types import MfaChallenge


@strawberry.type(description="A person who can log in. Visible only as a member of the current tenant.")
class User(relay.Node):
    id: relay.NodeID[str]
    email: str
    full_name: str

    @classmethod
    def from_model(cls, user: models.User) -> User:
        return cls(id=str(user.id), email=user.email, full_name=user.full_name)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[User | None]:
        loader = info.context.loader("users_by_id", users_by_id)
        return [await loader.load(uuid.UUID(node_id)) for node_id in node_ids]


@strawberry.type(description="A client company using this instance; all its data is walled off.")
class Tenant:
    id: strawberry.ID
    name: str
    base_currency: str

    @classmethod
    def from_model(cls, tenant: models.Tenant) -> Tenant:
        return cls(id=strawberry.ID(str(tenant.id)), name=tenant.name, base_currency=tenant.base_currency)


@strawberry.type(description="A role inside one tenant.")
class Role:
    key: str = strawberry.field(description="Stable key: admin, manager, sales, viewer (built in).")
    name: str
    is_builtin: bool

    @classmethod
    def from_model(cls, role: models.Role) -> Role:
        return cls(key=role.key, name=role.name, is_builtin=role.is_builtin)


@strawberry.type(description="What a role allows on one object type.")
class ObjectPermission:
    object_type: str
    actions: list[str] = strawberry.field(description="Any of read, create, update, delete.")
    scope: str = strawberry.field(description="Which records: own, team, team_and_subteams or all.")
    hidden_fields: list[str] = strawberry.field(
        default_factory=list, description="Fields (built-in names or custom.<key>) you never receive."
    )
    read_only_fields: list[str] = strawberry.field(
        default_factory=list, description="Fields you see but may not change."
    )


@strawberry.type(description="Everything the current role allows.")
class Permissions:
    objects: list[ObjectPermission]
    capabilities: list[str] = strawberry.field(
        description="Any of manage_users, manage_roles, view_audit_log, export."
    )

    @classmethod
    def from_set(cls, permissions: PermissionSet) -> Permissions:
        return cls(
            objects=[
                ObjectPermission(
                    object_type=name,
                    actions=sorted(grant.actions),
                    scope=grant.scope.value,
                    hidden_fields=sorted(f for f, rule in grant.fields.items() if rule == "hidden"),
                    read_only_fields=sorted(f for f, rule in grant.fields.items() if rule == "read_only"),
                )
                for name, grant in sorted(permissions.objects.items())
            ],
            capabilities=sorted(permissions.capabilities),
        )


@strawberry.type(description="The current user's place in one tenant.")
class Membership:
    tenant: Tenant
    role: Role
    is_active: bool


@strawberry.type(description="Who is asking: the user, the tenant they act in, and what they may do.")
class Me:
    user: User
    tenant: Tenant
    role: Role
    permissions: Permissions
    memberships: list[Membership] = strawberry.field(description="Every tenant this user belongs to.")
    via_api_key: bool = strawberry.field(description="True when the request authenticated with an API key.")


@strawberry.type(description="A login: keep `token` secret and send it as `Authorization: Bearer <token>`.")
class AuthPayload:
    token: str | None = None
    user: User | None = None
    tenant: Tenant | None = None
    mfa_challenge: Annotated[MfaChallenge, strawberry.lazy("graph.security.types")] | None = strawberry.field(
        default=None,
        description="Set instead of `token` when the login needs a second step (verifyMfa, or enrolment).",
    )
    tenants: list[Tenant] = strawberry.field(
        default_factory=list,
        description="Every tenant you may act in (login): offer them and move with switchTenant. Without "
        "tenantId, login enters the tenant of your latest session, else the first of these by name.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SwitchTenantPayload:
    tenant: Tenant | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ChangePasswordPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="An integration's key. The secret itself is shown only once, at creation.")
class ApiKey(relay.Node):
    id: relay.NodeID[str]
    name: str
    prefix: str = strawberry.field(description="First characters of the key, to recognise it.")
    role_key: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, api_key: models.ApiKey, role_key: str) -> ApiKey:
        return cls(
            id=str(api_key.id),
            name=api_key.name,
            prefix=api_key.prefix,
            role_key=role_key,
            created_at=api_key.created_at,
            expires_at=api_key.expires_at,
            last_used_at=api_key.last_used_at,
            revoked_at=api_key.revoked_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApiKey | None]:
        from graph.identity.api import api_keys_by_id

        found = await api_keys_by_id(info, [uuid.UUID(node_id) for node_id in node_ids])
        return [found.get(uuid.UUID(node_id)) for node_id in node_ids]


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(default=None, description="The full key. Shown only this once.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A pending invitation into the tenant.")
class Invitation:
    id: strawberry.ID
    email: str
    role_key: str
    expires_at: datetime


@strawberry.type
class InviteUserPayload:
    invitation: Invitation | None = None
    token: str | None = strawberry.field(
        default=None,
        description="Development only (null in production, where the invitation is emailed): the token"
        " the invitee passes to acceptInvite.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SignUpInput:
    tenant_name: str = strawberry.field(description="Your company's name (1-200 characters).")
    email: str
    password: str = strawberry.field(description="At least 10 characters.")
    full_name: str
    locale: str | None = strawberry.field(
        default=None,
        description="BCP 47 locale of the company, e.g. zh-CN, en-US, de-DE (default en-US); it gives the"
        " default base currency and tax rules.",
    )
    base_currency: str | None = strawberry.field(
        default=None,
        description="ISO 4217 code reports convert into; default the currency of the locale's country"
        " (zh-CN -> CNY, en-US -> USD, de-DE -> EUR).",
    )


@strawberry.input
class LoginInput:
    email: str
    password: str
    tenant_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The tenant to enter; without it, the tenant of your latest session (see `tenants`).",
    )


@strawberry.input
class InviteUserInput:
    email: str
    role_key: str = strawberry.field(default="sales", description="Role of the new member (e.g. sales).")


@strawberry.input
class AcceptInviteInput:
    token: str
    password: str | None = strawberry.field(
        default=None,
        description="Signed out: the new account's password (at least 10 characters). Never your existing"
        " password: existing users accept signed in, and this is then ignored.",
    )
    full_name: str | None = strawberry.field(
        default=None, description="Signed out: the new account's name (required). Ignored when signed in."
    )


@strawberry.input
class CreateApiKeyInput:
    name: str
    role_key: str = strawberry.field(
        description="The role the key acts with, e.g. viewer; you must hold every right it grants."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the key stops working: in the future, at most 365 days ahead."
    )


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


async def roles_by_id(session, tenant_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, models.Role]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(models.Role).where(models.Role.tenant_id == tenant_id, models.Role.id.in_(ids))
    )
    return {role.id: role for role in rows}


async def owner(info: Info, user_id: uuid.UUID) -> User | None:
    """A member of the tenant by id (None for anyone else): who owns, created or changed a record."""
    return await info.context.loader("users_by_id", users_by_id).load(user_id)
