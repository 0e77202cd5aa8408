"""Imports: saved column mappings, import runs with their persisted progress, per-row errors, and the
records each run wrote (what an undo reverses).

Every table is tenant-owned: `tenant_id uuid not null`, primary key `(tenant_id, id)`, the standard
tenant policy (ENABLE + FORCE), indexes leading with `tenant_id`. The application role gets DML from
the baseline's default privileges.

Revision ID: 0250_imports
Revises: 0201_account_contact_counts
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0250_imports"
down_revision = "0223_knowledge_base"
branch_labels = None
depends_on = None

TABLES = ("import_records", "import_row_errors", "data_imports", "import_mappings")


def upgrade() -> None:
    op.execute(
        """
create table import_mappings (
    tenant_id uuid not null,
    id uuid not null,
    object_type varchar(64) not null,
    name varchar(100) not null,
    columns jsonb not null,
    created_by_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    unique (tenant_id, object_type, name)
)"""
    )
    op.execute(
        """
create table data_imports (
    tenant_id uuid not null,
    id uuid not null,
    object_type varchar(64) not null,
    document_id uuid not null,
    storage_key text not null,
    file_name varchar(255) not null,
    file_format varchar(8) not null check (file_format in ('csv', 'xlsx')),
    encoding varchar(16),
    columns jsonb not null,
    duplicate_mode varchar(8) not null check (duplicate_mode in ('skip', 'update', 'create')),
    dry_run boolean not null,
    status varchar(16) not null check (status in
        ('queued', 'running', 'done', 'failed', 'undo_queued', 'undoing', 'undone')),
    next_row integer not null default 0,
    total_rows integer,
    created_count integer not null default 0,
    updated_count integer not null default 0,
    skipped_count integer not null default 0,
    error_count integer not null default 0,
    undone_count integer not null default 0,
    failure text,
    created_by_id uuid not null,
    undo_requested_by_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    finished_at timestamptz,
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, created_by_id) references memberships (tenant_id, user_id)
)"""
    )
    op.execute("create index data_imports_status_idx on data_imports (tenant_id, status, created_at)")
    op.execute("create index data_imports_creator_idx on data_imports (tenant_id, created_by_id, id)")
    op.execute("create index data_imports_document_idx on data_imports (tenant_id, document_id)")
    op.execute(
        """
create table import_row_errors (
    tenant_id uuid not null,
    id uuid not null,
    import_id uuid not null,
    phase varchar(8) not null check (phase in ('import', 'undo')),
    row_number integer not null,
    field varchar(200),
    code varchar(64) not null,
    message text not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, import_id) references data_imports (tenant_id, id) on delete cascade
)"""
    )
    op.execute(
        "create index import_row_errors_import_idx on import_row_errors (tenant_id, import_id, row_number, id)"
    )
    op.execute(
        """
create table import_records (
    tenant_id uuid not null,
    id uuid not null,
    import_id uuid not null,
    row_number integer not null,
    record_id uuid not null,
    action varchar(8) not null check (action in ('created', 'updated')),
    before jsonb,
    version_after integer not null,
    undone boolean not null default false,
    primary key (tenant_id, id),
    foreign key (tenant_id, import_id) references data_imports (tenant_id, id) on delete cascade
)"""
    )
    op.execute("create index import_records_import_idx on import_records (tenant_id, import_id, undone, id)")
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
