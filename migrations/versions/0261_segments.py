"""Segments (saved list filters over accounts, contacts or leads), their frozen members, and a
campaign's target segment.

Revision ID: 0261_segments
Revises: 0260_campaigns
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0261_segments"
down_revision = "0260_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table segments (
    tenant_id uuid not null,
    id uuid not null,
    name varchar(200) not null,
    target varchar(16) not null check (target in ('account', 'contact', 'lead')),
    filter jsonb not null default '{}'::jsonb,
    frozen boolean not null default false,
    frozen_at timestamptz,
    owner_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),
    custom_sort jsonb not null default '{}' check (jsonb_typeof(custom_sort) = 'object'),
    primary key (tenant_id, id),
    foreign key (tenant_id, owner_id) references memberships (tenant_id, user_id)
)"""
    )
    op.execute("create index segments_owner on segments (tenant_id, owner_id)")
    op.execute("create index segments_created on segments (tenant_id, created_at, id)")
    op.execute("create index segments_custom_idx on segments using gin (tenant_id, custom jsonb_path_ops)")
    enable_tenant_rls("segments")
    # No foreign key to the member: a frozen segment outlives records deleted for good (they just stop
    # showing, as the list stops showing them).
    op.execute(
        """
create table segment_members (
    tenant_id uuid not null,
    segment_id uuid not null,
    member_id uuid not null,
    primary key (tenant_id, segment_id, member_id),
    foreign key (tenant_id, segment_id) references segments (tenant_id, id) on delete cascade
)"""
    )
    enable_tenant_rls("segment_members")
    op.execute("alter table campaigns add column segment_id uuid")
    op.execute(
        "alter table campaigns add constraint campaigns_segment_fkey foreign key (tenant_id, segment_id)"
        " references segments (tenant_id, id)"
    )
    op.execute("create index campaigns_segment on campaigns (tenant_id, segment_id)")


def downgrade() -> None:
    op.execute("alter table campaigns drop column segment_id")
    op.execute("drop table segment_members")
    op.execute("drop table segments")
