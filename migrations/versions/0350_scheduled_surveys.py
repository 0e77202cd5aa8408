"""Service desk, issue 16 remainder: survey definitions with free questions, schedules that send them to a
marketing segment of contacts, the mail outbox of survey links, a public knowledge base, contact opt-out.

- `survey_definitions`: a CSAT or NPS score plus free questions (JSON list, validated by the service:
  text, single/multi choice, rating); `service_settings.survey_definition_id` makes one the survey a
  closed ticket sends.
- `survey_schedules` (one-off or recurring) and `survey_schedule_runs` (what each run sent and skipped).
- `surveys` gains `definition_id`, `schedule_id` and `answers` (the free answers, by question key); a
  scheduled survey's subject is its schedule (and the contact it went to), so exactly one of ticket,
  project and schedule is set.
- `survey_mailings`: the outbox of survey links to contacts (the link is kept only until it is sent).
- `contacts.email_opt_out`: the contact asked for no email (a constant default: no table rewrite).
- `service_settings.public_kb_key_hash` (the public knowledge base's key, SHA-256) and `kb_public_votes`
  (one helpfulness vote per article and visitor token, the token stored as SHA-256).

Every new table: composite primary key (tenant_id, id), composite foreign keys, indexes leading with
tenant_id, RLS enabled and forced with the standard policy; grants come from the default privileges.

Revision ID: 0350_scheduled_surveys
Revises: 0290_workday_rest
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0350_scheduled_surveys"
down_revision = "0290_workday_rest"
branch_labels = None
depends_on = None

TABLES = [
    "survey_definitions",
    "survey_schedules",
    "survey_schedule_runs",
    "survey_mailings",
    "kb_public_votes",
]

STATEMENTS = [
    """
create table survey_definitions (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    name varchar(200) not null,
    kind varchar(8) not null check (kind in ('csat', 'nps')),
    intro text,
    questions jsonb not null default '[]'::jsonb check (jsonb_typeof(questions) = 'array'),
    active boolean not null default true,
    created_by_id uuid,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id)
)
""",
    "create index survey_definitions_name_idx on survey_definitions (tenant_id, name, id)",
    """
create table survey_schedules (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    name varchar(200) not null,
    definition_id uuid not null,
    segment_id uuid not null,
    owner_id uuid not null,
    repeat varchar(8) not null check (repeat in ('once', 'daily', 'weekly', 'monthly')),
    valid_days integer not null check (valid_days between 1 and 365),
    active boolean not null default true,
    next_run_at timestamptz,
    last_run_at timestamptz,
    run_count integer not null default 0,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, definition_id) references survey_definitions(tenant_id, id),
    foreign key (tenant_id, segment_id) references segments(tenant_id, id) on delete cascade,
    foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id)
)
""",
    "create index survey_schedules_due_idx on survey_schedules (tenant_id, next_run_at)"
    " where active and next_run_at is not null",
    "create index survey_schedules_definition_idx on survey_schedules (tenant_id, definition_id)",
    "create index survey_schedules_segment_idx on survey_schedules (tenant_id, segment_id)",
    "create index survey_schedules_owner_idx on survey_schedules (tenant_id, owner_id)",
    """
create table survey_schedule_runs (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    schedule_id uuid not null,
    ran_at timestamptz not null,
    recipients integer not null,
    queued integer not null,
    without_email integer not null,
    opted_out integer not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, schedule_id) references survey_schedules(tenant_id, id) on delete cascade
)
""",
    "create index survey_schedule_runs_schedule_idx on survey_schedule_runs (tenant_id, schedule_id, ran_at)",
    "alter table surveys add column definition_id uuid",
    "alter table surveys add column schedule_id uuid",
    "alter table surveys add column answers jsonb not null default '{}'::jsonb"
    " check (jsonb_typeof(answers) = 'object')",
    "alter table surveys add constraint surveys_definition_fk foreign key (tenant_id, definition_id)"
    " references survey_definitions (tenant_id, id)",
    "alter table surveys add constraint surveys_schedule_fk foreign key (tenant_id, schedule_id)"
    " references survey_schedules (tenant_id, id)",
    "alter table surveys drop constraint surveys_one_subject",
    "alter table surveys add constraint surveys_one_subject"
    " check (num_nonnulls(ticket_id, project_id, schedule_id) = 1)",
    "create index surveys_definition_idx on surveys (tenant_id, definition_id, answered_at)"
    " where definition_id is not null",
    "create index surveys_schedule_idx on surveys (tenant_id, schedule_id) where schedule_id is not null",
    """
create table survey_mailings (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    survey_id uuid not null,
    address varchar(320) not null,
    subject varchar(300) not null,
    body text,
    status varchar(8) not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts integer not null default 0,
    not_before timestamptz not null,
    sent_at timestamptz,
    last_error varchar(500),
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, survey_id) references surveys(tenant_id, id) on delete cascade,
    check ((status = 'pending') = (body is not null))
)
""",
    "create index survey_mailings_due_idx on survey_mailings (tenant_id, not_before, id)"
    " where status = 'pending'",
    "create index survey_mailings_survey_idx on survey_mailings (tenant_id, survey_id)",
    "alter table service_settings add column survey_definition_id uuid",
    "alter table service_settings add constraint service_settings_survey_definition_fk"
    " foreign key (tenant_id, survey_definition_id) references survey_definitions (tenant_id, id)",
    "alter table service_settings add column public_kb_key_hash bytea",
    "alter table contacts add column email_opt_out boolean not null default false",
    """
create table kb_public_votes (
    tenant_id uuid not null references tenants(id) on delete cascade,
    article_id uuid not null,
    visitor_hash bytea not null,
    helpful boolean not null,
    voted_at timestamptz not null,
    primary key (tenant_id, article_id, visitor_hash),
    foreign key (tenant_id, article_id) references kb_articles(tenant_id, id) on delete cascade
)
""",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    for table in TABLES:
        enable_tenant_rls(table)
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    # Runs are the record of what was sent: appended, never rewritten by the application.
    op.execute(f"revoke update, delete on survey_schedule_runs from {app_role}")


def downgrade() -> None:
    op.execute("drop table kb_public_votes")
    op.execute("alter table contacts drop column email_opt_out")
    op.execute("alter table service_settings drop column public_kb_key_hash")
    op.execute("alter table service_settings drop column survey_definition_id")
    op.execute("drop table survey_mailings")
    op.execute("delete from surveys where schedule_id is not null")
    op.execute("alter table surveys drop constraint surveys_one_subject")
    op.execute(
        "alter table surveys add constraint surveys_one_subject check (num_nonnulls(ticket_id, project_id) = 1)"
    )
    op.execute("drop index surveys_schedule_idx")
    op.execute("drop index surveys_definition_idx")
    op.execute("alter table surveys drop column answers")
    op.execute("alter table surveys drop column schedule_id")
    op.execute("alter table surveys drop column definition_id")
    op.execute("drop table survey_schedule_runs")
    op.execute("drop table survey_schedules")
    op.execute("drop table survey_definitions")
