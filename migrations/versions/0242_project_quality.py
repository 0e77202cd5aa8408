"""Quality of projects: checklists (a standard and its items) kept on a project template or on one project,
inspections against a checklist with a result per item, defects (severity, owner, due date, status), and
customer acceptance by a contact, signed with a document (its SIGNED_COPY link).

Inspections are records of what was found: the application role may not update or delete them.

Revision ID: 0242_project_quality
Revises: 0241_project_materials
Create Date: 2026-12-03
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls
from tenants.embedded import checked_identifier

revision = "0242_project_quality"
down_revision = "0241_project_materials"
branch_labels = None
depends_on = None

TABLES = ("project_acceptances", "defects", "inspections", "quality_checklists")


def upgrade() -> None:
    op.execute(
        """
create table quality_checklists (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    template_id uuid,
    project_id uuid,
    name varchar(200) not null,
    standard text,
    items jsonb not null check (jsonb_typeof(items) = 'array' and jsonb_array_length(items) between 1 and 100),
    created_by_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    check ((template_id is null) <> (project_id is null)),
    foreign key (tenant_id, template_id) references project_templates(tenant_id, id) on delete cascade,
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, created_by_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute("create index quality_checklists_template_idx on quality_checklists (tenant_id, template_id)")
    op.execute("create index quality_checklists_project_idx on quality_checklists (tenant_id, project_id)")
    op.execute(
        """
create table inspections (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    project_id uuid not null,
    checklist_id uuid not null,
    title varchar(300) not null,
    inspected_on date not null,
    passed boolean not null,
    results jsonb not null check (jsonb_typeof(results) = 'array'),
    notes text,
    inspector_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, checklist_id) references quality_checklists(tenant_id, id),
    foreign key (tenant_id, inspector_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute(
        "create index inspections_project_idx on inspections (tenant_id, project_id, inspected_on, id)"
    )
    op.execute(
        """
create table defects (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    project_id uuid not null,
    inspection_id uuid,
    title varchar(300) not null,
    description text,
    severity varchar(16) not null check (severity in ('low', 'medium', 'high', 'critical')),
    owner_id uuid not null,
    due_date date,
    status varchar(16) not null default 'open' check (status in ('open', 'fixed', 'verified', 'waived')),
    resolution text,
    reported_by_id uuid not null,
    custom jsonb not null default '{}'::jsonb check (jsonb_typeof(custom) = 'object'),
    custom_sort jsonb not null default '{}'::jsonb check (jsonb_typeof(custom_sort) = 'object'),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, inspection_id) references inspections(tenant_id, id),
    foreign key (tenant_id, owner_id) references memberships(tenant_id, user_id),
    foreign key (tenant_id, reported_by_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute("create index defects_project_idx on defects (tenant_id, project_id, status)")
    op.execute("create index defects_inspection_idx on defects (tenant_id, inspection_id)")
    op.execute("create index defects_owner_idx on defects (tenant_id, owner_id, status)")
    op.execute("create index defects_custom_idx on defects using gin (tenant_id, custom jsonb_path_ops)")
    op.execute(
        """
create table project_acceptances (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    project_id uuid not null,
    contact_id uuid not null,
    scope text not null,
    status varchar(16) not null default 'pending' check (status in ('pending', 'signed', 'rejected')),
    document_id uuid,
    signed_on date,
    comment text,
    requested_by_id uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    check ((status = 'signed') = (document_id is not null and signed_on is not null)),
    foreign key (tenant_id, project_id) references projects(tenant_id, id),
    foreign key (tenant_id, contact_id) references contacts(tenant_id, id),
    foreign key (tenant_id, document_id) references documents(tenant_id, id),
    foreign key (tenant_id, requested_by_id) references memberships(tenant_id, user_id)
)"""
    )
    op.execute("create index project_acceptances_project_idx on project_acceptances (tenant_id, project_id)")
    op.execute("create index project_acceptances_contact_idx on project_acceptances (tenant_id, contact_id)")
    op.execute(
        "create index project_acceptances_document_idx on project_acceptances (tenant_id, document_id)"
    )
    for table in TABLES:
        enable_tenant_rls(table)
    app_role = checked_identifier(context.config.attributes.get("app_role", "crm_app"))
    op.execute(f"revoke update, delete on inspections from {app_role}")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"drop table {table}")
