"""Service desk surveys: CSAT (1-5) or NPS (0-10) with a free comment, sent when a ticket closes and
answered once through a tokenized public link; the service settings choose the kind and the validity.

Only a SHA-256 hash of each token is stored. The token carries its tenant's id, so the public answer
sets `app.tenant_id` from it and looks the hash up under RLS like any request: a forged tenant part
finds nothing, and no table outside the tenant wall is needed. The application role may not delete
surveys (answers are evidence for the results).

Revision ID: 0221_surveys
Revises: 0220_tickets
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0221_surveys"
down_revision = "0220_tickets"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
create table surveys (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    ticket_id uuid not null,
    kind varchar(8) not null check (kind in ('csat', 'nps')),
    token_hash bytea not null,
    sent_at timestamptz not null,
    expires_at timestamptz not null,
    answered_at timestamptz,
    score smallint,
    comment text,
    agent_id uuid,
    account_id uuid,
    product_id uuid,
    primary key (tenant_id, id),
    unique (tenant_id, token_hash),
    foreign key (tenant_id, ticket_id) references tickets(tenant_id, id) on delete cascade,
    check ((answered_at is null) = (score is null)),
    check (score between 0 and case kind when 'csat' then 5 else 10 end),
    check (kind = 'nps' or score >= 1)
)
""",
    "create index surveys_ticket_idx on surveys (tenant_id, ticket_id)",
    "create index surveys_answered_idx on surveys (tenant_id, answered_at) where answered_at is not null",
    "alter table service_settings add column survey_kind varchar(8) not null default 'csat'"
    " check (survey_kind in ('none', 'csat', 'nps'))",
    "alter table service_settings add column survey_valid_days integer not null default 14"
    " check (survey_valid_days between 1 and 365)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    enable_tenant_rls("surveys")
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    op.execute(f"revoke delete on surveys from {app_role}")


def downgrade() -> None:
    op.execute("alter table service_settings drop column survey_valid_days")
    op.execute("alter table service_settings drop column survey_kind")
    op.execute("drop table surveys")
