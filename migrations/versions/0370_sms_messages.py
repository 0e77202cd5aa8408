"""Campaign SMS: an SMS consent flag on contacts and leads, the `sms` channel of campaign messages, and the
provider's delivery reports per recipient.

Revision ID: 0370_sms_messages
Revises: 0302_live_listeners
Create Date: 2026-12-03
"""

from alembic import op

revision = "0370_sms_messages"
down_revision = "0302_live_listeners"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Marketing SMS refused (a STOP reply, an unsubscribe link, or staff): a constant default, no rewrite.
    op.execute("alter table contacts add column sms_opt_out boolean not null default false")
    op.execute("alter table leads add column sms_opt_out boolean not null default false")
    op.execute("alter table campaign_messages drop constraint campaign_messages_channel_check")
    op.execute(
        "alter table campaign_messages add constraint campaign_messages_channel_check"
        " check (channel in ('email', 'sms'))"
    )
    # Counters partition the recipients by status: a delivery report moves one from sent to delivered.
    op.execute("alter table campaign_messages add column delivered_count integer not null default 0")
    op.execute(
        "alter table campaign_message_recipients drop constraint campaign_message_recipients_status_check"
    )
    op.execute(
        "alter table campaign_message_recipients add constraint campaign_message_recipients_status_check"
        " check (status in ('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped'))"
    )
    # The provider's id of the SMS, and the digest of the token in its delivery-report URL (the report
    # carries no login: the token finds the tenant and the recipient, like an unsubscribe link).
    op.execute("alter table campaign_message_recipients add column provider_id varchar(64)")
    op.execute("alter table campaign_message_recipients add column report_digest bytea")
    op.execute("alter table campaign_message_recipients add column delivered_at timestamptz")
    op.execute(
        "create unique index campaign_message_recipients_report"
        " on campaign_message_recipients (tenant_id, report_digest) where report_digest is not null"
    )


def downgrade() -> None:
    op.execute("delete from campaign_messages where channel = 'sms'")
    op.execute("drop index campaign_message_recipients_report")
    op.execute("update campaign_message_recipients set status = 'sent' where status = 'delivered'")
    op.execute("alter table campaign_message_recipients drop column delivered_at")
    op.execute("alter table campaign_message_recipients drop column report_digest")
    op.execute("alter table campaign_message_recipients drop column provider_id")
    op.execute(
        "alter table campaign_message_recipients drop constraint campaign_message_recipients_status_check"
    )
    op.execute(
        "alter table campaign_message_recipients add constraint campaign_message_recipients_status_check"
        " check (status in ('queued', 'sending', 'sent', 'failed', 'skipped'))"
    )
    op.execute("update campaign_messages set sent_count = sent_count + delivered_count")
    op.execute("alter table campaign_messages drop column delivered_count")
    op.execute("alter table campaign_messages drop constraint campaign_messages_channel_check")
    op.execute(
        "alter table campaign_messages add constraint campaign_messages_channel_check"
        " check (channel in ('email'))"
    )
    op.execute("alter table leads drop column sms_opt_out")
    op.execute("alter table contacts drop column sms_opt_out")
