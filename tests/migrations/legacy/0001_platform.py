"""Platform: tenants, users, sessions, roles, teams, memberships, invitations, API keys, audit log.

Revision ID: 0001_platform
Revises:
Create Date: 2026-11-25
"""

from alembic import context, op

from migrations.helpers import CURRENT_TENANT, CURRENT_USER_ID, enable_tenant_rls

revision = "0001_platform"
down_revision = None
branch_labels = None
depends_on = None

TENANT_TABLES = ["roles", "teams", "memberships", "invitations", "api_keys", "audit_log"]


def upgrade() -> None:
    app_role = context.config.attributes.get("app_role", "crm_app")
    op.execute("create extension if not exists pg_trgm")
    op.execute("create extension if not exists btree_gin")

    # Global identity: not tenant-owned, read by login before any tenant is chosen.
    op.execute("""
        create table tenants (
            id uuid primary key,
            name varchar(200) not null,
            base_currency varchar(3) not null default 'USD',
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now()
        )""")
    op.execute("""
        create table users (
            id uuid primary key,
            email varchar(320) not null,
            full_name varchar(200) not null,
            password_hash text not null,
            is_active boolean not null default true,
            password_changed_at timestamptz not null default now(),
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now()
        )""")
    op.execute("create unique index users_email_lower_key on users (lower(email))")
    op.execute("""
        create table user_sessions (
            id uuid primary key,
            user_id uuid not null references users(id) on delete cascade,
            token_hash bytea not null unique,
            active_tenant_id uuid not null references tenants(id) on delete cascade,
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            last_seen_at timestamptz,
            revoked_at timestamptz,
            client_address varchar(64)
        )""")
    op.execute("create index user_sessions_user_id_idx on user_sessions (user_id)")
    op.execute("""
        create table auth_throttle (
            key varchar(400) primary key,
            failures integer not null default 0,
            window_started_at timestamptz not null
        )""")

    # Per-tenant identity.
    op.execute("""
        create table roles (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            key varchar(64) not null,
            name varchar(100) not null,
            is_builtin boolean not null default false,
            permissions jsonb not null,
            version integer not null default 1,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            primary key (tenant_id, id),
            unique (tenant_id, key)
        )""")
    op.execute("""
        create table teams (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(100) not null,
            parent_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            primary key (tenant_id, id),
            unique (tenant_id, name),
            foreign key (tenant_id, parent_id) references teams(tenant_id, id)
        )""")
    op.execute("""
        create table memberships (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            user_id uuid not null references users(id) on delete cascade,
            role_id uuid not null,
            team_id uuid,
            is_active boolean not null default true,
            version integer not null default 1,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            primary key (tenant_id, id),
            unique (tenant_id, user_id),
            foreign key (tenant_id, role_id) references roles(tenant_id, id),
            foreign key (tenant_id, team_id) references teams(tenant_id, id)
        )""")
    op.execute("create index memberships_user_id_idx on memberships (user_id)")
    op.execute("create index memberships_tenant_role_idx on memberships (tenant_id, role_id)")
    op.execute("create index memberships_tenant_team_idx on memberships (tenant_id, team_id)")
    op.execute("""
        create table invitations (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            email varchar(320) not null,
            role_id uuid not null,
            token_hash bytea not null,
            invited_by_id uuid not null references users(id),
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            accepted_at timestamptz,
            revoked_at timestamptz,
            primary key (tenant_id, id),
            unique (tenant_id, token_hash),
            foreign key (tenant_id, role_id) references roles(tenant_id, id)
        )""")
    op.execute("""
        create table api_keys (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(100) not null,
            prefix varchar(16) not null,
            key_hash bytea not null,
            role_id uuid not null,
            created_by_id uuid not null references users(id),
            created_at timestamptz not null default now(),
            expires_at timestamptz,
            last_used_at timestamptz,
            revoked_at timestamptz,
            primary key (tenant_id, id),
            unique (tenant_id, prefix),
            foreign key (tenant_id, role_id) references roles(tenant_id, id)
        )""")
    op.execute("""
        create table audit_log (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            action varchar(64) not null,
            object_type varchar(64) not null,
            object_id uuid,
            actor_user_id uuid,
            actor_api_key_id uuid,
            changes jsonb not null default '{}',
            request_id varchar(64),
            created_at timestamptz not null default now(),
            primary key (tenant_id, id)
        )""")
    op.execute("create index audit_log_tenant_created_idx on audit_log (tenant_id, created_at desc, id desc)")
    op.execute("create index audit_log_tenant_object_idx on audit_log (tenant_id, object_type, object_id)")

    # The tenant wall. A user also sees their own memberships (and those tenants and roles) in every
    # tenant, which login and `me` need before or beside the current tenant; writes stay tenant-bound.
    for table in TENANT_TABLES:
        if table == "memberships":
            enable_tenant_rls(table, using=f"tenant_id = {CURRENT_TENANT} or user_id = {CURRENT_USER_ID}")
        elif table == "roles":
            enable_tenant_rls(
                table,
                using=f"tenant_id = {CURRENT_TENANT} or id in "
                f"(select role_id from memberships where user_id = {CURRENT_USER_ID})",
            )
        else:
            enable_tenant_rls(table)
    op.execute("alter table tenants enable row level security")
    op.execute("alter table tenants force row level security")
    op.execute(
        f"create policy tenant_isolation on tenants "
        f"using (id = {CURRENT_TENANT} or id in "
        f"  (select tenant_id from memberships where user_id = {CURRENT_USER_ID})) "
        f"with check (id = {CURRENT_TENANT})"
    )

    # The application role: DML only, on this and every later table the owner creates.
    op.execute(f"grant usage on schema public to {app_role}")
    op.execute(f"grant select, insert, update, delete on all tables in schema public to {app_role}")
    op.execute(
        f"alter default privileges in schema public grant select, insert, update, delete on tables to {app_role}"
    )
    # The audit log is append-only for the application.
    op.execute(f"revoke update, delete on audit_log from {app_role}")


def downgrade() -> None:
    for table in ["audit_log", "api_keys", "invitations", "memberships", "teams", "roles"]:
        op.execute(f"drop table {table}")
    for table in ["auth_throttle", "user_sessions", "users", "tenants"]:
        op.execute(f"drop table {table}")
