"""Batched data backfills for revisions that change what a stored value means.

Each batch is one UPDATE of at most `BATCH` rows, walked in primary-key order `(tenant_id, id)`, so no
statement holds more than a batch of row locks or builds an unbounded list in memory. The owner is bound
by FORCE RLS like the application, so the table's FORCE is lifted for the revision's transaction only
(put back before it commits); the application role is never exempt.
"""

from __future__ import annotations

import uuid

from alembic import op
from sqlalchemy import text

BATCH = 1000
FIRST_KEY = (uuid.UUID(int=0), uuid.UUID(int=0))


def backfill(
    table: str,
    assignments: str,
    where: str = "true",
    *,
    triggered: tuple[str, ...] = (),
    batch: int | None = None,
) -> int:
    """`UPDATE table SET assignments WHERE where`, in batches; returns how many rows were updated.

    `triggered`: tables the update's triggers write (their FORCE is lifted too). `table`, `assignments`
    and `where` are SQL written by the revision, never input.
    """
    batch = batch or BATCH
    bind = op.get_bind()
    for name in (table, *triggered):
        op.execute(f"alter table {name} no force row level security")
    after, updated = FIRST_KEY, 0
    while True:
        keys = bind.execute(
            text(
                f"select tenant_id, id from {table} where (tenant_id, id) > (:tenant_id, :id)"
                " order by tenant_id, id limit :batch"
            ),
            {"tenant_id": after[0], "id": after[1], "batch": batch},
        ).all()
        if not keys:
            break
        last = (keys[-1][0], keys[-1][1])
        result = bind.execute(
            text(
                f"update {table} set {assignments} where (tenant_id, id) > (:t0, :i0)"
                f" and (tenant_id, id) <= (:t1, :i1) and ({where})"
            ),
            {"t0": after[0], "i0": after[1], "t1": last[0], "i1": last[1]},
        )
        updated += result.rowcount or 0
        after = last
    for name in (table, *triggered):
        op.execute(f"alter table {name} force row level security")
    return updated
