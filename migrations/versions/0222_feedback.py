"""Customer feedback: suggestions and praise linked to the customer (account, contact, product), tagged,
with an owner and a status. Tenant-owned with the standard RLS policy; indexes lead with `tenant_id`.

Revision ID: 0222_feedback
Revises: 0221_surveys
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0222_feedback"
down_revision = "0221_surveys"
branch_labels = None
depends_on = None

STATEMENTS = [
    """
create table feedback_items (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    kind varchar(16) not null check (kind in ('suggestion', 'praise')),
    title varchar(300) not null,
    body text,
    status varchar(16) not null default 'new'
        check (status in ('new', 'under_review', 'planned', 'done', 'declined')),
    tags text[] not null default '{}',
    account_id uuid,
    contact_id uuid,
    product_id uuid,
    ticket_id uuid,
    owner_id uuid not null,
    created_by_id uuid,
    custom jsonb not null default '{}'::jsonb check (jsonb_typeof(custom) = 'object'),
    custom_sort jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_sort) = 'object'),
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, account_id) references accounts(tenant_id, id),
    foreign key (tenant_id, contact_id) references contacts(tenant_id, id),
    foreign key (tenant_id, product_id) references products(tenant_id, id),
    foreign key (tenant_id, ticket_id) references tickets(tenant_id, id),
    foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id)
)
""",
    "create index feedback_items_list_idx on feedback_items (tenant_id, created_at desc, id desc)",
    "create index feedback_items_owner_idx on feedback_items (tenant_id, owner_id, status)",
    "create index feedback_items_status_idx on feedback_items (tenant_id, status, kind)",
    "create index feedback_items_tags_idx on feedback_items using gin (tenant_id, tags)",
    "create index feedback_items_custom_idx on feedback_items using gin (tenant_id, custom jsonb_path_ops)",
    "create index feedback_items_account_idx on feedback_items (tenant_id, account_id)",
    "create index feedback_items_contact_idx on feedback_items (tenant_id, contact_id)",
    "create index feedback_items_product_idx on feedback_items (tenant_id, product_id)",
    "create index feedback_items_ticket_idx on feedback_items (tenant_id, ticket_id)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    enable_tenant_rls("feedback_items")


def downgrade() -> None:
    op.execute("drop table feedback_items")
