"""API contract, issue 21: persisted operations (a tenant's allow-list of GraphQL documents by SHA-256)
and per-tenant API settings: whether the tenant accepts only persisted operations (tenant admins) and
the platform's rate-limit overrides (NULL: the server's defaults). The application role may change only
`persisted_operations_only`: the overrides are the platform's, set with `crm rate-limits` as the owner.

Revision ID: 0321_persisted_operations
Revises: 0320_api_key_scopes
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0321_persisted_operations"
down_revision = "0320_api_key_scopes"
branch_labels = None
depends_on = None

LIMIT_COLUMNS = (
    "tenant_burst",
    "tenant_per_minute",
    "user_burst",
    "user_per_minute",
    "key_burst",
    "key_per_minute",
)


def upgrade() -> None:
    op.execute(
        """
create table persisted_operations (
    tenant_id uuid not null references tenants (id) on delete cascade,
    id uuid not null,
    operation_hash bytea not null check (octet_length(operation_hash) = 32),
    name varchar(100) not null,
    query_text text not null,
    created_by_id uuid not null references users (id),
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    unique (tenant_id, operation_hash)
)"""
    )
    limits = ",\n    ".join(f"{name} integer check ({name} > 0)" for name in LIMIT_COLUMNS)
    op.execute(
        f"""
create table tenant_api_settings (
    tenant_id uuid not null primary key references tenants (id) on delete cascade,
    persisted_operations_only boolean not null default false,
    {limits},
    updated_at timestamptz not null default now()
)"""
    )
    enable_tenant_rls("persisted_operations")
    enable_tenant_rls("tenant_api_settings")
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    # A registered document is immutable (its hash is its identity): add or remove, never rewrite.
    op.execute(f"revoke update on persisted_operations from {app_role}")
    op.execute(f"revoke insert, update, delete on tenant_api_settings from {app_role}")
    op.execute(f"grant insert (tenant_id, persisted_operations_only) on tenant_api_settings to {app_role}")
    op.execute(f"grant update (persisted_operations_only, updated_at) on tenant_api_settings to {app_role}")


def downgrade() -> None:
    op.execute("drop table tenant_api_settings")
    op.execute("drop table persisted_operations")
