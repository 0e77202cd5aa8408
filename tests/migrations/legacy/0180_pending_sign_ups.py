"""Pending sign-ups: in production `signUp` stores the request and emails a confirmation link;
`confirmSignUp` then creates the tenant and its admin.

`pending_sign_ups` is global identity data like `users` and `user_sessions` (no tenant exists yet),
so no RLS. Only the SHA-256 of the confirmation token is kept, the password only as its argon2 hash.

Revision ID: 0180_pending_sign_ups
Revises: 0140_account_security
Create Date: 2026-12-03
"""

from alembic import op

revision = "0180_pending_sign_ups"
down_revision = "0140_account_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        create table pending_sign_ups (
            id uuid primary key,
            token_hash bytea not null unique,
            email varchar(320) not null,
            full_name varchar(200) not null,
            password_hash text not null,
            tenant_name varchar(200) not null,
            locale varchar(35) not null,
            base_currency varchar(3) not null,
            created_at timestamptz not null default now(),
            expires_at timestamptz not null,
            used_at timestamptz
        )""")
    op.execute("create index pending_sign_ups_expires_idx on pending_sign_ups (expires_at)")


def downgrade() -> None:
    op.execute("drop table pending_sign_ups")
