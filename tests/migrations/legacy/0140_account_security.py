"""Account security: tenant security settings (IP allowlist, session limits, MFA enforcement), session
details (user agent) and TOTP second factors with recovery codes and login challenges.

- `tenant_security_settings`: one row per tenant (absent: server defaults), RLS like every tenant table.
  Everything the edge checks on each request is a column here, so the authentication query can read it
  in the same statement: `ip_allowlist cidr[]` (empty: any address), `session_idle_minutes` and
  `session_max_hours` (null: the server's defaults), `mfa_required` (none, admins, all).
- `user_mfa`, `user_recovery_codes`, `mfa_challenges`: global identity data like `users.password_hash`
  and `user_sessions` (a second factor belongs to the person, not to one tenant, and is read at login
  before any tenant is chosen), so no RLS; the application only reads them for the user at hand.
- `user_sessions.user_agent`, and an index for "this member's sessions in this tenant".

Revision ID: 0140_account_security
Revises: 0003_tenant_registry
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0140_account_security"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        create table tenant_security_settings (
            tenant_id uuid not null primary key references tenants(id) on delete cascade,
            ip_allowlist cidr[] not null default '{}' check (cardinality(ip_allowlist) <= 100),
            session_idle_minutes integer check (session_idle_minutes between 5 and 525600),
            session_max_hours integer check (session_max_hours between 1 and 8784),
            mfa_required varchar(16) not null default 'none' check (mfa_required in ('none', 'admins', 'all')),
            updated_at timestamptz not null default now(),
            version integer not null default 1
        )""")
    enable_tenant_rls("tenant_security_settings")

    op.execute("alter table user_sessions add column user_agent varchar(400)")
    op.execute(
        "create index user_sessions_tenant_user_idx on user_sessions (active_tenant_id, user_id)"
        " where revoked_at is null"
    )

    op.execute("""
        create table user_mfa (
            user_id uuid primary key references users(id) on delete cascade,
            secret varchar(64) not null,
            enabled_at timestamptz,
            last_used_step bigint not null default 0,
            failures integer not null default 0,
            window_started_at timestamptz not null default now(),
            created_at timestamptz not null default now()
        )""")
    op.execute("""
        create table user_recovery_codes (
            user_id uuid not null references user_mfa(user_id) on delete cascade,
            code_hash bytea not null,
            used_at timestamptz,
            primary key (user_id, code_hash)
        )""")
    op.execute("""
        create table mfa_challenges (
            id uuid primary key,
            token_hash bytea not null unique,
            user_id uuid not null references users(id) on delete cascade,
            -- the tenant the login is for (like user_sessions.active_tenant_id): not tenant-owned data
            login_tenant_id uuid not null references tenants(id) on delete cascade,
            purpose varchar(16) not null check (purpose in ('verify', 'enrol')),
            attempts integer not null default 0,
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            used_at timestamptz
        )""")
    op.execute("create index mfa_challenges_user_idx on mfa_challenges (user_id)")


def downgrade() -> None:
    op.execute("drop table mfa_challenges")
    op.execute("drop table user_recovery_codes")
    op.execute("drop table user_mfa")
    op.execute("drop index user_sessions_tenant_user_idx")
    op.execute("alter table user_sessions drop column user_agent")
    op.execute("drop table tenant_security_settings")
