"""Closeout surveys: a satisfaction survey may be about a project (its closeout) instead of a ticket.

`surveys.ticket_id` becomes nullable and `project_id` (with the customer `contact_id` it was sent to) is
added; exactly one subject is set. A project keeps at most one answered survey (the unique partial index),
which is the customer's satisfaction its closeout shows. Foreign keys are composite, each with an index
leading with `tenant_id`; the table's RLS policy and grants (0221_surveys) are unchanged.

Revision ID: 0280_closeout_surveys
Revises: 0263_competitor_products
Create Date: 2026-12-03
"""

from alembic import op

revision = "0280_closeout_surveys"
down_revision = "0263_competitor_products"
branch_labels = None
depends_on = None

STATEMENTS = [
    "alter table surveys alter column ticket_id drop not null",
    "alter table surveys add column project_id uuid",
    "alter table surveys add column contact_id uuid",
    "alter table surveys add constraint surveys_project_fk foreign key (tenant_id, project_id)"
    " references projects (tenant_id, id) on delete cascade",
    "alter table surveys add constraint surveys_contact_fk foreign key (tenant_id, contact_id)"
    " references contacts (tenant_id, id)",
    "alter table surveys add constraint surveys_one_subject check (num_nonnulls(ticket_id, project_id) = 1)",
    "create index surveys_project_idx on surveys (tenant_id, project_id) where project_id is not null",
    "create unique index surveys_project_answer_idx on surveys (tenant_id, project_id)"
    " where project_id is not null and answered_at is not null",
    "create index surveys_contact_idx on surveys (tenant_id, contact_id) where contact_id is not null",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("delete from surveys where project_id is not null")
    op.execute("drop index surveys_contact_idx")
    op.execute("drop index surveys_project_answer_idx")
    op.execute("drop index surveys_project_idx")
    op.execute("alter table surveys drop constraint surveys_one_subject")
    op.execute("alter table surveys drop column contact_id")
    op.execute("alter table surveys drop column project_id")
    op.execute("alter table surveys alter column ticket_id set not null")
