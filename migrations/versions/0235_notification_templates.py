"""Notification templates: a tenant's own wording of a notification kind, per language, rendered with
a sandboxed Jinja2 subset when the notification is written.

Revision ID: 0235_notification_templates
Revises: 0234_attendance_and_leave
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0235_notification_templates"
down_revision = "0234_attendance_and_leave"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table notification_templates (
    tenant_id uuid not null,
    id uuid not null,
    kind varchar(64) not null,
    locale varchar(35) not null default '',
    subject varchar(1000) not null,
    body text not null default '',
    version integer not null default 1,
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    constraint notification_templates_once unique (tenant_id, kind, locale)
)"""
    )
    enable_tenant_rls("notification_templates")


def downgrade() -> None:
    op.execute("drop table notification_templates")
