"""Projects: projects, members, status history, milestones, tasks (dependencies, checklists, comments),
time entries, expenses, cost rates, risks, templates, change requests, and generic approval chains.

Every table is tenant-owned with a composite key, composite foreign keys, indexes leading with
`tenant_id`, and the RLS wall. History tables (status history, change request history, approval
decisions) and approval chain steps are append-only for the application role.

Amounts are `numeric` without a fixed scale: services round them to the currency's minor unit (2 for EUR,
0 for JPY, 3 for KWD), and PostgreSQL keeps that scale. `opportunity_id` and `contract_id` on projects carry no foreign key yet: those tables belong to the
sales branches; a later migration with both heads as parents adds the keys.

Revision ID: 0040_projects
Revises: 0003_tenant_registry
Create Date: 2026-11-25
"""

from alembic import context, op

from migrations.helpers import enable_tenant_rls

revision = "0040_projects"
down_revision = "0003_tenant_registry"
branch_labels = None
depends_on = None

TABLES = [
    "approval_chains",
    "approval_chain_steps",
    "approval_requests",
    "approval_decisions",
    "projects",
    "project_members",
    "project_status_history",
    "milestones",
    "tasks",
    "task_dependencies",
    "task_checklist_items",
    "task_comments",
    "user_cost_rates",
    "time_entries",
    "expenses",
    "risks",
    "change_requests",
    "change_request_history",
    "project_templates",
]
APPEND_ONLY = [
    "approval_chain_steps",
    "approval_decisions",
    "project_status_history",
    "change_request_history",
]
MEMBER = "references memberships(tenant_id, user_id)"


def upgrade() -> None:
    app_role = context.config.attributes.get("app_role", "crm_app")
    create_approvals()
    create_projects()
    create_tasks()
    create_time_and_cost()
    create_risks_and_changes()
    for table in TABLES:
        enable_tenant_rls(table)
    for table in APPEND_ONLY:
        op.execute(f"revoke update, delete on {table} from {app_role}")


def create_approvals() -> None:
    op.execute(f"""
        create table approval_chains (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(200) not null,
            subject_type varchar(64) not null,
            is_active boolean not null default true,
            created_by_id uuid not null,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, created_by_id) {MEMBER}
        )""")
    op.execute(
        "create unique index approval_chains_active_subject_idx on approval_chains (tenant_id, subject_type)"
        " where is_active"
    )
    op.execute("""
        create table approval_chain_steps (
            tenant_id uuid not null references tenants(id) on delete cascade,
            chain_id uuid not null,
            position smallint not null check (position between 1 and 10),
            name varchar(200) not null,
            rule varchar(8) not null check (rule in ('all', 'any')),
            user_ids uuid[] not null default '{}',
            role_id uuid,
            primary key (tenant_id, chain_id, position),
            foreign key (tenant_id, chain_id) references approval_chains(tenant_id, id),
            foreign key (tenant_id, role_id) references roles(tenant_id, id),
            check (cardinality(user_ids) > 0 or role_id is not null)
        )""")
    op.execute(f"""
        create table approval_requests (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            chain_id uuid not null,
            subject_type varchar(64) not null,
            subject_id uuid not null,
            title varchar(300) not null,
            status varchar(16) not null default 'pending'
                check (status in ('pending', 'approved', 'rejected', 'cancelled')),
            current_step smallint not null default 1,
            requested_by_id uuid not null,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            decided_at timestamptz,
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, chain_id) references approval_chains(tenant_id, id),
            foreign key (tenant_id, requested_by_id) {MEMBER}
        )""")
    op.execute(
        "create index approval_requests_pending_idx on approval_requests (tenant_id, chain_id, current_step)"
        " where status = 'pending'"
    )
    op.execute(
        "create index approval_requests_requester_idx on approval_requests (tenant_id, requested_by_id, status)"
    )
    op.execute(
        "create index approval_requests_subject_idx on approval_requests (tenant_id, subject_type, subject_id)"
    )
    op.execute(f"""
        create table approval_decisions (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            request_id uuid not null,
            step_position smallint not null,
            approver_id uuid not null,
            decision varchar(8) not null check (decision in ('approve', 'reject')),
            comment text,
            decided_at timestamptz not null default now(),
            primary key (tenant_id, id),
            unique (tenant_id, request_id, step_position, approver_id),
            foreign key (tenant_id, request_id) references approval_requests(tenant_id, id),
            foreign key (tenant_id, approver_id) {MEMBER}
        )""")


def create_projects() -> None:
    op.execute(f"""
        create table projects (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            code varchar(40) not null,
            name varchar(200) not null,
            description text,
            account_id uuid,
            opportunity_id uuid,
            contract_id uuid,
            manager_id uuid not null,
            planned_start date,
            planned_end date,
            actual_start date,
            actual_end date,
            budget numeric check (budget < 1e16),
            currency varchar(3) not null,
            status varchar(16) not null default 'planned'
                check (status in ('planned', 'active', 'on_hold', 'done', 'cancelled')),
            created_by_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            unique (tenant_id, code),
            foreign key (tenant_id, account_id) references accounts(tenant_id, id),
            foreign key (tenant_id, manager_id) {MEMBER},
            check (planned_end is null or planned_start is null or planned_end >= planned_start),
            check (budget is null or budget >= 0)
        )""")
    op.execute("create index projects_name_idx on projects (tenant_id, lower(name), id)")
    op.execute("create index projects_manager_idx on projects (tenant_id, manager_id)")
    op.execute("create index projects_account_idx on projects (tenant_id, account_id)")
    op.execute("create index projects_opportunity_idx on projects (tenant_id, opportunity_id)")
    op.execute("create index projects_contract_idx on projects (tenant_id, contract_id)")
    op.execute("create index projects_status_idx on projects (tenant_id, status)")
    op.execute("create index projects_created_idx on projects (tenant_id, created_at, id)")
    op.execute(f"""
        create table project_members (
            tenant_id uuid not null references tenants(id) on delete cascade,
            project_id uuid not null,
            user_id uuid not null,
            role varchar(16) not null check (role in ('lead', 'contributor', 'observer')),
            added_at timestamptz not null default now(),
            primary key (tenant_id, project_id, user_id),
            foreign key (tenant_id, project_id) references projects(tenant_id, id) on delete cascade,
            foreign key (tenant_id, user_id) {MEMBER}
        )""")
    op.execute("create index project_members_user_idx on project_members (tenant_id, user_id)")
    op.execute(f"""
        create table project_status_history (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            project_id uuid not null,
            from_status varchar(16),
            to_status varchar(16) not null,
            comment text,
            changed_by_id uuid not null,
            changed_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, project_id) references projects(tenant_id, id),
            foreign key (tenant_id, changed_by_id) {MEMBER}
        )""")
    op.execute(
        "create index project_status_history_project_idx on project_status_history (tenant_id, project_id, id)"
    )
    op.execute("""
        create table milestones (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            project_id uuid not null,
            name varchar(200) not null,
            due_date date not null,
            completed_on date,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            unique (tenant_id, project_id, id),
            foreign key (tenant_id, project_id) references projects(tenant_id, id)
        )""")
    op.execute("create index milestones_project_idx on milestones (tenant_id, project_id, due_date)")


def create_tasks() -> None:
    op.execute(f"""
        create table tasks (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            project_id uuid not null,
            milestone_id uuid,
            parent_id uuid,
            title varchar(300) not null,
            description text,
            status varchar(16) not null default 'todo'
                check (status in ('todo', 'in_progress', 'blocked', 'done')),
            priority varchar(8) not null default 'medium' check (priority in ('low', 'medium', 'high', 'urgent')),
            assignee_id uuid,
            reporter_id uuid not null,
            estimate_hours numeric(8, 2) check (estimate_hours is null or estimate_hours >= 0),
            start_date date,
            due_date date,
            completed_at timestamptz,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            unique (tenant_id, project_id, id),
            foreign key (tenant_id, project_id) references projects(tenant_id, id),
            foreign key (tenant_id, project_id, milestone_id) references milestones(tenant_id, project_id, id),
            foreign key (tenant_id, project_id, parent_id) references tasks(tenant_id, project_id, id),
            foreign key (tenant_id, assignee_id) {MEMBER},
            foreign key (tenant_id, reporter_id) {MEMBER},
            check (due_date is null or start_date is null or due_date >= start_date),
            check (parent_id is null or parent_id <> id)
        )""")
    # Board (by status), Gantt (by start), my tasks (by assignee and due date), overdue (open, by due).
    op.execute("create index tasks_board_idx on tasks (tenant_id, project_id, status, id)")
    op.execute("create index tasks_gantt_idx on tasks (tenant_id, project_id, start_date, id)")
    op.execute(
        "create index tasks_assignee_idx on tasks"
        " (tenant_id, assignee_id, coalesce(due_date, '9999-12-31'::date), id)"
    )
    op.execute(
        "create index tasks_overdue_idx on tasks (tenant_id, coalesce(due_date, '9999-12-31'::date), id)"
        " where status <> 'done'"
    )
    op.execute("create index tasks_parent_idx on tasks (tenant_id, parent_id)")
    op.execute("create index tasks_milestone_idx on tasks (tenant_id, milestone_id)")
    op.execute("""
        create table task_dependencies (
            tenant_id uuid not null references tenants(id) on delete cascade,
            project_id uuid not null,
            task_id uuid not null,
            depends_on_id uuid not null,
            created_at timestamptz not null default now(),
            primary key (tenant_id, task_id, depends_on_id),
            foreign key (tenant_id, project_id, task_id) references tasks(tenant_id, project_id, id),
            foreign key (tenant_id, project_id, depends_on_id) references tasks(tenant_id, project_id, id),
            check (task_id <> depends_on_id)
        )""")
    op.execute("create index task_dependencies_project_idx on task_dependencies (tenant_id, project_id)")
    op.execute(
        "create index task_dependencies_predecessor_idx on task_dependencies (tenant_id, depends_on_id)"
    )
    op.execute("""
        create table task_checklist_items (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            task_id uuid not null,
            text varchar(500) not null,
            done boolean not null default false,
            position integer not null,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, task_id) references tasks(tenant_id, id)
        )""")
    op.execute("create index task_checklist_task_idx on task_checklist_items (tenant_id, task_id, position)")
    op.execute(f"""
        create table task_comments (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            task_id uuid not null,
            author_id uuid not null,
            body text not null,
            mentioned_user_ids uuid[] not null default '{{}}',
            created_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, task_id) references tasks(tenant_id, id),
            foreign key (tenant_id, author_id) {MEMBER}
        )""")
    op.execute("create index task_comments_task_idx on task_comments (tenant_id, task_id, created_at, id)")
    op.execute(
        "create index task_comments_mentions_idx on task_comments using gin (tenant_id, mentioned_user_ids)"
    )


def create_time_and_cost() -> None:
    op.execute(f"""
        create table user_cost_rates (
            tenant_id uuid not null references tenants(id) on delete cascade,
            user_id uuid not null,
            hourly_rate numeric not null check (hourly_rate >= 0 and hourly_rate < 1e12),
            currency varchar(3) not null,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, user_id),
            foreign key (tenant_id, user_id) {MEMBER}
        )""")
    op.execute(f"""
        create table time_entries (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            project_id uuid not null,
            task_id uuid not null,
            user_id uuid not null,
            work_date date not null,
            hours numeric(5, 2) not null check (hours > 0 and hours <= 24),
            billable boolean not null default true,
            note varchar(1000),
            created_by_id uuid not null,
            created_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, project_id, task_id) references tasks(tenant_id, project_id, id),
            foreign key (tenant_id, user_id) {MEMBER}
        )""")
    op.execute("create index time_entries_project_idx on time_entries (tenant_id, project_id, work_date, id)")
    op.execute("create index time_entries_task_idx on time_entries (tenant_id, task_id)")
    op.execute("create index time_entries_user_idx on time_entries (tenant_id, user_id, work_date)")
    op.execute(f"""
        create table expenses (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            project_id uuid not null,
            description varchar(500) not null,
            amount numeric not null check (amount > 0 and amount < 1e16),
            currency varchar(3) not null,
            incurred_on date not null,
            recorded_by_id uuid not null,
            created_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, project_id) references projects(tenant_id, id),
            foreign key (tenant_id, recorded_by_id) {MEMBER}
        )""")
    op.execute("create index expenses_project_idx on expenses (tenant_id, project_id, incurred_on, id)")


def create_risks_and_changes() -> None:
    op.execute(f"""
        create table risks (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            project_id uuid not null,
            title varchar(300) not null,
            description text,
            category varchar(100),
            probability smallint not null check (probability between 1 and 5),
            impact smallint not null check (impact between 1 and 5),
            score smallint generated always as (probability * impact) stored,
            owner_id uuid not null,
            response varchar(16) not null check (response in ('avoid', 'mitigate', 'transfer', 'accept')),
            mitigation_plan text,
            status varchar(16) not null default 'open' check (status in ('open', 'monitoring', 'closed')),
            review_date date,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, project_id) references projects(tenant_id, id),
            foreign key (tenant_id, owner_id) {MEMBER}
        )""")
    op.execute("create index risks_project_idx on risks (tenant_id, project_id, status, score)")
    op.execute(f"""
        create table change_requests (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            project_id uuid not null,
            title varchar(300) not null,
            kind varchar(16) not null check (kind in ('scope', 'schedule', 'budget')),
            reason text not null,
            description text,
            cost_impact numeric check (abs(cost_impact) < 1e16),
            new_planned_end date,
            apply_on_approval boolean not null default true,
            status varchar(16) not null default 'draft' check (status in
                ('draft', 'submitted', 'under_review', 'approved', 'rejected', 'implemented')),
            requested_by_id uuid not null,
            approval_request_id uuid,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            version integer not null default 1,
            primary key (tenant_id, id),
            foreign key (tenant_id, project_id) references projects(tenant_id, id),
            foreign key (tenant_id, requested_by_id) {MEMBER},
            foreign key (tenant_id, approval_request_id) references approval_requests(tenant_id, id)
        )""")
    op.execute("create index change_requests_project_idx on change_requests (tenant_id, project_id, id)")
    op.execute(
        "create index change_requests_approval_idx on change_requests (tenant_id, approval_request_id)"
    )
    op.execute(f"""
        create table change_request_history (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            change_request_id uuid not null,
            from_status varchar(16),
            to_status varchar(16) not null,
            comment text,
            changed_by_id uuid not null,
            changed_at timestamptz not null default now(),
            primary key (tenant_id, id),
            foreign key (tenant_id, change_request_id) references change_requests(tenant_id, id),
            foreign key (tenant_id, changed_by_id) {MEMBER}
        )""")
    op.execute(
        "create index change_request_history_idx on change_request_history (tenant_id, change_request_id, id)"
    )
    op.execute(f"""
        create table project_templates (
            tenant_id uuid not null references tenants(id) on delete cascade,
            id uuid not null,
            name varchar(200) not null,
            description text,
            content jsonb not null,
            created_by_id uuid not null,
            created_at timestamptz not null default now(),
            primary key (tenant_id, id),
            unique (tenant_id, name),
            foreign key (tenant_id, created_by_id) {MEMBER}
        )""")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"drop table {table}")
