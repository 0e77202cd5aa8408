"""A tenant's locale and its cash-discount tax rule (issue 13).

`locale` (BCP 47, e.g. zh-CN) is chosen at sign-up and gives the default base currency and the default of
the tax rule; existing tenants get en-US, what they implicitly had. `cash_discount_reduces_tax_base` is
null while the tenant follows its locale's default and true/false once it chose explicitly.

Revision ID: 0160_money_locale
Revises: 0004_settings
Create Date: 2026-12-03
"""

from alembic import op

revision = "0160_money_locale"
down_revision = "0004_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("alter table tenants add column locale varchar(35) not null default 'en-US'")
    op.execute("alter table tenants add column cash_discount_reduces_tax_base boolean")


def downgrade() -> None:
    op.execute("alter table tenants drop column cash_discount_reduces_tax_base")
    op.execute("alter table tenants drop column locale")
