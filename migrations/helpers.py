"""DDL shared by revisions: the tenant wall (RLS) that every tenant-owned table gets."""

from __future__ import annotations

from alembic import op

# `nullif`: after a transaction-local set_config the setting reads '' rather than NULL on that pooled
# connection, and ''::uuid would raise. `(select ...)`: evaluated once per query, not once per row.
CURRENT_TENANT = "(select nullif(current_setting('app.tenant_id', true), '')::uuid)"
CURRENT_USER_ID = "(select nullif(current_setting('app.user_id', true), '')::uuid)"


def enable_tenant_rls(table: str, *, using: str | None = None) -> None:
    """ENABLE + FORCE row-level security with the standard tenant policy (or a wider USING)."""
    op.execute(f"alter table {table} enable row level security")
    op.execute(f"alter table {table} force row level security")
    op.execute(
        f"create policy tenant_isolation on {table} "
        f"using ({using or f'tenant_id = {CURRENT_TENANT}'}) "
        f"with check (tenant_id = {CURRENT_TENANT})"
    )
