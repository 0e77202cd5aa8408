"""Calendar items and visits: meetings, calls, visits and tasks in members' calendars, optionally
recurring (an RFC 5545 RRULE), optionally about an account or contact. A visit adds its purpose, the
check-in (time and location) and the outcome; the outcome and its follow-up are written to the
customer's timeline as activities, whose ids the item keeps.

Revision ID: 0231_calendar_items
Revises: 0230_notifications
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0231_calendar_items"
down_revision = "0230_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table calendar_items (
    tenant_id uuid not null,
    id uuid not null,
    owner_id uuid not null,
    kind varchar(16) not null check (kind in ('meeting', 'call', 'visit', 'task', 'other')),
    title varchar(300) not null,
    description text,
    location varchar(300),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    all_day boolean not null default false,
    recurrence varchar(500),
    account_id uuid,
    contact_id uuid,
    status varchar(16) not null default 'planned' check (status in ('planned', 'done', 'cancelled')),
    purpose text,
    checked_in_at timestamptz,
    check_in_latitude numeric(9, 6) check (check_in_latitude between -90 and 90),
    check_in_longitude numeric(9, 6) check (check_in_longitude between -180 and 180),
    outcome text,
    visit_activity_id uuid,
    follow_up_activity_id uuid,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, owner_id) references memberships (tenant_id, user_id),
    foreign key (tenant_id, account_id) references accounts (tenant_id, id),
    foreign key (tenant_id, contact_id) references contacts (tenant_id, id),
    foreign key (tenant_id, visit_activity_id) references activities (tenant_id, id) on delete set null (visit_activity_id),
    foreign key (tenant_id, follow_up_activity_id) references activities (tenant_id, id)
        on delete set null (follow_up_activity_id),
    check (ends_at >= starts_at)
)"""
    )
    op.execute("create index calendar_items_owner_idx on calendar_items (tenant_id, owner_id, starts_at)")
    op.execute("create index calendar_items_account_idx on calendar_items (tenant_id, account_id)")
    op.execute("create index calendar_items_contact_idx on calendar_items (tenant_id, contact_id)")
    op.execute("create index calendar_items_visit_activity_idx on calendar_items (tenant_id, visit_activity_id)")
    op.execute(
        "create index calendar_items_follow_up_activity_idx on calendar_items (tenant_id, follow_up_activity_id)"
    )
    enable_tenant_rls("calendar_items")


def downgrade() -> None:
    op.execute("drop table calendar_items")
