"""Documents: records, committed versions, links to other records, pending uploads, per-tenant limits.

Bytes live in the blob store under `tenants/<tenant_id>/documents/<document_id>/<version id>`; these
tables only point at them. A `document_versions` row is written only after its object exists and
matches, so a row never points at nothing; objects with no row are removed by `documents.orphans`.

Revision ID: 0050_documents
Revises: 0003_tenant_registry
Create Date: 2026-11-25
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0050_documents"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

TABLES = ["documents", "document_versions", "document_links", "document_uploads", "document_settings"]


def upgrade() -> None:
    op.execute("""
        create table documents (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(255) not null,
            content_type varchar(255) not null,
            size bigint not null check (size >= 0),
            sha256 char(64) not null,
            current_version integer not null default 1,
            owner_id uuid not null,
            tags text[] not null default '{}',
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            deleted_at timestamptz,
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id)
        )""")
    op.execute("create index documents_name_idx on documents (tenant_id, lower(name), id)")
    op.execute("create index documents_created_idx on documents (tenant_id, created_at, id)")
    op.execute("create index documents_owner_idx on documents (tenant_id, owner_id)")
    op.execute("create index documents_tags_idx on documents using gin (tenant_id, tags)")

    op.execute("""
        create table document_versions (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            document_id uuid not null,
            number integer not null check (number >= 1),
            storage_key text not null,
            size bigint not null check (size >= 0),
            sha256 char(64) not null,
            content_type varchar(255) not null,
            created_by_id uuid,
            created_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, document_id) references documents(tenant_id, id) on delete cascade,
            unique (tenant_id, document_id, number),
            unique (tenant_id, storage_key)
        )""")

    op.execute("""
        create table document_links (
            tenant_id uuid not null references tenants(id) on delete cascade,
            document_id uuid not null,
            target_type varchar(40) not null,
            target_id uuid not null,
            role varchar(40) not null default 'attachment',
            created_by_id uuid,
            created_at timestamptz not null default now(),
            primary key (tenant_id, document_id, target_type, target_id, role),
            foreign key (tenant_id, document_id) references documents(tenant_id, id) on delete cascade
        )""")
    op.execute("create index document_links_target_idx on document_links (tenant_id, target_type, target_id)")
    # The slot: at most one signed copy per record (a contract's, later).
    op.execute(
        "create unique index document_links_one_signed_copy_idx on document_links"
        " (tenant_id, target_type, target_id) where role = 'signed_copy'"
    )

    op.execute("""
        create table document_uploads (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            document_id uuid not null,
            new_document boolean not null,
            name varchar(255) not null,
            content_type varchar(255) not null,
            size bigint not null check (size >= 0),
            sha256 char(64) not null,
            tags text[] not null default '{}',
            links jsonb not null default '[]',
            storage_key text not null,
            created_by_id uuid not null,
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            primary key (tenant_id, id),
            unique (tenant_id, storage_key)
        )""")
    op.execute("create index document_uploads_expires_idx on document_uploads (tenant_id, expires_at)")

    op.execute("""
        create table document_settings (
            tenant_id uuid not null primary key references tenants(id) on delete cascade,
            max_file_bytes bigint not null check (max_file_bytes > 0),
            quota_bytes bigint not null check (quota_bytes >= 0),
            allowed_content_types text[] not null,
            updated_at timestamptz not null default now()
        )""")

    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
