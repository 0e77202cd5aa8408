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
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.errors import data_exception
from graph.core.jobs import Transactions, batched_job
from graph.dataio.files import FileProblem, records, spool
from graph.dataio.models import ACTIVE_STATUSES, DataImport, ImportRecord, ImportRowError
from graph.dataio.targets import (
    ImportTarget,
    Match,
    RowReader,
    custom_definitions,
    decode_before,
    encode_before,
    get_target,
)
from graph.live.events import Event, publish
from storage import current_blob_store
from tenants.effects import pending_effects
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.identity import role_permissions
from tenants.ids import new_id
from tenants.models import Membership, Role
from tenants.permissions import Actor

T = TypeVar("T")
BATCH_ROWS = 500
LOOK_UP = object()  # `apply`: find the row's duplicate by the target's rules (the batch path knows it)
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
        self.dry_run = False
        self.kept: list[dict[str, Any]] = []  # the batch's rows for import_records

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
        self.dry_run, import_id, self.kept = job.dry_run, job.id, []
        counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
        problems: list[tuple[int, DomainError]] = []
        if target.batch is None:
            outcomes = [
                (
                    number,
                    [cells]
                    if isinstance(cells, DomainError)
                    else await self.write_row(session, actor, target, number, cells),
                )
                for number, cells in batch
                if cells is not None
            ]
        else:
            outcomes = await self.write_rows(session, actor, target, batch)
        for number, outcome in outcomes:
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
        if self.kept:
            await session.execute(insert(ImportRecord), self.kept)
            self.kept = []
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
        number: int,
        cells: dict[str, str],
    ) -> str | list[DomainError]:
        assert self.reader is not None
        try:
            values = await self.reader.values(session, cells, actor)
        except DomainError as error:
            return row_errors(error)
        return await self.save_row(session, actor, target, number, values)

    async def save_row(
        self,
        session: AsyncSession,
        actor: Actor,
        target: ImportTarget,
        number: int,
        values: dict[str, Any],
        duplicate: Any = LOOK_UP,
    ) -> str | list[DomainError]:
        """One row through the target's single-row services, in its own savepoint."""
        applied = await attempt(session, lambda: self.apply(session, actor, target, values, duplicate))
        if isinstance(applied, DomainError):
            return row_errors(applied)
        outcome, record, before = applied
        if record is not None:
            self.keep(number, outcome, record, before)
        return outcome

    def keep(self, number: int, action: str, record: Any, before: dict[str, Any] | None) -> None:
        """What undo needs of a written row, inserted with the batch (a dry run keeps nothing)."""
        if not self.dry_run:
            self.kept.append(
                {
                    "tenant_id": self.tenant_id,
                    "id": new_id(),
                    "import_id": self.import_id,
                    "row_number": number,
                    "record_id": record.id,
                    "action": action,
                    "before": before,
                    "version_after": record.version,
                    "undone": False,
                }
            )

    async def write_rows(
        self,
        session: AsyncSession,
        actor: Actor,
        target: ImportTarget,
        batch: list[tuple[int, Any]],
    ) -> list[tuple[int, str | list[DomainError]]]:
        """A batch through the target's batch services, with the outcome each row would have had row by
        row: the duplicates of the rows are looked up together, and a row that would find a record an
        earlier row of the batch writes (a key it gets, or the record it updates) waits for that write
        and is looked up again. Updates go row by row, in order; runs of new records are created together."""
        assert self.reader is not None and target.batch is not None
        outcomes: dict[int, str | list[DomainError]] = {}
        todo: list[tuple[int, dict[str, Any]]] = []
        for number, cells in batch:
            if isinstance(cells, DomainError):
                outcomes[number] = [cells]
            elif cells is not None:
                try:
                    todo.append((number, await self.reader.values(session, cells, actor)))
                except DomainError as error:
                    outcomes[number] = row_errors(error)
        creating: list[tuple[int, dict[str, Any]]] = []
        pending: dict[int, frozenset[tuple[str, str]]] = {}  # the keys of the rows in `creating`
        pending_keys: set[tuple[str, str]] = set()  # all of them

        async def create() -> set[tuple[str, str]]:
            """The rows waiting in `creating` written; the keys of the records they created."""
            done = await self.create_rows(session, actor, target, creating)
            outcomes.update(done)
            keys = {
                key for number, row_keys in pending.items() if done[number] == "created" for key in row_keys
            }
            creating.clear()
            pending.clear()
            pending_keys.clear()
            return keys

        start = 0
        while start < len(todo):
            matches: list[Match | None] = [None] * (len(todo) - start)
            if self.duplicate_mode != "create":
                rest = [values for _, values in todo[start:]]
                matches = list(await target.batch.find_duplicates(session, actor, rest))
            written: set[tuple[str, str]] = set()  # keys of the records this run wrote
            updated: set[Any] = set()  # and the records it updated
            index = start
            for (number, values), match in zip(todo[start:], matches, strict=True):
                if match is not None and match.lookup & pending_keys:
                    written |= await create()  # a row waiting to be created has a key this one looks for
                if match is not None and (
                    match.lookup & written or (match.record is not None and match.record.id in updated)
                ):
                    break  # it would find what an earlier row wrote: look it up again
                index += 1
                if match is None or match.record is None:
                    creating.append((number, values))
                    pending[number] = match.keys if match else frozenset()
                    pending_keys.update(pending[number])
                elif self.duplicate_mode == "skip":
                    outcomes[number] = "skipped"
                else:
                    written |= await create()
                    updated.add(match.record.id)
                    written |= match.keys
                    outcomes[number] = await self.save_row(
                        session, actor, target, number, values, match.record
                    )
            written |= await create()
            start = index
        return sorted(outcomes.items(), key=lambda item: item[0])

    async def create_rows(
        self,
        session: AsyncSession,
        actor: Actor,
        target: ImportTarget,
        rows: list[tuple[int, dict[str, Any]]],
    ) -> dict[int, str | list[DomainError]]:
        """New records for these rows in one call of the target's batch create (inside a savepoint; when
        the database refuses the batch, each row goes through the single-row service instead)."""
        assert target.batch is not None
        if not rows:
            return {}
        create = target.batch.create
        created = await attempt(session, lambda: create(session, actor, [values for _, values in rows]))
        if isinstance(created, DomainError):
            return {
                number: await self.save_row(session, actor, target, number, values, None)
                for number, values in rows
            }
        outcomes: dict[int, str | list[DomainError]] = {}
        for (number, _), record in zip(rows, created, strict=True):
            if isinstance(record, DomainError):
                outcomes[number] = row_errors(record)
            else:
                outcomes[number] = "created"
                self.keep(number, "created", record, None)
        return outcomes

    async def apply(
        self,
        session: AsyncSession,
        actor: Actor,
        target: ImportTarget,
        values: dict[str, Any],
        duplicate: Any,
    ) -> tuple[str, Any, dict[str, Any] | None]:
        mode = self.duplicate_mode
        if duplicate is LOOK_UP:
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
        undone, problems = 0, []
        if target.batch is None:
            undone, problems = await self.reverse_each(session, actor, target, kept)
        else:
            # In order: runs of created records are deleted together, updated ones restored one by one.
            for created, run in itertools.groupby(kept, key=lambda k: k.action == "created"):
                reverse = self.delete_created if created else self.reverse_each
                done, refused = await reverse(session, actor, target, list(run))
                undone += done
                problems.extend(refused)
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

    async def reverse_each(
        self, session: AsyncSession, actor: Actor, target: ImportTarget, kept: list[Any]
    ) -> tuple[int, list[tuple[int, DomainError]]]:
        undone, problems = 0, []
        for kept_record in kept:
            refused = await attempt(session, lambda k=kept_record: self.reverse(session, actor, target, k))
            if isinstance(refused, DomainError):
                problems.append((kept_record.row_number, refused))
            else:
                undone += 1
        return undone, problems

    async def delete_created(
        self, session: AsyncSession, actor: Actor, target: ImportTarget, kept: list[Any]
    ) -> tuple[int, list[tuple[int, DomainError]]]:
        """`reverse` of created records through the target's batch delete: the same checks (visible,
        unchanged since the import) and outcomes, a few statements for the whole run."""
        batch = target.batch
        assert batch is not None
        problems: list[tuple[int, DomainError]] = []
        unchanged: list[Any] = []

        async def delete() -> list[Any]:
            versions = await batch.versions(session, actor, [k.record_id for k in kept])
            for kept_record in kept:
                version = versions.get(kept_record.record_id)
                if version is None:
                    problems.append((kept_record.row_number, not_found(target.object_type)))
                elif version != kept_record.version_after:
                    problems.append((kept_record.row_number, changed_since()))
                else:
                    unchanged.append(kept_record)
            expected = [(k.record_id, k.version_after) for k in unchanged]
            return await batch.delete(session, actor, expected) if expected else []

        deleted = await attempt(session, delete)
        if isinstance(deleted, DomainError):
            return await self.reverse_each(session, actor, target, kept)
        problems.extend((k.row_number, error) for k, error in zip(unchanged, deleted, strict=True) if error)
        return len(unchanged) - sum(1 for error in deleted if error), sorted(problems, key=lambda p: p[0])

    async def reverse(
        self, session: AsyncSession, actor: Actor, target: ImportTarget, kept: ImportRecord
    ) -> None:
        current = await target.get(session, actor, kept.record_id)
        if current.version != kept.version_after:
            raise changed_since()
        if kept.action == "created":
            await target.delete(session, actor, current.id, current.version)
        else:
            await target.update(
                session, actor, current.id, current.version, decode_before(target, kept.before or {})
            )


async def attempt(session: AsyncSession, write: Callable[[], Awaitable[T]]) -> T | DomainError:
    """`write` in a savepoint: its result, or, when it is refused (a DomainError, or the database's
    refusal of the data), the refusal, with nothing it did or recorded (audit entries, events) kept."""
    effects = pending_effects(session)
    saved = (list(effects.audit), list(effects.notifications))
    savepoint = await session.begin_nested()
    try:
        result = await write()
        await savepoint.commit()
    except (DomainError, DBAPIError) as error:
        await savepoint.rollback()
        effects.audit, effects.notifications = saved
        return refusal(error)
    return result


def changed_since() -> DomainError:
    return DomainError(
        ErrorCode.CONFLICT, "This record was changed after the import; it was left as it is.", "id"
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
