"""Knowledge base: articles with categories, versions, draft/published, internal or public audience,
full-text search and helpfulness votes; articles linked to the tickets they resolved.

Search: PostgreSQL text search over `search_vector`, which the application fills from the published
version with `to_tsvector('simple', ...)` of a segmented text (graph/core/text_search.py): Latin words
as they are, CJK runs as single characters and overlapping bigrams, since the embedded PostgreSQL has no
Chinese parser (no zhparser or pg_jieba). Versions are append-only for the application role.

Revision ID: 0223_knowledge_base
Revises: 0222_feedback
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0223_knowledge_base"
down_revision = "0222_feedback"
branch_labels = None
depends_on = None

TABLES = ("ticket_articles", "kb_votes", "kb_article_versions", "kb_articles")

STATEMENTS = [
    """
create table kb_articles (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    title varchar(300) not null,
    body text not null,
    category varchar(100),
    audience varchar(16) not null default 'internal' check (audience in ('internal', 'public')),
    status varchar(16) not null default 'draft' check (status in ('draft', 'published', 'archived')),
    current_version integer not null default 1,
    published_version integer,
    published_title varchar(300),
    published_body text,
    published_at timestamptz,
    search_vector tsvector not null default ''::tsvector,
    helpful_count integer not null default 0,
    unhelpful_count integer not null default 0,
    author_id uuid,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, author_id) references memberships(tenant_id, user_id),
    check ((status = 'published') <= (published_version is not null))
)
""",
    "create index kb_articles_list_idx on kb_articles (tenant_id, status, updated_at desc, id desc)",
    "create index kb_articles_search_idx on kb_articles using gin (tenant_id, search_vector)",
    """
create table kb_article_versions (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    article_id uuid not null,
    number integer not null,
    title varchar(300) not null,
    body text not null,
    author_id uuid,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    unique (tenant_id, article_id, number),
    foreign key (tenant_id, article_id) references kb_articles(tenant_id, id) on delete cascade
)
""",
    """
create table kb_votes (
    tenant_id uuid not null references tenants(id) on delete cascade,
    article_id uuid not null,
    user_id uuid not null,
    helpful boolean not null,
    voted_at timestamptz not null default now(),
    primary key (tenant_id, article_id, user_id),
    foreign key (tenant_id, article_id) references kb_articles(tenant_id, id) on delete cascade,
    foreign key (tenant_id, user_id) references memberships(tenant_id, user_id)
)
""",
    """
create table ticket_articles (
    tenant_id uuid not null references tenants(id) on delete cascade,
    ticket_id uuid not null,
    article_id uuid not null,
    linked_by_id uuid,
    linked_at timestamptz not null default now(),
    primary key (tenant_id, ticket_id, article_id),
    foreign key (tenant_id, ticket_id) references tickets(tenant_id, id) on delete cascade,
    foreign key (tenant_id, article_id) references kb_articles(tenant_id, id) on delete cascade
)
""",
    "create index ticket_articles_article_idx on ticket_articles (tenant_id, article_id)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    for table in TABLES:
        enable_tenant_rls(table)
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    op.execute(f"revoke update, delete on kb_article_versions from {app_role}")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
