"""Custom fields on documents: `custom` values and `custom_sort` keys plus the GIN index (tenant_id
leading), and `custom` on pending uploads (values validated at requestUpload, applied at completeUpload).

Revision ID: 0083_documents_custom
Revises: 0050_documents
Create Date: 2026-11-25
"""

from alembic import op

from tests.migrations.legacy_custom_fields import add_custom_field_columns, drop_custom_field_columns

revision = "0083_documents_custom"
down_revision = "0050_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_custom_field_columns("documents")
    op.execute(
        "alter table document_uploads"
        " add column custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object')"
    )


def downgrade() -> None:
    op.execute("alter table document_uploads drop column custom")
    drop_custom_field_columns("documents")
