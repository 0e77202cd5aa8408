"""Contacts' full names: CJK family name first ("张伟"), an explicit name order, sorted and searched as shown.

`name_order` (null: guessed from the script) and `full_name`, derived by `graph/crm/names.py` and stored
so the NAME sort key is a column (index `(tenant_id, lower(full_name), id)` replaces the last/first name
index). Existing contacts get their full name, and their `search_text` starts with it instead of
"first last" (the rest, emails and searchable custom values, is kept), in batches of 1000.

Revision ID: 0173_contact_names
Revises: 0172_duplicate_keys
Create Date: 2026-12-03
"""

from alembic import op
from sqlalchemy import text

from graph.crm.names import full_name
from migrations import backfill

revision = "0173_contact_names"
down_revision = "0172_duplicate_keys"
branch_labels = None
depends_on = None


def rewrite_names() -> None:
    """Batched in primary-key order; the old search text began with `first last`, lowercased."""
    bind = op.get_bind()
    op.execute("alter table contacts no force row level security")
    after = backfill.FIRST_KEY
    while True:
        rows = bind.execute(
            text(
                "select tenant_id, id, first_name, last_name, search_text from contacts"
                " where (tenant_id, id) > (:tenant_id, :id) order by tenant_id, id limit :batch"
            ),
            {"tenant_id": after[0], "id": after[1], "batch": backfill.BATCH},
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            name = full_name(row.first_name, row.last_name)
            old_prefix = f"{row.first_name} {row.last_name}".lower()
            rest = row.search_text[len(old_prefix) :] if row.search_text.startswith(old_prefix) else ""
            updates.append({"t": row.tenant_id, "i": row.id, "name": name, "search": name.lower() + rest})
        bind.execute(
            text(
                "update contacts set full_name = :name, search_text = :search where tenant_id = :t and id = :i"
            ),
            updates,
        )
        after = (rows[-1].tenant_id, rows[-1].id)
    op.execute("alter table contacts force row level security")


def upgrade() -> None:
    op.execute(
        "alter table contacts add column name_order varchar(16)"
        " check (name_order in ('given_first', 'family_first'))"
    )
    op.execute("alter table contacts add column full_name varchar(201) not null default ''")
    rewrite_names()
    op.execute("create index contacts_full_name_idx on contacts (tenant_id, lower(full_name), id)")
    op.execute("drop index contacts_name_idx")


def downgrade() -> None:
    op.execute(
        "create index contacts_name_idx on contacts (tenant_id, lower(last_name), lower(first_name), id)"
    )
    op.execute("drop index contacts_full_name_idx")
    op.execute("alter table contacts drop column full_name")
    op.execute("alter table contacts drop column name_order")
