"""TOTP second factors (RFC 6238 through `pyotp`) with single-use recovery codes, and the login's
second step.

- Enrol: `enrol` stores a fresh secret (pending) and returns it with its otpauth:// URI; `confirm`
  checks a first code, turns the factor on and returns ten recovery codes (shown once, stored hashed).
  `disable` and `regenerate_recovery_codes` need a current code (or a recovery code).
- Login: after the password, `after_password` answers a session, or a challenge: `verify` when the user
  has a factor (then `verify_challenge(challenge, code)` opens the session), `enrol` when the tenant
  requires one the user does not have yet (enrol and confirm with the challenge, which opens the session).
- Throttling: every attempt is counted before the code is checked, atomically (an UPDATE ... RETURNING
  on the user's factor row, which also serializes parallel attempts): at most `mfa_max_failures` per
  user per window, and `MAX_CHALLENGE_ATTEMPTS` per challenge. A wrong code is raised as
  `RejectedCode`, which the API returns *after* committing the count (see graph/security/api.py).
  An accepted TOTP step is remembered, so a code is never accepted twice.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyotp
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.models import Membership, Role, Tenant, User
from tenants.permissions import Actor, Permissions
from tenants.security.models import MfaChallenge, RecoveryCode, UserMfa
from tenants.security.policy import (
    MFA_ENROLMENT_MESSAGE,
    SecurityPolicy,
    config,
    load_policy,
    refuse_network,
)
from tenants.tokens import digest

if TYPE_CHECKING:
    from tenants.identity import Identity, SessionGrant

CHALLENGE_PREFIX = "crmc_"
MAX_CHALLENGE_ATTEMPTS = 5
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32: 16 characters are 80 random bits


class RejectedCode(DomainError):
    """A wrong code or a throttled attempt: the attempt's count must be committed, not rolled back."""


@dataclass(frozen=True)
class LoginChallenge:
    """The password was right; a second step is owed (`purpose` "verify" or "enrol")."""

    token: str
    purpose: str
    expires_at: datetime
    user: User
    tenant: Tenant


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


def now() -> datetime:
    return datetime.now(UTC)


# --- login -------------------------------------------------------------------------------------


async def after_password(
    identity: Identity, session: AsyncSession, user: User, tenant: Tenant, client_address: str | None
) -> SessionGrant | LoginChallenge:
    """What a correct password leads to in `tenant` (the transaction is already inside it)."""
    policy = await load_policy(session, tenant.id, user.id)
    refuse_network(policy, client_address)
    if policy.mfa_enrolled:
        return await new_challenge(session, user, tenant, "verify")
    if await mfa_owed(session, policy, tenant.id, user.id):
        return await new_challenge(session, user, tenant, "enrol")
    return await identity.open_session(session, user, tenant, client_address)


async def refuse_entry(
    session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID, client_address: str | None
) -> None:
    """Entering a tenant with an existing session (switchTenant): its allowlist and MFA rule, as typed
    errors (the transaction must be inside the tenant)."""
    policy = await load_policy(session, tenant_id, user_id)
    refuse_network(policy, client_address)
    if await mfa_owed(session, policy, tenant_id, user_id):
        raise DomainError(ErrorCode.MFA_ENROLMENT_REQUIRED, MFA_ENROLMENT_MESSAGE)


async def mfa_owed(
    session: AsyncSession, policy: SecurityPolicy, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> bool:
    """The tenant's MFA rule covers this member, who has no factor (the role is read only if it matters)."""
    if policy.mfa_enrolled or policy.mfa_required == "none":
        return False
    return policy.requires_mfa(await member_permissions(session, tenant_id, user_id))


async def member_permissions(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Permissions:
    from tenants.identity import role_permissions  # tenants.identity imports this module

    role = await session.scalar(
        select(Role)
        .join(Membership, (Membership.tenant_id == Role.tenant_id) & (Membership.role_id == Role.id))
        .where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
    )
    assert role is not None, "login_tenant checked the membership"
    return role_permissions(role)


async def new_challenge(session: AsyncSession, user: User, tenant: Tenant, purpose: str) -> LoginChallenge:
    token = CHALLENGE_PREFIX + secrets.token_urlsafe(32)
    expires_at = now() + config().mfa_challenge_ttl
    # The user's finished challenges are of no further use: each login clears them (no job needed).
    await session.execute(
        delete(MfaChallenge).where(
            MfaChallenge.user_id == user.id,
            (MfaChallenge.expires_at < now()) | MfaChallenge.used_at.is_not(None),
        )
    )
    session.add(
        MfaChallenge(
            token_hash=digest(token),
            user_id=user.id,
            login_tenant_id=tenant.id,
            purpose=purpose,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return LoginChallenge(token, purpose, expires_at, user, tenant)


async def use_challenge(session: AsyncSession, token: str, purpose: str, *, counted: bool) -> MfaChallenge:
    """The live challenge; `counted` attempts (those that check a code) are limited per challenge."""
    field = "challenge"
    match = (MfaChallenge.token_hash == digest(token)) & (MfaChallenge.purpose == purpose)
    if counted:  # counted before any check, under the row lock the UPDATE takes
        challenge = await session.scalar(
            update(MfaChallenge)
            .where(match)
            .values(attempts=MfaChallenge.attempts + 1)
            .returning(MfaChallenge)
            .execution_options(populate_existing=True)
        )
    else:
        challenge = await session.scalar(select(MfaChallenge).where(match))
    if challenge is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such login challenge; log in again.", field)
    if challenge.used_at is not None or challenge.expires_at <= now():
        raise DomainError(
            ErrorCode.EXPIRED, "This login challenge has expired or was used; log in again.", field
        )
    if challenge.attempts > MAX_CHALLENGE_ATTEMPTS:
        raise RejectedCode(ErrorCode.THROTTLED, "Too many wrong codes for this login; log in again.", field)
    return challenge


async def finish_challenge(
    identity: Identity, session: AsyncSession, challenge: MfaChallenge, client_address: str | None
) -> SessionGrant:
    """The second step passed: the login's session, if the member may still enter from here."""
    challenge.used_at = now()
    user = await session.get_one(User, challenge.user_id)
    if not user.is_active:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "This account is disabled.")
    tenant = await identity.login_tenant(session, user, challenge.login_tenant_id)
    refuse_network(await load_policy(session, tenant.id, user.id), client_address)
    return await identity.open_session(session, user, tenant, client_address)


async def verify_challenge(
    identity: Identity, session: AsyncSession, token: str, code: str, client_address: str | None
) -> SessionGrant:
    challenge = await use_challenge(session, token, "verify", counted=True)
    await check_code(session, challenge.user_id, code, allow_recovery=True)
    return await finish_challenge(identity, session, challenge, client_address)


# --- enrolment ---------------------------------------------------------------------------------


async def enrol(session: AsyncSession, user: User) -> Enrolment:
    """A new pending secret (replacing an unconfirmed one); refused while a factor is on."""
    factor = await session.get(UserMfa, user.id, with_for_update=True)
    if factor is not None and factor.enabled_at is not None:
        raise DomainError(
            ErrorCode.MFA_ALREADY_ENABLED,
            "Two-factor authentication is already on; disable it first to move to a new device.",
        )
    secret = pyotp.random_base32(32)
    if factor is None:
        session.add(
            UserMfa(user_id=user.id, secret=secret, last_used_step=0, failures=0, window_started_at=now())
        )
    else:
        factor.secret = secret
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=config().mfa_issuer)
    return Enrolment(secret, uri)


async def confirm(session: AsyncSession, user_id: uuid.UUID, code: str) -> list[str]:
    """Turns the pending factor on with a first code; returns the recovery codes (shown once)."""
    factor = await session.get(UserMfa, user_id)
    if factor is None:
        raise DomainError(ErrorCode.MFA_NOT_ENABLED, "Call enrolMfa first.", "code")
    if factor.enabled_at is not None:
        raise DomainError(ErrorCode.MFA_ALREADY_ENABLED, "Two-factor authentication is already on.", "code")
    await check_code(session, user_id, code, allow_recovery=False)
    factor.enabled_at = now()
    return await new_recovery_codes(session, user_id)


async def enrol_challenge(session: AsyncSession, token: str) -> tuple[MfaChallenge, User]:
    challenge = await use_challenge(session, token, "enrol", counted=False)
    return challenge, await session.get_one(User, challenge.user_id)


async def confirm_challenge(
    identity: Identity, session: AsyncSession, token: str, code: str, client_address: str | None
) -> tuple[SessionGrant, list[str]]:
    challenge = await use_challenge(session, token, "enrol", counted=True)
    codes = await confirm(session, challenge.user_id, code)
    grant = await finish_challenge(identity, session, challenge, client_address)
    await audit.record(
        session, None, "user.enable_mfa", "user", challenge.user_id,
        tenant_id=challenge.login_tenant_id, user_id=challenge.user_id,
    )  # fmt: skip
    return grant, codes


async def disable(session: AsyncSession, actor: Actor, code: str) -> None:
    """Needs a current code (or a recovery code); refused where the tenant requires the factor."""
    await enabled_factor(session, actor.user_id)
    policy = await load_policy(session, actor.tenant_id, actor.user_id)
    if policy.requires_mfa(actor.permissions):
        raise DomainError(
            ErrorCode.MFA_REQUIRED,
            "This tenant requires two-factor authentication for you; it cannot be turned off.",
        )
    await check_code(session, actor.user_id, code, allow_recovery=True)
    await session.execute(delete(UserMfa).where(UserMfa.user_id == actor.user_id))
    await audit.record(session, actor, "user.disable_mfa", "user", actor.user_id)


async def regenerate_recovery_codes(session: AsyncSession, actor: Actor, code: str) -> list[str]:
    await enabled_factor(session, actor.user_id)
    await check_code(session, actor.user_id, code, allow_recovery=False)
    codes = await new_recovery_codes(session, actor.user_id)
    await audit.record(session, actor, "user.regenerate_recovery_codes", "user", actor.user_id)
    return codes


async def enabled_factor(session: AsyncSession, user_id: uuid.UUID) -> UserMfa:
    factor = await session.get(UserMfa, user_id)
    if factor is None or factor.enabled_at is None:
        raise DomainError(ErrorCode.MFA_NOT_ENABLED, "Two-factor authentication is not on for you.")
    return factor


async def factor_status(session: AsyncSession, user_id: uuid.UUID) -> tuple[UserMfa | None, int]:
    factor = await session.get(UserMfa, user_id)
    left = 0
    if factor is not None and factor.enabled_at is not None:
        left = len(
            (
                await session.scalars(
                    select(RecoveryCode.code_hash).where(
                        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
                    )
                )
            ).all()
        )
    return factor, left


# --- codes -------------------------------------------------------------------------------------

COUNT_ATTEMPT = text(
    """
    update user_mfa set
      failures = case when window_started_at < :window_start then 1 else failures + 1 end,
      window_started_at = case when window_started_at < :window_start then :now else window_started_at end
    where user_id = :user_id
    returning failures, window_started_at, secret, last_used_step
    """
)


async def check_code(session: AsyncSession, user_id: uuid.UUID, code: str, *, allow_recovery: bool) -> None:
    """Counts the attempt, then accepts a current TOTP code (or an unused recovery code) or raises."""
    current = now()
    window = config().mfa_window
    row = (
        await session.execute(
            COUNT_ATTEMPT, {"user_id": user_id, "now": current, "window_start": current - window}
        )
    ).one_or_none()
    if row is None:
        raise DomainError(ErrorCode.MFA_NOT_ENABLED, "Two-factor authentication is not on for you.", "code")
    if row.failures > config().mfa_max_failures:
        wait = max(1, int((row.window_started_at + window - current).total_seconds()))
        raise RejectedCode(ErrorCode.THROTTLED, f"Too many wrong codes; try again in {wait} seconds.", "code")
    cleaned = "".join(code.split()).replace("-", "").lower()
    if len(cleaned) == 6 and cleaned.isdigit():
        step = matching_step(row.secret, cleaned, current)
        accepted = step is not None and step > row.last_used_step
        new_step = step if accepted else row.last_used_step
    elif allow_recovery and len(cleaned) == 16:
        accepted = await use_recovery_code(session, user_id, cleaned)
        new_step = row.last_used_step
    else:
        accepted = False
    if not accepted:
        raise RejectedCode(ErrorCode.INVALID_CODE, "The code is wrong, expired or already used.", "code")
    await session.execute(
        update(UserMfa).where(UserMfa.user_id == user_id).values(failures=0, last_used_step=new_step)
    )


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The 30-second step whose code this is: the current one or either neighbour (clock drift)."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def use_recovery_code(session: AsyncSession, user_id: uuid.UUID, cleaned: str) -> bool:
    used = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == digest(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now())
        .returning(RecoveryCode.code_hash)
    )
    return used.first() is not None


async def new_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """Replaces every recovery code of the user with ten new ones, returned formatted (xxxx-xxxx-...)."""
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16)) for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=digest(code)) for code in codes)
    await session.flush()
    return ["-".join(code[i : i + 4] for i in range(0, 16, 4)) for code in codes]
