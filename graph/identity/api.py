"""Identity operations: signUp, login, logout, me, switchTenant, invitations, API keys."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import Info, RequestContext
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id
from graph.core.pagination import Connection, connection_of
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
    RotateApiKeyPayload,
    SignUpInput,
    SwitchTenantPayload,
    Tenant,
    User,
    roles_by_id,
)
from graph.security.api import login_payload
from tenants import api_keys, login_log, models
from tenants.errors import DomainError, ErrorCode
from tenants.identity import Joined, SessionGrant
from tenants.login_log import Client, Method
from tenants.security.mfa import refuse_entry


def auth_payload(grant: SessionGrant | Joined | None) -> AuthPayload:
    """A session; a signed-in user's new membership (no new token); or, where an email already has an
    account, an empty success (that mailbox got the explanation): the same shape in every case."""
    if grant is None:
        return AuthPayload()
    session_grant = isinstance(grant, SessionGrant)
    tenants = (grant.tenants if session_grant else None) or (grant.tenant,)
    return AuthPayload(
        token=grant.token if session_grant else None,
        user=User.from_model(grant.user),
        tenant=Tenant.from_model(grant.tenant),
        tenants=[Tenant.from_model(tenant) for tenant in tenants],
    )


def sign_in_client(context: RequestContext) -> Client:
    return Client(context.client_address, context.request.headers.get("user-agent"))


def tenant_uuid(value: relay.GlobalID | None, field: str = "tenantId") -> uuid.UUID | None:
    return decode_optional_id(value, "Tenant", field)


async def api_keys_by_id(info: Info, ids: list[uuid.UUID]) -> dict[uuid.UUID, ApiKey]:
    actor = info.context.actor
    session = await info.context.session()
    keys = [key for key in await api_keys.list_api_keys(session, actor) if key.id in ids]
    roles = await roles_by_id(session, info.context.actor.tenant_id, {key.role_id for key in keys})
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
        acting_role = await session.scalar(
            select(models.Role).where(
                models.Role.tenant_id == actor.tenant_id, models.Role.key == actor.role_key
            )
        )
        return Me(
            user=User.from_model(user),
            tenant=current.tenant,
            role=Role.from_model(acting_role) if acting_role else current.role,
            permissions=Permissions.from_set(actor.permissions),
            memberships=memberships,
            via_api_key=actor.api_key_id is not None,
        )

    @strawberry.field(description="API keys of the current tenant (needs manage_users).")
    async def api_keys(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[ApiKey]:
        session = await info.context.session()
        keys = await api_keys.list_api_keys(session, info.context.actor)
        roles = await roles_by_id(session, info.context.actor.tenant_id, {key.role_id for key in keys})
        found = [ApiKey.from_model(key, roles[key.role_id].key) for key in keys]
        return connection_of(found, lambda key: key.id, first, after, last, before)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Create a tenant and its first admin. In production nothing is created yet: the answer"
        " is an empty success (no token, no errors) and the address receives a confirmation token for"
        " confirmSignUp (MAIL_UNAVAILABLE when no mail server is configured). In development the account"
        " is created at once and a session token returned. If the email already has an account, nothing is"
        " created and the answer is the same empty success: that mailbox receives the explanation, so the"
        " answer never tells whether an account exists."
    )
    @mutation_payload(AuthPayload)
    async def sign_up(
        self,
        info: Info,
        input: Annotated[SignUpInput, strawberry.argument(description="The new tenant and admin.")],
    ) -> AuthPayload:
        context = info.context
        grant = await context.services.identity.sign_up(
            await context.session(),
            input.tenant_name,
            input.email,
            input.password,
            input.full_name,
            context.client_address,
            notify_existing=True,
            locale=input.locale,
            base_currency=input.base_currency,
        )
        return auth_payload(grant)

    @strawberry.mutation(
        description="Confirm a sign-up with the token emailed by signUp: creates the tenant and its first"
        " admin and returns a session token. NOT_FOUND (unknown or already used) or EXPIRED on `token`. If"
        " the email got an account meanwhile, nothing is created and the answer is signUp's empty success."
    )
    @mutation_payload(AuthPayload)
    async def confirm_sign_up(
        self, info: Info, token: Annotated[str, strawberry.argument(description="The token from the mail.")]
    ) -> AuthPayload:
        context = info.context
        grant = await context.services.identity.confirm_sign_up(
            await context.session(), token, context.client_address
        )
        return auth_payload(grant)

    @strawberry.mutation(
        description="Log in. Attempts are limited per account and address, per account and per address "
        "(THROTTLED); when the server is busy hashing passwords the answer is OVERLOADED with HTTP 429 and "
        "Retry-After. Ends the request's transaction so far before the password is checked. With a second "
        "factor (or a tenant requiring one) the answer is an mfaChallenge instead of a token."
    )
    @mutation_payload(AuthPayload, savepoint=False)
    async def login(
        self, info: Info, input: Annotated[LoginInput, strawberry.argument(description="Your credentials.")]
    ) -> AuthPayload:
        context = info.context
        result = await context.services.login.login(
            context, input.email, input.password, tenant_uuid(input.tenant_id), sign_in_client(context)
        )
        return await login_payload(info, result)  # a session, or the second step it waits for

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
    async def switch_tenant(
        self,
        info: Info,
        tenant_id: Annotated[
            relay.GlobalID, strawberry.argument(description="The tenant to act in (a Tenant's `id`).")
        ],
    ) -> SwitchTenantPayload:
        tenant = await info.context.services.identity.switch_tenant(
            await info.context.session(),
            info.context.actor,
            tenant_uuid(tenant_id),
        )
        # The new tenant's allowlist and MFA rule, before the switch commits (an error rolls it back).
        await refuse_entry(
            await info.context.session(), tenant.id, info.context.actor.user_id, info.context.client_address
        )
        return SwitchTenantPayload(tenant=Tenant.from_model(tenant))

    @strawberry.mutation(description="Change your password; every other session of yours is revoked.")
    @mutation_payload(ChangePasswordPayload)
    async def change_password(
        self,
        info: Info,
        input: Annotated[ChangePasswordInput, strawberry.argument(description="Current and new password.")],
    ) -> ChangePasswordPayload:
        await info.context.services.identity.change_password(
            await info.context.session(), info.context.actor, input.current_password, input.new_password
        )
        return ChangePasswordPayload(ok=True)

    @strawberry.mutation(
        description="Invite someone by email into this tenant (needs manage_users and every right of the"
        " role). The invitation is emailed; the token is shown here in development only."
    )
    @mutation_payload(InviteUserPayload)
    async def invite_user(
        self,
        info: Info,
        input: Annotated[InviteUserInput, strawberry.argument(description="Whom and as what.")],
    ) -> InviteUserPayload:
        invite = await info.context.services.identity.invite_user(
            await info.context.session(), info.context.actor, input.email, input.role_key
        )
        invitation = invite.invitation
        return InviteUserPayload(
            invitation=Invitation.from_model(invitation, input.role_key),
            token=invite.token,
        )

    @strawberry.mutation(
        description="Join a tenant with an invitation token. Signed in (the invitation's address must be"
        " yours): you become a member; `token` is null, `tenant` is the tenant to switchTenant into."
        " Signed out: a new account with `fullName` and `password`, answered with a session token; if the"
        " address already has an account, an empty success (no token) and that mailbox is told to sign"
        " in and accept again."
    )
    @mutation_payload(AuthPayload)
    async def accept_invite(
        self,
        info: Info,
        input: Annotated[AcceptInviteInput, strawberry.argument(description="The token and new account.")],
    ) -> AuthPayload:
        context = info.context
        session = await context.session()
        grant = await context.services.identity.accept_invite(
            session,
            context.actor_or_none,
            input.token,
            input.password,
            input.full_name,
            context.client_address,
        )
        if isinstance(grant, SessionGrant):  # a signed-in join or an empty success is no sign-in
            await login_log.record_sign_in(session, grant, Method.INVITATION, sign_in_client(context))
        return auth_payload(grant)

    @strawberry.mutation(
        description="Create an API key bound to this tenant and a role you hold every right of (needs"
        " manage_users). It is revoked when you no longer hold its role; `expiresAt` at most 365 days ahead."
    )
    @mutation_payload(CreateApiKeyPayload)
    async def create_api_key(
        self, info: Info, input: Annotated[CreateApiKeyInput, strawberry.argument(description="The new key.")]
    ) -> CreateApiKeyPayload:
        created = await api_keys.create_api_key(
            await info.context.session(),
            info.context.actor,
            input.name,
            input.role_key,
            input.expires_at,
            input.scopes,
        )
        return CreateApiKeyPayload(
            api_key=ApiKey.from_model(created.api_key, input.role_key), secret=created.secret
        )

    @strawberry.mutation(
        description="A new secret for an API key (needs manage_users and every right of its role): a new"
        " key with the same name, role, scopes and expiry; the old secret keeps working for"
        " `gracePeriodSeconds` (0 to 604800), then is refused."
    )
    @mutation_payload(RotateApiKeyPayload)
    async def rotate_api_key(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The ApiKey's `id`.")],
        grace_period_seconds: Annotated[
            int, strawberry.argument(description="How long the old secret keeps working (0: not at all).")
        ],
    ) -> RotateApiKeyPayload:
        session = await info.context.session()
        rotated = await api_keys.rotate_api_key(
            session, info.context.actor, decode_id(id, "ApiKey"), timedelta(seconds=grace_period_seconds)
        )
        key = rotated.api_key
        role = (await roles_by_id(session, key.tenant_id, {key.role_id}))[key.role_id]
        return RotateApiKeyPayload(api_key=ApiKey.from_model(key, role.key), secret=rotated.secret)

    @strawberry.mutation(description="Revoke an API key at once (needs manage_users).")
    @mutation_payload(RevokeApiKeyPayload)
    async def revoke_api_key(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="An ApiKey's `id`.")]
    ) -> RevokeApiKeyPayload:
        session = await info.context.session()
        api_key = await api_keys.revoke_api_key(session, info.context.actor, decode_id(id, "ApiKey"))
        role = (await roles_by_id(session, api_key.tenant_id, {api_key.role_id}))[api_key.role_id]
        return RevokeApiKeyPayload(api_key=ApiKey.from_model(api_key, role.key))
