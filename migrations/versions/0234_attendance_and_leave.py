"""Attendance and leave: one check-in/check-out per member and day (server time, optional location), and
leave requests decided through the tenant's `leave_request` approval chain. An HR system stays the
master: the API summarises and exports, it computes no pay.

Revision ID: 0234_attendance_and_leave
Revises: 0233_work_reports
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0234_attendance_and_leave"
down_revision = "0233_work_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
create table attendance_records (
    tenant_id uuid not null,
    id uuid not null,
    user_id uuid not null,
    work_day date not null,
    checked_in_at timestamptz not null,
    checked_out_at timestamptz,
    in_latitude numeric(9, 6) check (in_latitude between -90 and 90),
    in_longitude numeric(9, 6) check (in_longitude between -180 and 180),
    out_latitude numeric(9, 6) check (out_latitude between -90 and 90),
    out_longitude numeric(9, 6) check (out_longitude between -180 and 180),
    version integer not null default 1,
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references memberships (tenant_id, user_id),
    constraint attendance_once_a_day unique (tenant_id, user_id, work_day),
    check (checked_out_at is null or checked_out_at >= checked_in_at)
)"""
    )
    op.execute("create index attendance_records_day_idx on attendance_records (tenant_id, work_day)")
    enable_tenant_rls("attendance_records")
    op.execute(
        """
create table leave_requests (
    tenant_id uuid not null,
    id uuid not null,
    user_id uuid not null,
    kind varchar(16) not null check (kind in ('annual', 'sick', 'unpaid', 'other')),
    starts_on date not null,
    ends_on date not null,
    days integer not null check (days > 0),
    reason text,
    status varchar(16) not null default 'submitted' check (status in ('submitted', 'approved', 'rejected')),
    approval_request_id uuid,
    decided_at timestamptz,
    version integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, user_id) references memberships (tenant_id, user_id),
    foreign key (tenant_id, approval_request_id) references approval_requests (tenant_id, id),
    check (ends_on >= starts_on)
)"""
    )
    op.execute("create index leave_requests_user_idx on leave_requests (tenant_id, user_id, starts_on)")
    op.execute("create index leave_requests_request_idx on leave_requests (tenant_id, approval_request_id)")
    enable_tenant_rls("leave_requests")


def downgrade() -> None:
    op.execute("drop table leave_requests")
    op.execute("drop table attendance_records")
