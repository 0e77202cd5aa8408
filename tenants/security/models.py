"""Tables of account security (migration 0140_account_security).

`TenantSecuritySettings` is tenant data under RLS; the second-factor tables are global identity data
like `users` (read at login, before any tenant is chosen), and are only ever read for one known user.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY, CIDR
from sqlalchemy.orm import Mapped, mapped_column

from tenants.ids import new_id
from tenants.models import Base


class TenantSecuritySettings(Base):
    """One row per tenant; a tenant without one has the server defaults (no allowlist, no MFA rule)."""

    __tablename__ = "tenant_security_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    ip_allowlist: Mapped[list[str]] = mapped_column(ARRAY(CIDR), default=list)
    session_idle_minutes: Mapped[int | None] = mapped_column(Integer)
    session_max_hours: Mapped[int | None] = mapped_column(Integer)
    mfa_required: Mapped[str] = mapped_column(String(16), default="none")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, default=1)


class UserMfa(Base):
    """A user's TOTP factor; `enabled_at` is null until a first code confirmed the enrolment."""

    __tablename__ = "user_mfa"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The newest 30-second step a code was accepted for: a code is never accepted twice.
    last_used_step: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RecoveryCode(Base):
    """A single-use recovery code, stored as SHA-256 (80 random bits: nothing to brute-force offline)."""

    __tablename__ = "user_recovery_codes"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_mfa.user_id"), primary_key=True)
    code_hash: Mapped[bytes] = mapped_column(primary_key=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MfaChallenge(Base):
    """The second step of a login: the password was right, a code (or an enrolment) is still owed."""

    __tablename__ = "mfa_challenges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[bytes] = mapped_column(unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # The tenant the login is for (like UserSession.active_tenant_id); not tenant-owned data.
    login_tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # "verify" | "enrol"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
