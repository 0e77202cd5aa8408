"""Identity operations: signUp, login, logout, me, switchTenant, invitations, API keys."""

from __future__ import annotations

import uuid

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import RequestContext
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.identity.types import (
    AcceptInviteInput,
    ApiKey,
    AuthPayload,
    ChangePasswordInput,
    ChangePasswordPayload,
    CreateApiKeyInput,
    CreateApiKeyPayload,
    Invitation,
    InviteUserInput,
    InviteUserPayload,
    LoginInput,
    LogoutPayload,
    Me,
    Membership,
    Permissions,
    RevokeApiKeyPayload,
    Role,
    SignUpInput,
    SwitchTenantPayload,
    Tenant,
    User,
    roles_by_id,
)
from tenants import api_keys, models
from tenants.errors import DomainError, ErrorCode
from tenants.identity import SessionGrant

Info = strawberry.Info[RequestContext, None]


def auth_payload(grant: SessionGrant) -> AuthPayload:
    return AuthPayload(
        token=grant.token, user=User.from_model(grant.user), tenant=Tenant.from_model(grant.tenant)
    )


def tenant_uuid(value: strawberry.ID | None, field: str = "tenantId") -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, "No tenant with this id.", field) from None


async def api_keys_by_id(info: Info, ids: list[uuid.UUID]) -> dict[uuid.UUID, ApiKey]:
    actor = info.context.actor
    session = await info.context.session()
    keys = [key for key in await api_keys.list_api_keys(session, actor) if key.id in ids]
    roles = await roles_by_id(session, {key.role_id for key in keys})
    return {key.id: ApiKey.from_model(key, roles[key.role_id].key) for key in keys}


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The current user, tenant, role, permissions and memberships.")
    async def me(self, info: Info) -> Me:
        actor = info.context.actor
        session = await info.context.session()
        user = await session.get_one(models.User, actor.user_id)
        rows = (
            await session.execute(
                select(models.Membership, models.Tenant, models.Role)
                .join(models.Tenant, models.Tenant.id == models.Membership.tenant_id)
                .join(
                    models.Role,
                    (models.Role.tenant_id == models.Membership.tenant_id)
                    & (models.Role.id == models.Membership.role_id),
                )
                .where(models.Membership.user_id == actor.user_id)
                .order_by(models.Tenant.name)
            )
        ).all()
        memberships = [
            Membership(tenant=Tenant.from_model(t), role=Role.from_model(r), is_active=m.is_active)
            for m, t, r in rows
        ]
        current = next(m for m in memberships if m.tenant.id == str(actor.tenant_id))
        # An API key acts with its own role, not its creator's.
        acting_role = await session.scalar(select(models.Role).where(models.Role.key == actor.role_key))
        return Me(
            user=User.from_model(user),
            tenant=current.tenant,
            role=Role.from_model(acting_role) if acting_role else current.role,
            permissions=Permissions.from_set(actor.permissions),
            memberships=memberships,
            via_api_key=actor.api_key_id is not None,
        )

    @strawberry.field(description="API keys of the current tenant (needs manage_users).")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        session = await info.context.session()
        keys = await api_keys.list_api_keys(session, info.context.actor)
        roles = await roles_by_id(session, {key.role_id for key in keys})
        return [ApiKey.from_model(key, roles[key.role_id].key) for key in keys]


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Create a tenant and its first admin; returns a session token.")
    @mutation_payload(AuthPayload)
    async def sign_up(self, info: Info, input: SignUpInput) -> AuthPayload:
        context = info.context
        grant = await context.services.identity.sign_up(
            await context.session(),
            input.tenant_name,
            input.email,
            input.password,
            input.full_name,
            context.client_address,
            locale=input.locale,
            base_currency=input.base_currency,
        )
        return auth_payload(grant)

    @strawberry.mutation(description="Log in. Repeated failures are throttled per account and per address.")
    @mutation_payload(AuthPayload)
    async def login(self, info: Info, input: LoginInput) -> AuthPayload:
        context = info.context
        grant = await context.services.identity.login(
            await context.session(),
            input.email,
            input.password,
            tenant_uuid(input.tenant_id),
            context.client_address,
        )
        return auth_payload(grant)

    @strawberry.mutation(description="Revoke the current session token.")
    @mutation_payload(LogoutPayload)
    async def logout(self, info: Info) -> LogoutPayload:
        actor = info.context.actor
        if actor.session_id is None:
            raise DomainError(ErrorCode.INVALID, "API keys cannot log out; revoke the key instead.")
        await info.context.services.identity.logout(await info.context.session(), actor.session_id)
        return LogoutPayload(ok=True)

    @strawberry.mutation(description="Act in another tenant you belong to, with the same session token.")
    @mutation_payload(SwitchTenantPayload)
    async def switch_tenant(self, info: Info, tenant_id: strawberry.ID) -> SwitchTenantPayload:
        tenant = await info.context.services.identity.switch_tenant(
            await info.context.session(),
            info.context.actor,
            tenant_uuid(tenant_id),  # type: ignore[arg-type]
        )
        return SwitchTenantPayload(tenant=Tenant.from_model(tenant))

    @strawberry.mutation(description="Change your password; every other session of yours is revoked.")
    @mutation_payload(ChangePasswordPayload)
    async def change_password(self, info: Info, input: ChangePasswordInput) -> ChangePasswordPayload:
        await info.context.services.identity.change_password(
            await info.context.session(), info.context.actor, input.current_password, input.new_password
        )
        return ChangePasswordPayload(ok=True)

    @strawberry.mutation(description="Invite someone by email into this tenant (needs manage_users).")
    @mutation_payload(InviteUserPayload)
    async def invite_user(self, info: Info, input: InviteUserInput) -> InviteUserPayload:
        invite = await info.context.services.identity.invite_user(
            await info.context.session(), info.context.actor, input.email, input.role_key
        )
        invitation = invite.invitation
        return InviteUserPayload(
            invitation=Invitation(
                id=strawberry.ID(str(invitation.id)),
                email=invitation.email,
                role_key=input.role_key,
                expires_at=invitation.expires_at,
            ),
            token=invite.token,
        )

    @strawberry.mutation(description="Join a tenant with an invitation token; returns a session there.")
    @mutation_payload(AuthPayload)
    async def accept_invite(self, info: Info, input: AcceptInviteInput) -> AuthPayload:
        context = info.context
        grant = await context.services.identity.accept_invite(
            await context.session(), input.token, input.password, input.full_name, context.client_address
        )
        return auth_payload(grant)

    @strawberry.mutation(
        description="Create an API key bound to this tenant and a role (needs manage_users)."
    )
    @mutation_payload(CreateApiKeyPayload)
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        created = await api_keys.create_api_key(
            await info.context.session(), info.context.actor, input.name, input.role_key, input.expires_at
        )
        return CreateApiKeyPayload(
            api_key=ApiKey.from_model(created.api_key, input.role_key), secret=created.secret
        )

    @strawberry.mutation(description="Revoke an API key at once (needs manage_users).")
    @mutation_payload(RevokeApiKeyPayload)
    async def revoke_api_key(self, info: Info, id: relay.GlobalID) -> RevokeApiKeyPayload:
        session = await info.context.session()
        api_key = await api_keys.revoke_api_key(session, info.context.actor, decode_id(id, "ApiKey"))
        role = (await roles_by_id(session, {api_key.role_id}))[api_key.role_id]
        return RevokeApiKeyPayload(api_key=ApiKey.from_model(api_key, role.key))
