"""Which PostgreSQL to use: `DATABASE_URL` when set, otherwise the embedded server."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from config.settings import Settings
from migrations import upgrade_to_head
from tenants.embedded import DATABASE_NAME, bootstrap_roles, start_embedded_server


@dataclass(frozen=True)
class ResolvedDatabase:
    app_url: str
    owner_url: str
    embedded: bool


def resolve_database(settings: Settings) -> ResolvedDatabase:
    if settings.database_url:
        return ResolvedDatabase(
            app_url=settings.database_url,
            owner_url=settings.migration_database_url or settings.database_url,
            embedded=False,
        )
    admin_url = start_embedded_server(settings.data_dir)
    urls = asyncio.run(bootstrap_roles(admin_url, DATABASE_NAME, settings.app_role))
    return ResolvedDatabase(app_url=urls.app, owner_url=urls.owner, embedded=True)


def migrate(settings: Settings, database: ResolvedDatabase) -> None:
    upgrade_to_head(database.owner_url, settings.app_role)
