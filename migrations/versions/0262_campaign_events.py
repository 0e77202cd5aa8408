"""Event invitations and check-ins of campaigns, and campaign touches (the attribution trail).

Revision ID: 0262_campaign_events
Revises: 0261_segments
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0262_campaign_events"
down_revision = "0261_segments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table campaign_invitations (
    tenant_id uuid not null,
    id uuid not null,
    campaign_id uuid not null,
    contact_id uuid,
    lead_id uuid,
    status varchar(16) not null default 'invited'
        check (status in ('invited', 'confirmed', 'checked_in', 'no_show')),
    code varchar(16) not null,
    confirmed_at timestamptz,
    checked_in_at timestamptz,
    check_in_method varchar(16) check (check_in_method in ('code', 'qr', 'staff', 'walk_in')),
    checked_in_by_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade,
    foreign key (tenant_id, contact_id) references contacts (tenant_id, id),
    foreign key (tenant_id, lead_id) references leads (tenant_id, id),
    foreign key (tenant_id, checked_in_by_id) references memberships (tenant_id, user_id),
    check ((contact_id is null) <> (lead_id is null))
)"""
    )
    op.execute("create unique index campaign_invitations_code on campaign_invitations (tenant_id, code)")
    op.execute(
        "create unique index campaign_invitations_contact on campaign_invitations (tenant_id, campaign_id, contact_id)"
    )
    op.execute(
        "create unique index campaign_invitations_lead on campaign_invitations (tenant_id, campaign_id, lead_id)"
    )
    op.execute(
        "create index campaign_invitations_board on campaign_invitations (tenant_id, campaign_id, status, created_at, id)"
    )
    # The referential checks of contact and lead deletes.
    op.execute("create index campaign_invitations_contacts on campaign_invitations (tenant_id, contact_id)")
    op.execute("create index campaign_invitations_leads on campaign_invitations (tenant_id, lead_id)")
    enable_tenant_rls("campaign_invitations")
    op.execute(
        """
create table campaign_touches (
    tenant_id uuid not null,
    id uuid not null,
    campaign_id uuid not null,
    contact_id uuid,
    lead_id uuid,
    kind varchar(16) not null check (kind in ('checked_in', 'walk_in', 'response')),
    touched_at timestamptz not null,
    created_by_id uuid,
    primary key (tenant_id, id),
    foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade,
    foreign key (tenant_id, contact_id) references contacts (tenant_id, id),
    foreign key (tenant_id, lead_id) references leads (tenant_id, id),
    check ((contact_id is null) <> (lead_id is null))
)"""
    )
    op.execute("create index campaign_touches_campaign on campaign_touches (tenant_id, campaign_id)")
    op.execute("create index campaign_touches_lead on campaign_touches (tenant_id, lead_id, touched_at)")
    op.execute(
        "create index campaign_touches_contact on campaign_touches (tenant_id, contact_id, touched_at)"
    )
    enable_tenant_rls("campaign_touches")


def downgrade() -> None:
    op.execute("drop table campaign_touches")
    op.execute("drop table campaign_invitations")
