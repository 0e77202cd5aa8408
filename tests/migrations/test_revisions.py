"""The revision graph has one head: every new revision chains onto the previous one (docs/migrations.md)."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from migrations import alembic_config
from migrations.legacy import BASELINE_REVISION, LEGACY_REVISIONS


def test_the_revisions_form_one_chain_from_the_baseline():
    script = ScriptDirectory.from_config(alembic_config("", ""))

    heads = script.get_heads()
    assert len(heads) == 1, (
        f"more than one head: {heads}; point the newer revision's down_revision at the other head"
    )
    assert script.get_bases() == [BASELINE_REVISION]
    assert not {revision.revision for revision in script.walk_revisions()} & LEGACY_REVISIONS
