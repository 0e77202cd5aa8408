"""Notifications: in-app rows per recipient, their email/SMS deliveries (an outbox), per-user preferences.

`notifications` holds what a member sees in the app; `dedupe_key` makes a sender's notice idempotent per
recipient (a reminder job running twice writes one row). `notification_deliveries` is the outbox of the
other channels, one row per (notification, channel), claimed by the delivery job with FOR UPDATE SKIP
LOCKED so two runners never send the same one. `notification_preferences` is one row per member.
All three are personal: they go with the membership (ON DELETE CASCADE).

Revision ID: 0230_notifications
Revises: 0201_account_contact_counts
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0230_notifications"
down_revision = "0214_sales_approval_settings"
branch_labels = None
depends_on = None

TABLES = ("notification_deliveries", "notification_preferences", "notifications")


def upgrade() -> None:
    op.execute(
        """
create table notifications (
    tenant_id uuid not null,
    id uuid not null,
    user_id uuid not null,
    kind varchar(64) not null,
    subject varchar(300) not null,
    body text not null default '',
    link varchar(2000),
    dedupe_key varchar(300),
    created_at timestamptz not null default now(),
    read_at timestamptz,
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references memberships (tenant_id, user_id) on delete cascade,
    constraint notifications_once unique (tenant_id, user_id, dedupe_key)
)"""
    )
    op.execute(
        "create index notifications_inbox_idx on notifications (tenant_id, user_id, created_at desc, id desc)"
    )
    op.execute(
        "create index notifications_unread_idx on notifications (tenant_id, user_id) where read_at is null"
    )
    enable_tenant_rls("notifications")

    op.execute(
        """
create table notification_deliveries (
    tenant_id uuid not null,
    id uuid not null,
    notification_id uuid not null,
    channel varchar(16) not null check (channel in ('email', 'sms')),
    status varchar(16) not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    not_before timestamptz not null,
    attempts integer not null default 0,
    sent_at timestamptz,
    last_error varchar(500),
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, notification_id) references notifications (tenant_id, id) on delete cascade,
    constraint notification_deliveries_once unique (tenant_id, notification_id, channel)
)"""
    )
    op.execute(
        "create index notification_deliveries_pending_idx on notification_deliveries"
        " (tenant_id, not_before) where status = 'pending'"
    )
    enable_tenant_rls("notification_deliveries")

    op.execute(
        """
create table notification_preferences (
    tenant_id uuid not null,
    user_id uuid not null,
    email_enabled boolean not null default true,
    sms_enabled boolean not null default false,
    sms_number varchar(32),
    muted_kinds varchar(64)[] not null default '{}',
    quiet_start time,
    quiet_end time,
    time_zone varchar(64) not null default 'UTC',
    version integer not null default 1,
    updated_at timestamptz not null default now(),
    primary key (tenant_id, user_id),
    foreign key (tenant_id, user_id) references memberships (tenant_id, user_id) on delete cascade,
    check ((quiet_start is null) = (quiet_end is null))
)"""
    )
    enable_tenant_rls("notification_preferences")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
