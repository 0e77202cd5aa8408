"""Languages (issue 20): a user's own locale (null: follow the client's Accept-Language, then the tenant's
locale) and per-tenant translations of option labels ({"zh-CN": "网站表单"}). Print templates for sales
orders, delivery notes and work orders.

Revision ID: 0340_languages
Revises: 0290_workday_rest
Create Date: 2026-12-03
"""

from alembic import op

revision = "0340_languages"
down_revision = "0364_deleted_records_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # users is global identity data (no RLS): a person reads one language in every tenant they belong to.
    op.execute("alter table users add column locale varchar(35)")
    # A constant default: no table rewrite, existing rows read '{}'.
    op.execute("alter table option_values add column labels jsonb not null default '{}'::jsonb")
    op.execute("alter table print_templates drop constraint print_templates_kind_check")
    op.execute(
        "alter table print_templates add constraint print_templates_kind_check check (kind in"
        " ('quote', 'contract', 'sales_order', 'delivery_note', 'work_order'))"
    )


def downgrade() -> None:
    op.execute("delete from print_templates where kind not in ('quote', 'contract')")
    op.execute("alter table print_templates drop constraint print_templates_kind_check")
    op.execute(
        "alter table print_templates add constraint print_templates_kind_check"
        " check (kind in ('quote', 'contract'))"
    )
    op.execute("alter table option_values drop column labels")
    op.execute("alter table users drop column locale")
