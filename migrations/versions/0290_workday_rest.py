"""Daily work, issue 18 rest: calendar items carry the IANA time zone their recurrence is expanded in
(existing items: UTC, as they were expanded so far) and may be shared with a team (a deleted team
unshares them); an expense claim may be for a campaign (its approved amount counts in the campaign's cost).

Revision ID: 0290_workday_rest
Revises: 0263_competitor_products
Create Date: 2026-12-03
"""

from alembic import op

revision = "0290_workday_rest"
down_revision = "0280_closeout_surveys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table calendar_items add column time_zone varchar(64) not null default 'UTC'")
    op.execute(
        """
alter table calendar_items
    add column team_id uuid,
    add foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete set null (team_id)"""
    )
    op.execute(
        "create index calendar_items_team on calendar_items (tenant_id, team_id, starts_at)"
        " where team_id is not null"
    )
    op.execute(
        """
alter table expense_claims
    add column campaign_id uuid,
    add foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id)"""
    )
    op.execute(
        "create index expense_claims_campaign on expense_claims (tenant_id, campaign_id, status)"
        " where campaign_id is not null"
    )


def downgrade() -> None:
    op.execute("drop index expense_claims_campaign")
    op.execute("alter table expense_claims drop column campaign_id")
    op.execute("drop index calendar_items_team")
    op.execute("alter table calendar_items drop column team_id")
    op.execute("alter table calendar_items drop column time_zone")
