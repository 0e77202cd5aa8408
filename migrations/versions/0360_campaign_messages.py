"""Bulk messages of campaigns: per-recipient delivery rows, email opt-out flags, per-tenant send limits.

Revision ID: 0360_campaign_messages
Revises: 0290_workday_rest
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0360_campaign_messages"
down_revision = "0330_job_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The opt-out of marketing email, set by an unsubscribe link or by staff on the person's request.
    # The service desk's 0350 (survey email) adds the same contacts column: whichever runs first adds it.
    op.execute("alter table contacts add column if not exists email_opt_out boolean not null default false")
    op.execute("alter table leads add column email_opt_out boolean not null default false")
    op.execute(
        """
create table marketing_settings (
    tenant_id uuid not null primary key,
    hourly_send_limit integer not null default 1000 check (hourly_send_limit between 0 and 1000000),
    daily_send_limit integer not null default 10000 check (daily_send_limit between 0 and 10000000),
    version integer not null default 1,
    updated_at timestamptz not null default now()
)"""
    )
    enable_tenant_rls("marketing_settings")
    op.execute(
        """
create table campaign_messages (
    tenant_id uuid not null,
    id uuid not null,
    campaign_id uuid not null,
    segment_id uuid,
    channel varchar(16) not null default 'email' check (channel in ('email')),
    subject varchar(1000) not null,
    body text not null,
    status varchar(16) not null default 'sending' check (status in ('sending', 'done', 'cancelled')),
    recipient_count integer not null default 0,
    queued_count integer not null default 0,
    sent_count integer not null default 0,
    failed_count integer not null default 0,
    skipped_count integer not null default 0,
    created_by_id uuid,
    created_at timestamptz not null default now(),
    finished_at timestamptz,
    primary key (tenant_id, id),
    foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
)"""
    )
    op.execute("create index campaign_messages_campaign on campaign_messages (tenant_id, campaign_id, id)")
    op.execute(
        "create index campaign_messages_sending on campaign_messages (tenant_id, id) where status = 'sending'"
    )
    enable_tenant_rls("campaign_messages")
    # One row per member of the segment when the message was created; the primary key is the keyset of the
    # recipients connection and makes enqueueing (and a retried job) idempotent per recipient.
    op.execute(
        """
create table campaign_message_recipients (
    tenant_id uuid not null,
    message_id uuid not null,
    member_id uuid not null,
    contact_id uuid,
    lead_id uuid,
    address varchar(320),
    status varchar(16) not null
        check (status in ('queued', 'sending', 'sent', 'failed', 'skipped')),
    reason varchar(500),
    attempts integer not null default 0,
    claimed_at timestamptz,
    sent_at timestamptz,
    token_digest bytea,
    unsubscribed_at timestamptz,
    primary key (tenant_id, message_id, member_id),
    foreign key (tenant_id, message_id) references campaign_messages (tenant_id, id) on delete cascade,
    foreign key (tenant_id, contact_id) references contacts (tenant_id, id),
    foreign key (tenant_id, lead_id) references leads (tenant_id, id),
    check ((contact_id is null) <> (lead_id is null))
)"""
    )
    op.execute(
        "create index campaign_message_recipients_status"
        " on campaign_message_recipients (tenant_id, message_id, status, member_id)"
    )
    # The send limits count what was handed to the mail server in the current hour and day.
    op.execute(
        "create index campaign_message_recipients_claimed"
        " on campaign_message_recipients (tenant_id, claimed_at) where claimed_at is not null"
    )
    op.execute(
        "create unique index campaign_message_recipients_token"
        " on campaign_message_recipients (tenant_id, token_digest) where token_digest is not null"
    )
    op.execute(
        "create index campaign_message_recipients_contact on campaign_message_recipients (tenant_id, contact_id)"
        " where contact_id is not null"
    )
    op.execute(
        "create index campaign_message_recipients_lead on campaign_message_recipients (tenant_id, lead_id)"
        " where lead_id is not null"
    )
    enable_tenant_rls("campaign_message_recipients")


def downgrade() -> None:
    op.execute("drop table campaign_message_recipients")
    op.execute("drop table campaign_messages")
    op.execute("drop table marketing_settings")
    op.execute("alter table leads drop column email_opt_out")
    # contacts.email_opt_out stays: 0350 (service desk) owns it and drops it on its own downgrade.
