"""Alembic migrations. Run them with `crm migrate` (as the owner role).

One baseline revision (`0200_baseline`, the previous release's schema) and one linear chain after it:
a single head, which CI checks (tests/migrations/test_revisions.py). See docs/migrations.md.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(owner_url: str, app_role: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    # `command.revision(config, message, rev_id="0201_<name>")` writes versions/0201_<name>.py
    config.set_main_option("file_template", "%%(rev)s")
    config.attributes["url"] = owner_url
    config.attributes["app_role"] = app_role
    return config


def upgrade_to_head(owner_url: str, app_role: str) -> None:
    """Stamp a previous-release database onto the baseline (migrations/legacy.py), then upgrade to the
    head. "head", not "heads": a second head is a mistake Alembic then refuses to guess about."""
    from migrations.legacy import stamp_previous_release

    asyncio.run(stamp_previous_release(owner_url, app_role))
    command.upgrade(alembic_config(owner_url, app_role), "head")


async def pending_migrations(url: str) -> list[str]:
    """Heads of the code's migration graph that the database at `url` has not reached (read-only).

    Any role that may read `alembic_version` will do (the application role may). A database without
    the table has everything pending, and so has one of the previous release (its revisions are
    unknown here) until `crm migrate` stamps it onto the baseline.
    """
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, pool, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from tenants.db import to_async_url

    engine = create_async_engine(to_async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            applied: set[str] = set()
            if await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
                rows = await connection.execute(text("select version_num from alembic_version"))
                applied = {row[0] for row in rows}
    finally:
        await engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(url, ""))
    known = {entry.revision for entry in script.walk_revisions()}
    reached: set[str] = set()
    for revision in applied:
        if revision in known:
            reached.update(r.revision for r in script.iterate_revisions(revision, "base"))
    return sorted(head for head in script.get_heads() if head not in reached)
