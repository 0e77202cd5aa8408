"""The tenant security policy checked on every request: IP allowlist, session idle and absolute limits,
and the MFA rule. Data-driven: everything is a column of `tenant_security_settings` (plus "has this
user confirmed a second factor"), read by one statement, `POLICY_ROW`, and judged by one pure function,
`access_violation`, so the edge can fold the read into its authentication statement.

The server-wide defaults (used while a tenant has no row, or leaves a limit null) are process
configuration, set once by `gateway.services.Services.build` through `configure`.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Capability, Permissions
from tenants.security.models import TenantSecuritySettings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MFA_MODES = ("none", "admins", "all")
# "Admins" for the MFA rule: members whose role may change who gets in or what roles allow.
ADMIN_CAPABILITIES = frozenset({Capability.MANAGE_USERS, Capability.MANAGE_ROLES, Capability.MANAGE_SETTINGS})


@dataclass(frozen=True)
class SecurityConfig:
    session_idle_minutes: int = 7 * 24 * 60
    session_max_hours: int = 24 * 14
    mfa_issuer: str = "CRM"
    mfa_max_failures: int = 10
    mfa_window: timedelta = timedelta(minutes=15)
    mfa_challenge_ttl: timedelta = timedelta(minutes=5)


_config = SecurityConfig()


def configure(config: SecurityConfig) -> None:
    global _config
    _config = config


def config() -> SecurityConfig:
    return _config


@dataclass(frozen=True)
class SecurityPolicy:
    """One tenant's rules; `None` limits mean the server default."""

    ip_allowlist: tuple[IPNetwork, ...] = ()
    session_idle_minutes: int | None = None
    session_max_hours: int | None = None
    mfa_required: str = "none"
    mfa_enrolled: bool = field(default=False, compare=False)  # of the user being checked

    @classmethod
    def from_row(cls, row: Any) -> SecurityPolicy:
        # No settings row: one row of nulls from the left join (the user's part still holds).
        return cls.of(row if row.mfa_required is not None else None, mfa_enrolled=bool(row.mfa_enrolled))

    @classmethod
    def of(cls, settings: TenantSecuritySettings | None, *, mfa_enrolled: bool) -> SecurityPolicy:
        """From a loaded settings row (None: the defaults)."""
        if settings is None:
            return cls(mfa_enrolled=mfa_enrolled)
        return cls(
            ip_allowlist=tuple(ipaddress.ip_network(str(n)) for n in settings.ip_allowlist or ()),
            session_idle_minutes=settings.session_idle_minutes,
            session_max_hours=settings.session_max_hours,
            mfa_required=settings.mfa_required,
            mfa_enrolled=mfa_enrolled,
        )

    @property
    def idle_minutes(self) -> int:
        return self.session_idle_minutes or _config.session_idle_minutes

    @property
    def max_hours(self) -> int:
        return self.session_max_hours or _config.session_max_hours

    def requires_mfa(self, permissions: Permissions) -> bool:
        return self.mfa_required == "all" or (self.mfa_required == "admins" and administers(permissions))


# The columns `access_violation` needs, for one tenant and one user, in one statement (the left join
# makes a tenant without a settings row one row of nulls: the defaults).
POLICY_ROW = text(
    """
    select p.ip_allowlist, p.session_idle_minutes, p.session_max_hours, p.mfa_required,
           exists(select 1 from user_mfa m where m.user_id = :user_id and m.enabled_at is not null)
             as mfa_enrolled
    from (select 1) as one left join tenant_security_settings p on p.tenant_id = :tenant_id
    """
)


async def load_policy(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> SecurityPolicy:
    """The tenant's policy (inside its RLS wall: the transaction must already be in the tenant)."""
    row = (await session.execute(POLICY_ROW, {"tenant_id": tenant_id, "user_id": user_id})).one()
    return SecurityPolicy.from_row(row)


def administers(permissions: Permissions) -> bool:
    return any(permissions.has(capability) for capability in ADMIN_CAPABILITIES)


def client_ip(address: str | None) -> IPAddress | None:
    """The client's address as an IP, or None when unknown or not an IP (a test client's name)."""
    if not address:
        return None
    try:
        return ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None


def address_allowed(allowlist: Iterable[IPNetwork], address: str | None) -> bool:
    networks = tuple(allowlist)
    if not networks:
        return True
    ip = client_ip(address)
    if ip is None:
        return False  # an allowlist is configured and the address is unknown: fail closed
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in networks)


@dataclass(frozen=True)
class Violation:
    """Why a valid credential is refused: HTTP status, a stable code and a message naming the fix."""

    status: int
    code: str
    message: str


def network_violation(address: str | None) -> Violation:
    shown = address or "unknown"
    return Violation(
        403,
        ErrorCode.FORBIDDEN_NETWORK.value,
        f"Your network address ({shown}) is not on this tenant's IP allowlist; connect from an allowed "
        "network or ask a tenant admin to add it.",
    )


MFA_ENROLMENT_MESSAGE = (
    "This tenant requires two-factor authentication for you: log in again and enrol "
    "(login answers with an enrolment challenge for enrolMfa and confirmMfa)."
)


def access_violation(
    policy: SecurityPolicy,
    *,
    now: datetime,
    client_address: str | None,
    permissions: Permissions,
    session_started: datetime | None = None,
    session_last_active: datetime | None = None,
) -> Violation | None:
    """The first rule a request breaks, or None. Sessions pass their start and last activity; API keys
    pass neither (no idle or absolute session limit, no MFA: a key is not a person logging in)."""
    if not address_allowed(policy.ip_allowlist, client_address):
        return network_violation(client_address)
    if session_started is None:
        return None
    if session_started <= now - timedelta(hours=policy.max_hours):
        return Violation(
            401,
            ErrorCode.UNAUTHENTICATED.value,
            f"The session reached this tenant's limit of {policy.max_hours} hours; log in again.",
        )
    last_active = session_last_active or session_started
    if last_active <= now - timedelta(minutes=policy.idle_minutes):
        return Violation(
            401,
            ErrorCode.UNAUTHENTICATED.value,
            f"The session expired after {policy.idle_minutes} minutes without activity; log in again.",
        )
    if policy.requires_mfa(permissions) and not policy.mfa_enrolled:
        return Violation(403, ErrorCode.MFA_ENROLMENT_REQUIRED.value, MFA_ENROLMENT_MESSAGE)
    return None


def refuse_network(policy: SecurityPolicy, client_address: str | None) -> None:
    """At login and at the second step: the same rule as on requests, as a typed error."""
    if not address_allowed(policy.ip_allowlist, client_address):
        violation = network_violation(client_address)
        raise DomainError(ErrorCode.FORBIDDEN_NETWORK, violation.message)


def parse_allowlist(values: Sequence[str], field_name: str = "ipAllowlist") -> list[IPNetwork]:
    """CIDR blocks (a bare address is its /32 or /128); host bits set, junk and duplicates refused."""
    if len(values) > 100:
        raise DomainError(ErrorCode.INVALID, "At most 100 networks.", field_name)
    networks: list[IPNetwork] = []
    for index, value in enumerate(values):
        path = f"{field_name}.{index}"
        if len(value) > 64:
            raise DomainError(ErrorCode.TOO_LONG, "A network is at most 64 characters.", path)
        try:
            network = ipaddress.ip_network(value.strip(), strict=True)
        except ValueError as error:
            raise DomainError(
                ErrorCode.INVALID,
                f"'{value}' is not a network in CIDR notation like 203.0.113.0/24 ({error}).",
                path,
            ) from None
        if network in networks:
            raise DomainError(ErrorCode.DUPLICATE, f"{network} is listed twice.", path)
        networks.append(network)
    return networks
