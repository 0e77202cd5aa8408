"""Account security over GraphQL: sessions, the tenant's security settings, second factors, and the
login's second step."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError, error_payload, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, connection_of
from graph.identity.types import AuthPayload, Tenant, User
from graph.security.types import (
    ConfirmMfaInput,
    ConfirmMfaPayload,
    DisableMfaPayload,
    EnrolMfaPayload,
    MfaChallenge,
    MfaChallengePurpose,
    MfaStatus,
    RecoveryCodesPayload,
    RevokeSessionsPayload,
    SecuritySettings,
    SecuritySettingsPayload,
    SessionInfo,
    UpdateSecuritySettingsInput,
    VerifyMfaInput,
)
from tenants import models
from tenants.errors import DomainError, ErrorCode
from tenants.identity import SessionGrant
from tenants.security import mfa, sessions
from tenants.security.policy import MFA_ENROLMENT_MESSAGE
from tenants.security.settings import security_settings, update_security_settings

PayloadT = TypeVar("PayloadT")
MemberId = Annotated[relay.GlobalID, strawberry.argument(description="The member's User id (tenantMembers).")]
CodeArgument = Annotated[str, strawberry.argument(description="A current 6-digit code (or a recovery code).")]
TotpArgument = Annotated[
    str, strawberry.argument(description="A current 6-digit code from your authenticator.")
]


def counted_payload(
    payload_type: type[PayloadT],
) -> Callable[[Callable[..., Awaitable[PayloadT]]], Callable[..., Awaitable[PayloadT]]]:
    """`mutation_payload` for operations that check a one-time code: a `RejectedCode` (wrong code,
    throttled) is reported with its savepoint *kept*, so the attempt counted before the check commits and
    the limit holds. Services raise it only before writing anything but that count. THROTTLED is a
    top-level error like every refusal of the caller (`error_payload`), raised after the savepoint."""

    def decorate(resolver: Callable[..., Awaitable[PayloadT]]) -> Callable[..., Awaitable[PayloadT]]:
        @functools.wraps(resolver)
        async def run(*args: Any, **kwargs: Any) -> PayloadT:
            context = kwargs["info"].context
            try:
                async with context.savepoint():
                    try:
                        return await resolver(*args, **kwargs)
                    except mfa.RejectedCode as rejected:
                        kept = rejected  # the savepoint is released: the counted attempt commits
            except DomainError as error:  # the savepoint is rolled back
                return error_payload(payload_type, context, error)
            return error_payload(payload_type, context, kept)

        return run

    return decorate


def user_agent(info: Info) -> str | None:
    return info.context.request.headers.get("user-agent")


async def granted(info: Info, grant: SessionGrant) -> AuthPayload:
    """The payload of an opened session, with the client's User-Agent recorded on it."""
    await sessions.describe_session(await info.context.session(), grant.session_id, user_agent(info))
    return AuthPayload(
        token=grant.token,
        user=User.from_model(grant.user),
        tenant=Tenant.from_model(grant.tenant),
        tenants=[Tenant.from_model(tenant) for tenant in grant.tenants or (grant.tenant,)],
    )


async def login_payload(info: Info, result: SessionGrant | mfa.LoginChallenge) -> AuthPayload:
    """login's answer: a session, or the second step it waits for. An ENROL challenge comes with the
    MFA_ENROLMENT_REQUIRED error, returned (not raised) so that the challenge is kept."""
    if isinstance(result, SessionGrant):
        return await granted(info, result)
    challenge = MfaChallenge(
        token=result.token, purpose=MfaChallengePurpose(result.purpose), expires_at=result.expires_at
    )
    errors = []
    if result.purpose == "enrol":
        errors.append(
            UserError(field=None, code=ErrorCode.MFA_ENROLMENT_REQUIRED.value, message=MFA_ENROLMENT_MESSAGE)
        )
    return AuthPayload(
        user=User.from_model(result.user),
        tenant=Tenant.from_model(result.tenant),
        mfa_challenge=challenge,
        errors=errors,
    )


def session_id(value: relay.GlobalID) -> uuid.UUID:
    return decode_id(value, "Session")


@strawberry.type
class SecurityQuery:
    @strawberry.field(
        description="Your active sessions (not revoked, not expired), newest activity first; max 100."
    )
    async def my_sessions(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[SessionInfo]:
        actor = info.context.actor
        rows = await sessions.my_sessions(await info.context.session(), actor)
        found = [SessionInfo.from_model(row, actor.session_id) for row in rows]
        return connection_of(found, lambda row: row.id, first, after, last, before)

    @strawberry.field(description="A member's active sessions in this tenant (needs manage_users); max 100.")
    async def member_sessions(
        self,
        info: Info,
        user_id: MemberId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[SessionInfo]:
        actor = info.context.actor
        rows = await sessions.member_sessions(
            await info.context.session(), actor, decode_id(user_id, "User", "userId")
        )
        found = [SessionInfo.from_model(row, actor.session_id) for row in rows]
        return connection_of(found, lambda row: row.id, first, after, last, before)

    @strawberry.field(
        description="The tenant's IP allowlist, session limits and MFA rule (needs manage_settings)."
    )
    async def security_settings(self, info: Info) -> SecuritySettings:
        row = await security_settings(await info.context.session(), info.context.actor)
        return SecuritySettings.from_model(row)

    @strawberry.field(description="Whether a second factor protects your logins.")
    async def my_mfa(self, info: Info) -> MfaStatus:
        factor, left = await mfa.factor_status(await info.context.session(), info.context.actor.user_id)
        enabled_at = factor.enabled_at if factor else None
        return MfaStatus(
            enabled=enabled_at is not None,
            pending=factor is not None and enabled_at is None,
            enabled_at=enabled_at,
            recovery_codes_left=left,
        )


@strawberry.type
class SecurityMutation:
    @strawberry.mutation(description="Revoke one of your sessions (its WebSockets close too).")
    @mutation_payload(RevokeSessionsPayload)
    async def revoke_session(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A Session id from mySessions.")],
    ) -> RevokeSessionsPayload:
        await sessions.revoke_my_session(await info.context.session(), info.context.actor, session_id(id))
        return RevokeSessionsPayload(revoked=1)

    @strawberry.mutation(
        description="Revoke all your sessions in every tenant; the current one only if asked."
    )
    @mutation_payload(RevokeSessionsPayload)
    async def revoke_my_sessions(
        self,
        info: Info,
        include_current: Annotated[
            bool, strawberry.argument(description="Also end the session making this request.")
        ] = False,
    ) -> RevokeSessionsPayload:
        revoked = await sessions.revoke_my_sessions(
            await info.context.session(), info.context.actor, include_current
        )
        return RevokeSessionsPayload(revoked=revoked)

    @strawberry.mutation(
        description=(
            "Revoke a member's sessions in this tenant (needs manage_users, and every capability the member "
            "holds)."
        )
    )
    @mutation_payload(RevokeSessionsPayload)
    async def revoke_member_sessions(self, info: Info, user_id: MemberId) -> RevokeSessionsPayload:
        revoked = await sessions.revoke_member_sessions(
            await info.context.session(), info.context.actor, decode_id(user_id, "User", "userId")
        )
        return RevokeSessionsPayload(revoked=revoked)

    @strawberry.mutation(
        description="Change the tenant's IP allowlist, session limits or MFA rule (needs manage_settings)."
    )
    @mutation_payload(SecuritySettingsPayload)
    async def update_security_settings(
        self,
        info: Info,
        version: Annotated[int, strawberry.argument(description="securitySettings.version as last read.")],
        input: Annotated[UpdateSecuritySettingsInput, strawberry.argument(description="The changes.")],
    ) -> SecuritySettingsPayload:
        values: dict[str, Any] = {}
        for name in ("ip_allowlist", "session_idle_minutes", "session_max_hours"):
            if getattr(input, name) is not UNSET:
                values[name] = getattr(input, name)
        if input.mfa_required is not UNSET:
            values["mfa_required"] = input.mfa_required.value if input.mfa_required else None
        row = await update_security_settings(
            await info.context.session(), info.context.actor, version, values, info.context.client_address
        )
        return SecuritySettingsPayload(settings=SecuritySettings.from_model(row))

    @strawberry.mutation(
        description=(
            "Start TOTP enrolment: a new secret and its otpauth:// URI. Signed in, or with a login's ENROL "
            "challenge. Then confirmMfa with a first code."
        )
    )
    @mutation_payload(EnrolMfaPayload)
    async def enrol_mfa(
        self,
        info: Info,
        challenge: Annotated[
            str | None, strawberry.argument(description="A login's ENROL challenge, when not signed in.")
        ] = None,
    ) -> EnrolMfaPayload:
        session = await info.context.session()
        if challenge is not None:
            _challenge, user = await mfa.enrol_challenge(session, challenge)
        else:
            sessions.require_session(info.context.actor)
            user = await session.get_one(models.User, info.context.actor.user_id)
        enrolment = await mfa.enrol(session, user)
        return EnrolMfaPayload(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)

    @strawberry.mutation(
        description=(
            "Turn the enrolled factor on with a first code; returns ten recovery codes (once). "
            "With a login's "
            "ENROL challenge it also completes that login (token). Wrong codes are throttled."
        )
    )
    @counted_payload(ConfirmMfaPayload)
    async def confirm_mfa(
        self,
        info: Info,
        input: Annotated[ConfirmMfaInput, strawberry.argument(description="Code (and challenge).")],
    ) -> ConfirmMfaPayload:
        context = info.context
        session = await context.session()
        if input.challenge is None:
            actor = context.actor
            sessions.require_session(actor)
            codes = await mfa.confirm(session, actor.user_id, input.code)
            return ConfirmMfaPayload(recovery_codes=codes)
        grant, codes = await mfa.confirm_challenge(
            context.services.identity, session, input.challenge, input.code, context.client_address
        )
        payload = await granted(info, grant)
        return ConfirmMfaPayload(
            recovery_codes=codes, token=payload.token, user=payload.user, tenant=payload.tenant
        )

    @strawberry.mutation(
        description=(
            "Second step of a login: the challenge from login and a current code (or a recovery code, "
            "single use). At most 5 tries per challenge and CRM_MFA_MAX_FAILURES per user and window."
        )
    )
    @counted_payload(AuthPayload)
    async def verify_mfa(
        self,
        info: Info,
        input: Annotated[VerifyMfaInput, strawberry.argument(description="Challenge and code.")],
    ) -> AuthPayload:
        context = info.context
        grant = await mfa.verify_challenge(
            context.services.identity,
            await context.session(),
            input.challenge,
            input.code,
            context.client_address,
        )
        return await granted(info, grant)

    @strawberry.mutation(
        description="Turn your second factor off (needs a current or recovery code; refused where required)."
    )
    @counted_payload(DisableMfaPayload)
    async def disable_mfa(self, info: Info, code: CodeArgument) -> DisableMfaPayload:
        actor = info.context.actor
        sessions.require_session(actor)
        await mfa.disable(await info.context.session(), actor, code)
        return DisableMfaPayload(ok=True)

    @strawberry.mutation(
        description="Replace your recovery codes (needs a current code); the old ones stop working."
    )
    @counted_payload(RecoveryCodesPayload)
    async def regenerate_recovery_codes(self, info: Info, code: TotpArgument) -> RecoveryCodesPayload:
        actor = info.context.actor
        sessions.require_session(actor)
        codes = await mfa.regenerate_recovery_codes(await info.context.session(), actor, code)
        return RecoveryCodesPayload(recovery_codes=codes)
