"""The `imports.run` job: imports (and undoes) queued files batch by batch.

Each batch is one transaction holding the import's row lock: the rows' writes, their errors, the records
kept for undo and the new `next_row` commit together, so a run stopped at any point (a crash, a deploy)
resumes at the first row no committed batch covered, and two runners never do the same batch. Every row
goes through the target's service functions as the member who started the import (their role as it is
now: a member deactivated meanwhile stops the import), inside its own savepoint, so a refused row leaves
nothing and the others go on. A dry run does the same work inside a savepoint it rolls back, keeping only
the errors and the counts of what would have happened.

The file is read from a local copy, row by row (graph/dataio/files.py), so memory stays flat whatever
its size.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.errors import data_exception
from graph.core.jobs import Transactions, batched_job
from graph.dataio.files import FileProblem, records, spool
from graph.dataio.models import ACTIVE_STATUSES, DataImport, ImportRecord, ImportRowError
from graph.dataio.targets import (
    ImportTarget,
    RowReader,
    custom_definitions,
    decode_before,
    encode_before,
    get_target,
)
from graph.live.events import Event, publish
from storage import current_blob_store
from tenants.effects import pending_effects
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.identity import role_permissions
from tenants.models import Membership, Role
from tenants.permissions import Actor

BATCH_ROWS = 500
UNDO_STATUSES = ("undo_queued", "undoing")


class ImportStopped(Exception):
    """The import cannot go on (its file, its member); recorded as its failure."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message, self.row = message, row


async def member_actor(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID | None) -> Actor:
    """The member as they are now: their role's permissions, team and key."""
    row = (
        await session.execute(
            select(Membership, Role)
            .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
            .where(Membership.tenant_id == tenant_id, Membership.user_id == user_id, Membership.is_active)
        )
    ).one_or_none()
    if row is None:
        raise ImportStopped("The member who asked for this is no longer active; nothing more was done.")
    membership, role = row
    return Actor(tenant_id, membership.user_id, role_permissions(role), membership.team_id, role.key)


def error_row(
    tenant_id: uuid.UUID, import_id: uuid.UUID, phase: str, number: int, error: DomainError
) -> ImportRowError:
    return ImportRowError(
        tenant_id=tenant_id,
        import_id=import_id,
        phase=phase,
        row_number=number,
        field=(error.field or "")[:200] or None,
        code=error.code.value,
        message=error.message[:2000],
    )


async def progressed(session: AsyncSession, job: DataImport) -> None:
    """Subscribers of `dataImportChanged` hear of each committed batch (graph/dataio/live.py)."""
    await publish(session, Event(job.tenant_id, "import.progress", {"import": job.id}, job.version))


def row_errors(error: DomainError) -> list[DomainError]:
    return list(error.errors) if isinstance(error, ValidationErrors) else [error]


@batched_job("imports.run")
async def run_imports(transactions: Transactions, tenant_id: uuid.UUID, now: datetime) -> str:
    """Every queued or unfinished import (and undo) of the tenant, oldest first."""
    finished: list[str] = []
    seen: set[uuid.UUID] = set()
    while True:
        async with transactions() as session:
            import_id = await session.scalar(
                select(DataImport.id)
                .where(DataImport.tenant_id == tenant_id, DataImport.status.in_(ACTIVE_STATUSES))
                .where(DataImport.id.not_in(seen) if seen else DataImport.id.is_not(None))
                .order_by(DataImport.created_at, DataImport.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        if import_id is None:
            break
        seen.add(import_id)
        finished.append(await ImportRun(transactions, tenant_id, import_id).run())
    return f"{len(finished)} import(s): " + ", ".join(finished) if finished else "no imports"


class ImportRun:
    def __init__(self, transactions: Transactions, tenant_id: uuid.UUID, import_id: uuid.UUID) -> None:
        self.transactions, self.tenant_id, self.import_id = transactions, tenant_id, import_id
        self.path: Path | None = None
        self.rows: Iterator[tuple[int, Any]] | None = None
        self.position = -1
        self.reader: RowReader | None = None
        self.duplicate_mode = "skip"

    async def run(self) -> str:
        try:
            while True:
                try:
                    async with self.transactions() as session:
                        job = await session.scalar(
                            select(DataImport)
                            .where(DataImport.tenant_id == self.tenant_id, DataImport.id == self.import_id)
                            .with_for_update(skip_locked=True)
                        )
                        if job is None or job.status not in ACTIVE_STATUSES:
                            return job.status if job else "busy"
                        more = await (self.undo_batch if job.status in UNDO_STATUSES else self.batch)(
                            session, job
                        )
                        status = job.status
                    if not more:
                        return status
                except (ImportStopped, FileProblem) as stopped:
                    return await self.fail(stopped)
        finally:
            if self.path is not None:
                os.unlink(self.path)

    async def fail(self, stopped: ImportStopped | FileProblem) -> str:
        message = stopped.message
        async with self.transactions() as session:
            job = await session.scalar(
                select(DataImport).where(
                    DataImport.tenant_id == self.tenant_id, DataImport.id == self.import_id
                )
            )
            assert job is not None
            job.status = "failed"
            job.failure = message
            job.finished_at = datetime.now(UTC)
            phase = "undo" if job.undo_requested_by_id else "import"
            problem = DomainError(ErrorCode.INVALID, message, "file")
            session.add(error_row(self.tenant_id, job.id, phase, stopped.row, problem))
            job.error_count += 1
        return "failed"

    # --- importing ------------------------------------------------------------------------------

    async def open_rows(self, session: AsyncSession, job: DataImport, target: ImportTarget) -> None:
        """Positions the row iterator at `job.next_row` (reopening the file after a crash or when another
        runner did batches in between)."""
        if self.path is None:
            try:
                self.path = await spool(current_blob_store(), job.storage_key)
            except DomainError as error:
                raise ImportStopped(error.message) from None
        if self.rows is None or self.position != job.next_row:
            header, rows = records(self.path, job.file_format, job.encoding)
            absent = [c["column"] for c in job.columns if c["column"] not in header]
            if absent:
                raise ImportStopped(
                    f"The file has no column {', '.join(repr(c) for c in absent)}; its columns are: "
                    f"{', '.join(header)[:500]}."
                )
            next(itertools.islice(rows, job.next_row, job.next_row), None)  # skip the rows already done
            self.rows, self.position = rows, job.next_row
        self.duplicate_mode = job.duplicate_mode
        if self.reader is None:
            definitions = await custom_definitions(session, job.object_type)
            self.reader = RowReader(target, job.columns, definitions, {})

    async def batch(self, session: AsyncSession, job: DataImport) -> bool:
        actor = await member_actor(session, self.tenant_id, job.created_by_id)
        target = get_target(job.object_type)
        await self.open_rows(session, job, target)
        assert self.rows is not None and self.reader is not None
        job.status = "running"
        await session.flush()
        batch = list(itertools.islice(self.rows, BATCH_ROWS))
        effects = pending_effects(session)
        rehearsal = await session.begin_nested() if job.dry_run else None
        dry_run, import_id = job.dry_run, job.id
        counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
        problems: list[tuple[int, DomainError]] = []
        for number, cells in batch:
            if cells is None:
                continue
            if isinstance(cells, DomainError):
                outcome: str | list[DomainError] = [cells]
            else:
                outcome = await self.write_row(session, actor, target, import_id, dry_run, number, cells)
            if isinstance(outcome, list):
                problems.extend((number, error) for error in outcome)
                counts["failed"] += 1
            else:
                counts[outcome] += 1
        if rehearsal is not None:
            await rehearsal.rollback()
            effects.take()  # a dry run writes no audit entries and sends no events
        # A savepoint's rollback expires what it saw; the counts were kept aside.
        await session.refresh(job)
        session.add_all(error_row(self.tenant_id, import_id, "import", n, error) for n, error in problems)
        job.created_count += counts["created"]
        job.updated_count += counts["updated"]
        job.skipped_count += counts["skipped"]
        job.error_count += counts["failed"]
        self.position += len(batch)
        job.next_row = self.position
        if len(batch) < BATCH_ROWS:
            job.status, job.total_rows, job.finished_at = "done", self.position, datetime.now(UTC)
        await session.flush()
        await progressed(session, job)
        return job.status == "running"

    async def write_row(
        self,
        session: AsyncSession,
        actor: Actor,
        target: ImportTarget,
        import_id: uuid.UUID,
        dry_run: bool,
        number: int,
        cells: dict[str, str],
    ) -> str | list[DomainError]:
        assert self.reader is not None
        try:
            values = await self.reader.values(session, cells, actor)
        except DomainError as error:
            return row_errors(error)
        effects = pending_effects(session)
        saved = (list(effects.audit), list(effects.notifications))
        savepoint = await session.begin_nested()
        try:
            outcome, record, before = await self.apply(session, actor, target, self.duplicate_mode, values)
            await savepoint.commit()
        except (DomainError, DBAPIError) as error:
            await savepoint.rollback()
            effects.audit, effects.notifications = saved
            return row_errors(refusal(error))
        if record is not None and not dry_run:
            session.add(
                ImportRecord(
                    tenant_id=self.tenant_id,
                    import_id=import_id,
                    row_number=number,
                    record_id=record.id,
                    action=outcome,
                    before=before,
                    version_after=record.version,
                )
            )
        return outcome

    async def apply(
        self, session: AsyncSession, actor: Actor, target: ImportTarget, mode: str, values: dict[str, Any]
    ) -> tuple[str, Any, dict[str, Any] | None]:
        duplicate = None if mode == "create" else await target.find_duplicate(session, actor, values)
        if duplicate is not None and mode == "skip":
            return "skipped", None, None
        if duplicate is not None:
            before = encode_before(target, duplicate, values)
            record = await target.update(session, actor, duplicate.id, duplicate.version, values)
            return "updated", record, before
        return "created", await target.create(session, actor, values), None

    # --- undoing --------------------------------------------------------------------------------

    async def undo_batch(self, session: AsyncSession, job: DataImport) -> bool:
        actor = await member_actor(session, self.tenant_id, job.undo_requested_by_id)
        target = get_target(job.object_type)
        job.status = "undoing"
        await session.flush()
        kept = list(
            (
                await session.execute(
                    select(
                        ImportRecord.id,
                        ImportRecord.row_number,
                        ImportRecord.record_id,
                        ImportRecord.action,
                        ImportRecord.before,
                        ImportRecord.version_after,
                    )
                    .where(
                        ImportRecord.tenant_id == self.tenant_id,
                        ImportRecord.import_id == job.id,
                        ImportRecord.undone.is_(False),
                    )
                    .order_by(ImportRecord.id)
                    .limit(BATCH_ROWS)
                )
            ).all()
        )
        import_id = job.id
        effects = pending_effects(session)
        undone, problems = 0, []
        for kept_record in kept:
            saved = (list(effects.audit), list(effects.notifications))
            savepoint = await session.begin_nested()
            try:
                await self.reverse(session, actor, target, kept_record)
                await savepoint.commit()
                undone += 1
            except (DomainError, DBAPIError) as error:
                await savepoint.rollback()
                effects.audit, effects.notifications = saved
                problems.append((kept_record.row_number, refusal(error)))
        await session.refresh(job)
        session.add_all(error_row(self.tenant_id, import_id, "undo", n, error) for n, error in problems)
        if kept:
            await session.execute(
                update(ImportRecord)
                .where(ImportRecord.tenant_id == self.tenant_id, ImportRecord.id.in_([k.id for k in kept]))
                .values(undone=True)
            )
        job.undone_count += undone
        job.error_count += len(problems)
        if len(kept) < BATCH_ROWS:
            job.status, job.finished_at = "undone", datetime.now(UTC)
        await session.flush()
        await progressed(session, job)
        return job.status == "undoing"

    async def reverse(
        self, session: AsyncSession, actor: Actor, target: ImportTarget, kept: ImportRecord
    ) -> None:
        current = await target.get(session, actor, kept.record_id)
        if current.version != kept.version_after:
            raise DomainError(
                ErrorCode.CONFLICT,
                "This record was changed after the import; it was left as it is.",
                "id",
            )
        if kept.action == "created":
            await target.delete(session, actor, current.id, current.version)
        else:
            await target.update(
                session, actor, current.id, current.version, decode_before(target, kept.before or {})
            )


def refusal(error: DomainError | DBAPIError) -> DomainError:
    if isinstance(error, DomainError):
        return error
    if isinstance(error, IntegrityError):
        return DomainError(
            ErrorCode.CONFLICT, "Another write got there first (a unique value); retry the row."
        )
    refused = data_exception(error)
    if refused is None:
        raise error
    return refused
