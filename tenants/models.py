"""Platform tables: tenants, global users and their sessions, and the per-tenant identity tables
(roles, teams, memberships, invitations, API keys) plus the audit log.

Every tenant-owned table is built on `TenantMixin`: a composite primary key `(tenant_id, id)` whose
index leads with `tenant_id` and is the target of composite foreign keys, so a reference can never
point into another tenant. RLS policies for these tables live in the migrations.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from tenants.ids import new_id


class Base(DeclarativeBase):
    type_annotation_map = {uuid.UUID: UUID(as_uuid=True), dict[str, Any]: JSONB}


class TenantMixin:
    """`(tenant_id, id)` primary key; `id` is a UUIDv7 made by the app."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class VersionedMixin:
    """Optimistic concurrency: SQLAlchemy adds `WHERE version = :old` to every UPDATE and bumps it."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


# --- global identity -------------------------------------------------------------------------


class Tenant(TimestampMixin, Base):
    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    base_currency: Mapped[str] = mapped_column(String(3), default="USD")
    locale: Mapped[str] = mapped_column(String(35), default="en-US")
    # None: follow the locale's default (tenants.locales); True/False: the tenant's explicit choice.
    cash_discount_reduces_tax_base: Mapped[bool | None] = mapped_column(default=None)


class TenantRegistry(Base):
    """Every tenant's id, outside RLS, so scheduled jobs can find the tenants to run for."""

    __tablename__ = "tenant_registry"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class User(TimestampMixin, Base):
    """A person. Global: one login across all the tenants they belong to."""

    __tablename__ = "users"
    __table_args__ = (Index("users_email_lower_key", func.lower(text("email")), unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The language the person reads (BCP 47, e.g. zh-CN); None: the client's Accept-Language, then the
    # tenant's locale (tenants/i18n).
    locale: Mapped[str | None] = mapped_column(String(35))


class UserSession(Base):
    """A login. Only the SHA-256 of the token is stored; the token itself is shown once."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(unique=True)
    # The tenant this session currently acts in (changed by switchTenant). Not tenant-owned data.
    active_tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))


class PendingSignUp(Base):
    """A production sign-up waiting for its email to be confirmed. Global like `users` (no tenant exists
    yet); only the SHA-256 of the confirmation token and the argon2 hash of the password are kept."""

    __tablename__ = "pending_sign_ups"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[bytes] = mapped_column(unique=True)
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    tenant_name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(35))
    base_currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthThrottle(Base):
    """Failed-login counters keyed by `account:<email>` or `address:<ip>`, shared by all processes."""

    __tablename__ = "auth_throttle"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- per-tenant identity ---------------------------------------------------------------------


class Role(TenantMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"objects": {"account": {"actions": [...], "scope": "own"}}, "capabilities": [...]}
    permissions: Mapped[dict[str, Any]] = mapped_column(JSONB)


class EagerVersionedMixin(VersionedMixin):
    """Optimistic version plus eager server defaults: timestamps are readable right after a flush
    (an async session cannot lazy-load them)."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version, "eager_defaults": True}


class Team(TenantMixin, TimestampMixin, EagerVersionedMixin, Base):
    """A group of members; teams nest (`parent_id`), no cycles (checked by tenants/access/teams.py)."""

    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["teams.tenant_id", "teams.id"]),
    )

    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[uuid.UUID | None] = mapped_column()


class Membership(TenantMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        ForeignKeyConstraint(["tenant_id", "role_id"], ["roles.tenant_id", "roles.id"]),
        ForeignKeyConstraint(["tenant_id", "team_id"], ["teams.tenant_id", "teams.id"]),
        # Login lists one user's memberships across tenants before any tenant is chosen.
        Index("memberships_user_id_idx", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role_id: Mapped[uuid.UUID] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Invitation(TenantMixin, Base):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_hash"),
        ForeignKeyConstraint(["tenant_id", "role_id"], ["roles.tenant_id", "roles.id"]),
    )

    email: Mapped[str] = mapped_column(String(320))
    role_id: Mapped[uuid.UUID] = mapped_column()
    token_hash: Mapped[bytes] = mapped_column()
    invited_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(TenantMixin, Base):
    """An integration's key: `crm_<tenant>_<prefix>_<secret>`; only prefix and SHA-256 are stored."""

    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "prefix"),
        ForeignKeyConstraint(["tenant_id", "role_id"], ["roles.tenant_id", "roles.id"]),
    )

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[bytes] = mapped_column()
    role_id: Mapped[uuid.UUID] = mapped_column()
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # null: the whole role; else the scopes narrowing it (tenants/scopes.py)
    scopes: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    # set by rotation: the key that replaces this one (which works until its `expires_at`, the grace end)
    replaced_by_id: Mapped[uuid.UUID | None] = mapped_column()


class AuditEntry(TenantMixin, Base):
    """Append-only: who did what to which record, with a per-field diff."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("audit_log_tenant_created_idx", "tenant_id", text("created_at DESC"), text("id DESC")),
        Index("audit_log_tenant_object_idx", "tenant_id", "object_type", "object_id"),
    )

    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column()
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
