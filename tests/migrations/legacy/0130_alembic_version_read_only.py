"""The application role may read `alembic_version` (the server's pending-migration check) but not write it.

0001 granted DML on every table in the schema, and `alembic_version` was already there: a compromised
application could have marked migrations as applied (or not) and so steered the next `crm migrate`.

Revision ID: 0130_alembic_version_read_only
Revises: 0004_settings
Create Date: 2026-12-03
"""

from alembic import context, op

revision = "0130_alembic_version_read_only"
down_revision = "0004_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    app_role = context.config.attributes.get("app_role", "crm_app")
    op.execute(f"revoke insert, update, delete, truncate on alembic_version from {app_role}")
    op.execute(f"grant select on alembic_version to {app_role}")


def downgrade() -> None:
    app_role = context.config.attributes.get("app_role", "crm_app")
    op.execute(f"grant insert, update, delete on alembic_version to {app_role}")
