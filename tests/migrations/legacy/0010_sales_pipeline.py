"""Sales pipeline: pipelines and ordered stages, competitors, opportunities with their contacts and
competitors, and the append-only stage history; indexes and RLS together.

Every tenant that exists before this revision gets the default "Sales" pipeline here (a data step run
before RLS is switched on, so the owner can write every tenant's rows); tenants created afterwards get it
from the `@on_tenant_created` hook in `graph/sales/pipeline/pipelines.py`. The stage list below must stay
equal to `DEFAULT_STAGES` there.

Revision ID: 0010_sales_pipeline
Revises: 0003_tenant_registry
Create Date: 2026-11-25
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls

revision = "0010_sales_pipeline"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

TABLES = [
    "pipelines",
    "pipeline_stages",
    "competitors",
    "opportunities",
    "opportunity_contacts",
    "opportunity_competitors",
    "opportunity_stage_history",
]
DEFAULT_STAGES = [
    ("Prospecting", 10, "open"),
    ("Qualification", 20, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]


def upgrade() -> None:
    op.execute("""
        create table pipelines (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(100) not null,
            is_default boolean not null default false,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id)
        )""")
    op.execute("create unique index pipelines_name_key on pipelines (tenant_id, lower(name))")
    op.execute("create unique index pipelines_one_default_key on pipelines (tenant_id) where is_default")

    op.execute("""
        create table pipeline_stages (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            pipeline_id uuid not null,
            name varchar(100) not null,
            position integer not null,
            probability integer not null check (probability between 0 and 100),
            kind varchar(8) not null check (kind in ('open', 'won', 'lost')),
            archived_at timestamptz,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            -- the target of opportunities' (tenant, pipeline, stage) key: a stage of another pipeline
            -- cannot be referenced, whatever the service does
            unique (tenant_id, pipeline_id, id),
            foreign key (tenant_id, pipeline_id) references pipelines(tenant_id, id) on delete cascade
        )""")
    op.execute(
        "create index pipeline_stages_pipeline_idx on pipeline_stages (tenant_id, pipeline_id, position, id)"
    )
    op.execute(
        "create unique index pipeline_stages_name_key on pipeline_stages"
        " (tenant_id, pipeline_id, lower(name)) where archived_at is null"
    )

    op.execute("""
        create table competitors (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(200) not null,
            strengths text,
            weaknesses text,
            archived_at timestamptz,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id)
        )""")
    op.execute("create index competitors_name_idx on competitors (tenant_id, lower(name), id)")
    op.execute(
        "create unique index competitors_live_name_key on competitors (tenant_id, lower(name))"
        " where archived_at is null"
    )

    op.execute("""
        create table opportunities (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(200) not null,
            account_id uuid not null,
            owner_id uuid not null,
            pipeline_id uuid not null,
            stage_id uuid not null,
            status varchar(8) not null default 'open' check (status in ('open', 'won', 'lost')),
            amount numeric(18, 4) not null default 0 check (amount >= 0),
            currency char(3) not null,
            expected_close_on date,
            probability integer not null check (probability between 0 and 100),
            probability_overridden boolean not null default false,
            next_step varchar(500),
            lost_reason varchar(64),
            stage_entered_at timestamptz not null default now(),
            closed_at timestamptz,
            -- Summaries of the stage history kept on the row, so the funnel reads one table instead of
            -- joining the history: every stage entered, and each finished stay (stage, seconds).
            entered_stage_ids uuid[] not null default '{}',
            stay_stage_ids uuid[] not null default '{}',
            stay_seconds double precision[] not null default '{}',
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, account_id) references accounts(tenant_id, id),
            foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id),
            foreign key (tenant_id, pipeline_id) references pipelines(tenant_id, id),
            foreign key (tenant_id, pipeline_id, stage_id)
                references pipeline_stages(tenant_id, pipeline_id, id),
            check ((status = 'open') = (closed_at is null)),
            check (status = 'lost' or lost_reason is null)
        )""")
    # Board, funnel and forecast: one pipeline's stages, then amount order for the board's cards.
    op.execute(
        "create index opportunities_board_idx on opportunities"
        " (tenant_id, pipeline_id, stage_id, amount desc, id desc)"
    )
    op.execute("create index opportunities_owner_idx on opportunities (tenant_id, owner_id)")
    op.execute("create index opportunities_close_idx on opportunities (tenant_id, expected_close_on)")
    op.execute(
        "create index opportunities_closed_at_idx on opportunities (tenant_id, closed_at)"
        " where closed_at is not null"
    )
    op.execute("create index opportunities_account_idx on opportunities (tenant_id, account_id)")
    op.execute("create index opportunities_stage_idx on opportunities (tenant_id, stage_id)")
    op.execute("create index opportunities_name_idx on opportunities (tenant_id, lower(name), id)")
    op.execute("create index opportunities_created_idx on opportunities (tenant_id, created_at, id)")
    op.execute("create index opportunities_updated_idx on opportunities (tenant_id, updated_at, id)")

    op.execute("""
        create table opportunity_contacts (
            tenant_id uuid not null references tenants(id) on delete cascade,
            opportunity_id uuid not null,
            contact_id uuid not null,
            role varchar(16) not null
                check (role in ('decision_maker', 'influencer', 'user', 'blocker')),
            is_primary boolean not null default false,
            primary key (tenant_id, opportunity_id, contact_id),
            foreign key (tenant_id, opportunity_id) references opportunities(tenant_id, id)
                on delete cascade,
            foreign key (tenant_id, contact_id) references contacts(tenant_id, id) on delete cascade
        )""")
    op.execute(
        "create unique index opportunity_contacts_one_primary_key on opportunity_contacts"
        " (tenant_id, opportunity_id) where is_primary"
    )
    op.execute(
        "create index opportunity_contacts_contact_idx on opportunity_contacts (tenant_id, contact_id)"
    )

    op.execute("""
        create table opportunity_competitors (
            tenant_id uuid not null references tenants(id) on delete cascade,
            opportunity_id uuid not null,
            competitor_id uuid not null,
            primary key (tenant_id, opportunity_id, competitor_id),
            foreign key (tenant_id, opportunity_id) references opportunities(tenant_id, id)
                on delete cascade,
            foreign key (tenant_id, competitor_id) references competitors(tenant_id, id)
        )""")
    op.execute(
        "create index opportunity_competitors_competitor_idx on opportunity_competitors"
        " (tenant_id, competitor_id)"
    )

    op.execute("""
        create table opportunity_stage_history (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            opportunity_id uuid not null,
            pipeline_id uuid not null,
            from_stage_id uuid,
            -- when the opportunity entered `from_stage_id`: the stay there is moved_at minus this, so
            -- the funnel's days-in-stage need no window function over the whole history
            from_stage_entered_at timestamptz,
            to_stage_id uuid not null,
            probability integer not null,
            moved_by_id uuid,
            moved_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, opportunity_id) references opportunities(tenant_id, id)
                on delete cascade,
            foreign key (tenant_id, pipeline_id, from_stage_id)
                references pipeline_stages(tenant_id, pipeline_id, id),
            foreign key (tenant_id, pipeline_id, to_stage_id)
                references pipeline_stages(tenant_id, pipeline_id, id)
        )""")
    op.execute(
        "create index opportunity_stage_history_opportunity_idx on opportunity_stage_history"
        " (tenant_id, opportunity_id, moved_at, id)"
    )
    op.execute(
        "create index opportunity_stage_history_stage_idx on opportunity_stage_history"
        " (tenant_id, pipeline_id, to_stage_id)"
    )

    backfill_default_pipelines()

    for table in TABLES:
        enable_tenant_rls(table)
    # History is a record of what happened: the application appends, never rewrites.
    app_role = context.config.attributes.get("app_role", "crm_app")
    op.execute(f"revoke update, delete on opportunity_stage_history from {app_role}")


def backfill_default_pipelines() -> None:
    """The default pipeline for every existing tenant (before RLS is on, so the owner sees them all)."""
    op.execute("""
        insert into pipelines (tenant_id, id, name, is_default)
        select id, gen_random_uuid(), 'Sales', true from tenant_registry""")
    for position, (name, probability, kind) in enumerate(DEFAULT_STAGES):
        op.execute(
            "insert into pipeline_stages (tenant_id, id, pipeline_id, name, position, probability, kind)"
            f" select tenant_id, gen_random_uuid(), id, '{name}', {position}, {probability}, '{kind}'"
            " from pipelines where is_default"
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
