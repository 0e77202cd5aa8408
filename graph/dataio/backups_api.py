"""The owner's backup: ask for one, list them, download one (the job writes it: `crm jobs run --job
backups.run`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.dataio import backups
from graph.dataio.export_api import ExportLink
from graph.dataio.types import TenantBackup


@strawberry.type(description="Result of asking for a backup.")
class TenantBackupPayload:
    backup: TenantBackup | None = strawberry.field(default=None, description="The queued backup.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="The workspace's backup schedule.")
class BackupSchedule:
    every_days: int | None = strawberry.field(description="Days between scheduled backups; null: none.")
    keep: int = strawberry.field(description="How many backups are kept; older ones are removed.")


@strawberry.type(description="Result of setting the schedule.")
class BackupSchedulePayload:
    schedule: BackupSchedule | None = strawberry.field(default=None, description="The schedule now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type
class BackupQuery:
    @strawberry.field(description="The workspace's backups, newest first (admins only).")
    async def tenant_backups(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[TenantBackup]:
        statement = backups.visible_backups(info.context.actor)
        session = await info.context.session()
        return await paginate(session, statement, TenantBackup.from_model, first, after, before, last)

    @strawberry.field(description="A short-lived link to a finished backup's archive (admins only; audited).")
    async def tenant_backup_url(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A TenantBackup.")]
    ) -> ExportLink:
        services = info.context.services
        url, expires_at = await backups.download_url(
            await info.context.session(),
            info.context.actor,
            services.blobs,
            decode_id(id, "TenantBackup"),
            timedelta(seconds=services.settings.download_url_seconds),
        )
        return ExportLink(url=url, expires_at=expires_at)


@strawberry.type
class BackupMutation:
    @strawberry.mutation(
        description="Back up the whole workspace (every row and document) to an archive (admins only); "
        "restore it with `crm tenant restore`."
    )
    @mutation_payload(TenantBackupPayload)
    async def request_tenant_backup(self, info: Info) -> TenantBackupPayload:
        backup = await backups.request_backup(await info.context.session(), info.context.actor)
        return TenantBackupPayload(backup=TenantBackup.from_model(backup))

    @strawberry.mutation(
        description="Back up every N days (null: only when asked), keeping the newest `keep` (admins only); "
        "`crm jobs run --job backups.run` (cron) does it."
    )
    @mutation_payload(BackupSchedulePayload)
    async def set_backup_schedule(
        self,
        info: Info,
        every_days: Annotated[
            int | None, strawberry.argument(description="1-365, or null (no schedule).")
        ] = None,
        keep: Annotated[int, strawberry.argument(description="1-100 backups.")] = 7,
    ) -> BackupSchedulePayload:
        saved = await backups.set_schedule(await info.context.session(), info.context.actor, every_days, keep)
        return BackupSchedulePayload(schedule=BackupSchedule(every_days=saved.every_days, keep=saved.keep))
