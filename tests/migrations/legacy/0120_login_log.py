"""Login log: every sign-in attempt, in the tenants it concerns, plus a write-only log of the rest.

- `login_events` (tenant table): attempts for a known user are written into each tenant of the user's
  active memberships (only the chosen one when the login named a tenant, the key's tenant for API
  keys), so each tenant's admins see the attempts on their members' accounts and nothing else.
  Append-only for the application role.
- `login_attempts` (global, no tenant): attempts for emails that match no account, or accounts with no
  active membership. The application role may only INSERT: nothing in the API can read it back, so
  it reveals nothing about who tried which email; operators read it as the owner.

Revision ID: 0120_login_log
Revises: 0003_tenant_registry
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls

revision = "0120_login_log"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

OUTCOMES = "('success', 'failure', 'throttled')"
METHODS = "('password', 'invitation', 'api_key')"


def upgrade() -> None:
    app_role = context.config.attributes.get("app_role", "crm_app")
    op.execute(f"""
        create table login_events (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            user_id uuid,
            api_key_id uuid,
            email varchar(320),
            outcome varchar(16) not null check (outcome in {OUTCOMES}),
            method varchar(16) not null check (method in {METHODS}),
            reason varchar(32),
            client_address varchar(64),
            user_agent varchar(512),
            created_at timestamptz not null default now(),
            primary key (tenant_id, id)
        )""")
    op.execute(
        "create index login_events_tenant_created_idx on login_events (tenant_id, created_at desc, id desc)"
    )
    op.execute(
        "create index login_events_tenant_user_created_idx"
        " on login_events (tenant_id, user_id, created_at desc, id desc)"
    )
    enable_tenant_rls("login_events")
    op.execute(f"grant select, insert on login_events to {app_role}")
    op.execute(f"revoke update, delete on login_events from {app_role}")

    op.execute(f"""
        create table login_attempts (
            id uuid primary key,
            email varchar(320),
            outcome varchar(16) not null check (outcome in {OUTCOMES}),
            method varchar(16) not null check (method in {METHODS}),
            reason varchar(32),
            client_address varchar(64),
            user_agent varchar(512),
            created_at timestamptz not null default now()
        )""")
    op.execute("create index login_attempts_created_idx on login_attempts (created_at)")
    op.execute(f"grant insert on login_attempts to {app_role}")
    op.execute(f"revoke select, update, delete on login_attempts from {app_role}")


def downgrade() -> None:
    op.execute("drop table login_attempts")
    op.execute("drop table login_events")
