"""GraphQL types of the identity area: users, tenants, memberships, sessions, API keys, invitations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import Info, RequestContext
from graph.core.errors import UserError, payload_errors
from graph.core.ids import nodes_in_order
from graph.identity.loaders import users_by_id
from tenants import models
from tenants.permissions import Capability
from tenants.permissions import Permissions as PermissionSet

if TYPE_CHECKING:
    from graph.security.types import MfaChallenge


@strawberry.type(description="A person who can log in. Visible only as a member of the current tenant.")
class User(relay.Node):
    id: relay.NodeID[str]
    email: str = strawberry.field(description="Login address, normalised (NFKC, domain lowercased).")
    full_name: str = strawberry.field(description="The name the person gave, as they write it.")

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
class Tenant(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The company's name (1-200 characters).")
    base_currency: str = strawberry.field(description="ISO 4217 code reports convert amounts into.")

    @classmethod
    def from_model(cls, tenant: models.Tenant) -> Tenant:
        return cls(id=str(tenant.id), name=tenant.name, base_currency=tenant.base_currency)

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info[RequestContext, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Tenant | None]:
        """The tenants you may act in (as `me.memberships`); an API key sees its own tenant only."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Tenant]:
            statement = select(models.Tenant).where(models.Tenant.id.in_(ids))
            if actor.api_key_id is not None:
                statement = statement.where(models.Tenant.id == actor.tenant_id)
            else:
                statement = statement.join(
                    models.Membership, models.Membership.tenant_id == models.Tenant.id
                ).where(models.Membership.user_id == actor.user_id)
            rows = await (await info.context.session()).scalars(statement)
            return {tenant.id: cls.from_model(tenant) for tenant in rows}

        return await nodes_in_order(node_ids, load)


@strawberry.type(description="A role inside one tenant.")
class Role:
    key: str = strawberry.field(description="Stable key: admin, manager, sales, viewer (built in).")
    name: str = strawberry.field(description="Display name.")
    is_builtin: bool = strawberry.field(description="One of the built-in roles, which cannot be changed.")

    @classmethod
    def from_model(cls, role: models.Role) -> Role:
        return cls(key=role.key, name=role.name, is_builtin=role.is_builtin)


@strawberry.type(description="What a role allows on one object type.")
class ObjectPermission:
    object_type: str = strawberry.field(description="The object type, e.g. account, opportunity, project.")
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
    objects: list[ObjectPermission] = strawberry.field(description="What the role allows per object type.")
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
    tenant: Tenant = strawberry.field(description="The tenant.")
    role: Role = strawberry.field(description="Your role there.")
    is_active: bool = strawberry.field(description="False once an admin deactivated you there.")


@strawberry.type(description="Who is asking: the user, the tenant they act in, and what they may do.")
class Me:
    user: User = strawberry.field(description="The signed-in user (an API key's creator).")
    tenant: Tenant = strawberry.field(description="The tenant this request acts in.")
    role: Role = strawberry.field(description="The role this request acts with (an API key's own role).")
    permissions: Permissions = strawberry.field(description="What that role allows, field rules included.")
    memberships: list[Membership] = strawberry.field(description="Every tenant this user belongs to.")
    via_api_key: bool = strawberry.field(description="True when the request authenticated with an API key.")


@strawberry.type(description="A login: keep `token` secret and send it as `Authorization: Bearer <token>`.")
class AuthPayload:
    token: str | None = strawberry.field(
        default=None, description="The session token; null when none was opened (see the mutation)."
    )
    user: User | None = strawberry.field(default=None, description="The user signed in or created.")
    tenant: Tenant | None = strawberry.field(default=None, description="The tenant entered or joined.")
    mfa_challenge: Annotated[MfaChallenge, strawberry.lazy("graph.security.types")] | None = strawberry.field(
        default=None,
        description="Set instead of `token` when the login needs a second step (verifyMfa, or enrolment).",
    )
    tenants: list[Tenant] = strawberry.field(
        default_factory=list,
        description="Every tenant you may act in (login): offer them and move with switchTenant. Without "
        "tenantId, login enters the tenant of your latest session, else the first of these by name.",
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of logout.")
class LogoutPayload:
    ok: bool = strawberry.field(default=False, description="True when the session was revoked.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of switchTenant.")
class SwitchTenantPayload:
    tenant: Tenant | None = strawberry.field(default=None, description="The tenant the session now acts in.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of changePassword.")
class ChangePasswordPayload:
    ok: bool = strawberry.field(default=False, description="True when the password was changed.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="An integration's key. The secret itself is shown only once, at creation.")
class ApiKey(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The label given at creation.")
    prefix: str = strawberry.field(description="First characters of the key, to recognise it.")
    role_key: str = strawberry.field(description="The role the key acts with.")
    created_at: datetime = strawberry.field(description="When the key was created.")
    expires_at: datetime | None = strawberry.field(description="When it stops working; null: never.")
    last_used_at: datetime | None = strawberry.field(description="Its latest use; null: never used.")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while usable.")
    scopes: list[str] | None = strawberry.field(
        description="What the key may do within its role (`account:read`, `*:read`, `capability:export`,"
        " ...); null: everything its role grants."
    )
    replaced_by_id: relay.GlobalID | None = strawberry.field(
        description="The key that replaced this one by rotateApiKey; this one works until `expiresAt`."
    )

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
            scopes=api_key.scopes,
            replaced_by_id=None
            if api_key.replaced_by_id is None
            else relay.GlobalID("ApiKey", str(api_key.replaced_by_id)),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApiKey | None]:
        from graph.identity.api import api_keys_by_id

        found = await api_keys_by_id(info, [uuid.UUID(node_id) for node_id in node_ids])
        return [found.get(uuid.UUID(node_id)) for node_id in node_ids]


@strawberry.type(description="Result of createApiKey.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(default=None, description="The new key (without its secret).")
    secret: str | None = strawberry.field(default=None, description="The full key. Shown only this once.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of rotateApiKey.")
class RotateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The new key, with the old one's name, role, scopes and expiry."
    )
    secret: str | None = strawberry.field(default=None, description="The new full key. Shown only this once.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of revokeApiKey.")
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(default=None, description="The revoked key.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="A pending invitation into the tenant.")
class Invitation(relay.Node):
    id: relay.NodeID[str]
    email: str = strawberry.field(description="The address invited (normalised).")
    role_key: str = strawberry.field(description="The role the invitee joins with.")
    expires_at: datetime = strawberry.field(description="When the invitation lapses if not accepted.")

    @classmethod
    def from_model(cls, invitation: models.Invitation, role_key: str) -> Invitation:
        return cls(
            id=str(invitation.id), email=invitation.email, role_key=role_key, expires_at=invitation.expires_at
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info[RequestContext, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Invitation | None]:
        """Invitations of the current tenant, for members who may invite (manage_users); else null."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Invitation]:
            if not actor.permissions.has(Capability.MANAGE_USERS):
                return {}
            rows = await (await info.context.session()).execute(
                select(models.Invitation, models.Role.key)
                .join(
                    models.Role,
                    (models.Role.tenant_id == models.Invitation.tenant_id)
                    & (models.Role.id == models.Invitation.role_id),
                )
                .where(models.Invitation.tenant_id == actor.tenant_id, models.Invitation.id.in_(ids))
            )
            return {invitation.id: cls.from_model(invitation, key) for invitation, key in rows}

        return await nodes_in_order(node_ids, load)


@strawberry.type(description="Result of inviteUser.")
class InviteUserPayload:
    invitation: Invitation | None = strawberry.field(default=None, description="The invitation sent.")
    token: str | None = strawberry.field(
        default=None,
        description="Development only (null in production, where the invitation is emailed): the token"
        " the invitee passes to acceptInvite.",
    )
    errors: list[UserError] = payload_errors()


@strawberry.input(description="A new tenant and its first admin.")
class SignUpInput:
    tenant_name: str = strawberry.field(description="Your company's name (1-200 characters).")
    email: str = strawberry.field(description="Your login address (becomes the admin's).")
    password: str = strawberry.field(description="At least 10 characters.")
    full_name: str = strawberry.field(description="Your name (1-200 characters).")
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


@strawberry.input(description="Credentials for login.")
class LoginInput:
    email: str = strawberry.field(description="Your login address.")
    password: str = strawberry.field(description="Your password.")
    tenant_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The tenant to enter (a Tenant's `id`); without it, the tenant of your latest session "
        "(see `tenants`).",
    )


@strawberry.input(description="Whom to invite, with which role.")
class InviteUserInput:
    email: str = strawberry.field(description="The invitee's address.")
    role_key: str = strawberry.field(default="sales", description="Role of the new member (e.g. sales).")


@strawberry.input(description="An invitation token and, signed out, the new account's details.")
class AcceptInviteInput:
    token: str = strawberry.field(
        description="The invitation token from the mail (or inviteUser in development)."
    )
    password: str | None = strawberry.field(
        default=None,
        description="Signed out: the new account's password (at least 10 characters). Never your existing"
        " password: existing users accept signed in, and this is then ignored.",
    )
    full_name: str | None = strawberry.field(
        default=None, description="Signed out: the new account's name (required). Ignored when signed in."
    )


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="A label to recognise the key by (1-200 characters).")
    role_key: str = strawberry.field(
        description="The role the key acts with, e.g. viewer; you must hold every right it grants."
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the key stops working: in the future, at most 365 days ahead."
    )
    scopes: list[str] | None = strawberry.field(
        default=None,
        description="Narrow the key to these scopes (at most 50): `<object type>:read`, `<object type>:write`"
        " (read and write), `*:read`, `*:write`, `capability:<name>`; each must be granted by the role."
        " Leave out for everything the role grants.",
    )


@strawberry.input(description="Your current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="Your password now.")
    new_password: str = strawberry.field(description="The new password (at least 10 characters).")


async def roles_by_id(session, tenant_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, models.Role]:  # type: ignore[no-untyped-def]
    rows = await session.scalars(
        select(models.Role).where(models.Role.tenant_id == tenant_id, models.Role.id.in_(ids))
    )
    return {role.id: role for role in rows}


async def owner(info: Info, user_id: uuid.UUID) -> User | None:
    """A member of the tenant by id (None for anyone else): who owns, created or changed a record."""
    return await info.context.loader("users_by_id", users_by_id).load(user_id)
