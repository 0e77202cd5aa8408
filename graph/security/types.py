"""GraphQL types of account security: sessions, the tenant's security settings, second factors."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import UNSET, relay

from graph.core.context import RequestContext
from graph.core.errors import UserError, payload_errors
from graph.core.ids import encode_id, nodes_in_order
from graph.identity.types import Tenant, User
from tenants import models
from tenants.security import sessions
from tenants.security.models import TenantSecuritySettings
from tenants.security.policy import config


def errors_field() -> list[UserError]:
    return payload_errors()


@strawberry.enum(description="Who must use a second factor in this tenant.")
class MfaRequirement(Enum):
    NONE = "none"
    ADMINS = "admins"
    ALL = "all"


@strawberry.enum(description="What a login challenge is waiting for.")
class MfaChallengePurpose(Enum):
    VERIFY = strawberry.enum_value("verify", description="A code from your authenticator: call verifyMfa.")
    ENROL = strawberry.enum_value(
        "enrol", description="The tenant requires a second factor: call enrolMfa, then confirmMfa."
    )


@strawberry.type(description="The second step a login is waiting for. Valid a few minutes, for 5 codes.")
class MfaChallenge:
    token: str = strawberry.field(description="Pass it to verifyMfa (or enrolMfa and confirmMfa).")
    purpose: MfaChallengePurpose = strawberry.field(description="Which second step is owed.")
    expires_at: datetime = strawberry.field(description="After this, log in again.")


@strawberry.type(name="Session", description="A login of yours (or of a member, for admins).")
class SessionInfo(relay.Node):
    id: relay.NodeID[str]
    tenant_id: strawberry.ID = strawberry.field(description="The tenant the session acts in (a Tenant `id`).")
    created_at: datetime = strawberry.field(description="When the login happened.")
    last_seen_at: datetime | None = strawberry.field(description="Last request (refreshed once a minute).")
    expires_at: datetime = strawberry.field(description="Absolute end, before any tenant's shorter limit.")
    client_address: str | None = strawberry.field(description="The address it logged in from.")
    user_agent: str | None = strawberry.field(description="The client's User-Agent at login.")
    current: bool = strawberry.field(description="True for the session making this request.")

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info[RequestContext, None], node_ids: Iterable[str], required: bool = False
    ) -> list[SessionInfo | None]:
        """Active sessions as `mySessions` and `memberSessions` show them to you."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, SessionInfo]:
            rows = await sessions.sessions_by_id(await info.context.session(), actor, ids)
            return {row.id: cls.from_model(row, actor.session_id) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: models.UserSession, current_id: uuid.UUID | None) -> SessionInfo:
        return cls(
            id=str(row.id),
            tenant_id=strawberry.ID(str(encode_id("Tenant", row.active_tenant_id))),
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            client_address=row.client_address,
            user_agent=row.user_agent,
            current=row.id == current_id,
        )


@strawberry.type(description="The tenant's security rules, applied to every request and login.")
class SecuritySettings:
    ip_allowlist: list[str] = strawberry.field(
        description="Networks (CIDR) sessions and API keys may connect from; empty: any address."
    )
    session_idle_minutes: int | None = strawberry.field(
        description="Sessions unused this long end; null: the server default (see effective...)."
    )
    session_max_hours: int | None = strawberry.field(
        description="Sessions end this long after login; null: the server default."
    )
    effective_session_idle_minutes: int = strawberry.field(description="The idle limit in force.")
    effective_session_max_hours: int = strawberry.field(description="The absolute limit in force.")
    mfa_required: MfaRequirement = strawberry.field(
        description="ADMINS: members holding manage_users, manage_roles or manage_settings."
    )
    version: int = strawberry.field(description="Pass it to updateSecuritySettings; 0: never saved.")

    @classmethod
    def from_model(cls, row: TenantSecuritySettings) -> SecuritySettings:
        return cls(
            ip_allowlist=[str(network) for network in row.ip_allowlist],
            session_idle_minutes=row.session_idle_minutes,
            session_max_hours=row.session_max_hours,
            effective_session_idle_minutes=row.session_idle_minutes or config().session_idle_minutes,
            effective_session_max_hours=row.session_max_hours or config().session_max_hours,
            mfa_required=MfaRequirement(row.mfa_required),
            version=row.version,
        )


@strawberry.type(description="Your second factor.")
class MfaStatus:
    enabled: bool = strawberry.field(description="A confirmed TOTP factor protects your logins.")
    pending: bool = strawberry.field(description="enrolMfa was called but confirmMfa not yet.")
    enabled_at: datetime | None = strawberry.field(description="When it was confirmed.")
    recovery_codes_left: int = strawberry.field(description="Unused recovery codes (10 when new).")


@strawberry.input(description="Only the fields you send change.")
class UpdateSecuritySettingsInput:
    ip_allowlist: list[str] | None = strawberry.field(
        default=UNSET,
        description=(
            "Up to 100 CIDR networks (a bare address is one host); [] or null: any address. Must contain "
            "the address you save it from."
        ),
    )
    session_idle_minutes: int | None = strawberry.field(
        default=UNSET, description="5 to 525600, or null for the server default."
    )
    session_max_hours: int | None = strawberry.field(
        default=UNSET, description="1 to 8784, or null for the server default."
    )
    mfa_required: MfaRequirement | None = strawberry.field(
        default=UNSET, description="Requiring MFA for a group you are in needs your own factor first."
    )


@strawberry.input(description="A code from your authenticator app (and the enrolment challenge in a login).")
class ConfirmMfaInput:
    code: str = strawberry.field(description="The 6-digit code your authenticator shows now.")
    challenge: str | None = strawberry.field(
        default=None, description="The login's ENROL challenge, when not signed in; the login then completes."
    )


@strawberry.input(description="The second step of a login: its challenge and a current or recovery code.")
class VerifyMfaInput:
    challenge: str = strawberry.field(description="The token of login's mfaChallenge.")
    code: str = strawberry.field(description="A 6-digit code, or one of your recovery codes (single use).")


@strawberry.type(description="Result of revoking sessions.")
class RevokeSessionsPayload:
    revoked: int = strawberry.field(default=0, description="How many sessions were revoked.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of updateSecuritySettings.")
class SecuritySettingsPayload:
    settings: SecuritySettings | None = strawberry.field(default=None, description="The settings as saved.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of enrolMfa: the secret to add to an authenticator app.")
class EnrolMfaPayload:
    secret: str | None = strawberry.field(default=None, description="Base32 secret, for typing it in.")
    otpauth_uri: str | None = strawberry.field(
        default=None, description="otpauth://totp/... URI: show it as a QR code to the authenticator app."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of confirmMfa: the factor is on; recovery codes shown once.")
class ConfirmMfaPayload:
    recovery_codes: list[str] = strawberry.field(
        default_factory=list, description="Ten single-use codes for when the device is lost. Shown once."
    )
    token: str | None = strawberry.field(
        default=None, description="With a login challenge: the new session token."
    )
    user: User | None = strawberry.field(default=None, description="With a login challenge: who logged in.")
    tenant: Tenant | None = strawberry.field(default=None, description="With a login challenge: where.")
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of regenerateRecoveryCodes: new codes, shown once.")
class RecoveryCodesPayload:
    recovery_codes: list[str] = strawberry.field(
        default_factory=list, description="Ten new single-use codes; the old ones no longer work."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="Result of disableMfa.")
class DisableMfaPayload:
    ok: bool = strawberry.field(default=False, description="True when the factor was removed.")
    errors: list[UserError] = errors_field()
