"""Tenant backup and restore: every tenant table, found in the catalog (so a table added by a later
revision is included without a line here), plus the documents' bytes, in one zip archive.

Archive: `manifest.json` (format, source tenant, tables in restore order, row counts, the members' emails),
`tenant.json` (the tenant's own row), `tables/<table>.jsonl` (one `to_jsonb` row per line, so every
PostgreSQL type round-trips through `jsonb_populate_record`), `blobs/<key>` (document and export files).
Reading and writing stream row by row; memory stays flat.

Restore makes a new tenant (in this or another instance), or fills an existing empty one (`into`: a tenant
made by sign-up that holds nothing but what sign-up and a first look around leave, SETUP_TABLES), in one
transaction, all or nothing. Into an existing tenant its id and name stay; its settings, roles, members and
pipelines become the archive's (members matched by email keep their access; others of the empty tenant
lose it), and its own audit and login log stay beside the archive's. Ids are
remapped without a lookup table: every UUID in a row (in uuid and text columns and inside JSON, e.g.
record references in custom fields and storage keys) becomes `uuid5(restore seed, old id)`, so references
stay consistent; the tenant id becomes the new tenant's; members' user ids map to the users with the same
email on the target instance (created, with no usable password, when missing: they reset it). Data the
database derives itself is not copied but rebuilt by its triggers as the rows arrive: contact match keys,
pipeline rollups, the accounts' live contact counts. Credentials (sessions, MFA challenges, invitations,
API keys) are left out. Foreign keys decide the order; a reference to a row
of the same table (or of a table not restored yet) is written in a second pass.
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import Transactions
from storage import BlobStore
from tenants.db import Database, enter_tenant
from tenants.ids import new_id

FORMAT = "crm-tenant-backup/1"
# Rows the database maintains itself (triggers): rebuilt on restore, never copied.
DERIVED_TABLES = frozenset(
    {
        "contact_match_keys",
        "opportunity_stage_rollups",
        "opportunity_close_rollups",
        "opportunity_close_span_rollups",
    }
)
# Report rollups the `reports.refresh` job rebuilds, and its refresh markers: left out, so a restored
# tenant's reports read its records until the job's next run rebuilds them from the restored rows.
REPORT_ROLLUP_TABLES = frozenset(
    {
        "activity_day_rollups",
        "funnel_rollups",
        "customer_rollups",
        "customer_span_rollups",
        "report_refreshes",
    }
)
# Credentials do not travel: a copied session, challenge or invitation token would then open two tenants,
# and API keys name their tenant. Members sign in again; admins re-issue keys and invitations.
CREDENTIAL_TABLES = frozenset({"user_sessions", "mfa_challenges", "invitations", "api_keys"})
# Webhook endpoints hold signing secrets (a restored copy would post to the original's receivers as the
# original), their outbox and log go with them, and idempotency keys belong to the original's credentials.
INTEGRATION_TABLES = frozenset(
    {"webhook_endpoints", "webhook_deliveries", "webhook_attempts", "idempotency_keys"}
)
# Request-rate state (tenants/rate_limits.py): recomputable, and a restored tenant starts with full buckets;
# which server processes watch the tenant's events (graph/live/postgres.py): theirs, not the tenant's data;
# the admission stamp (tenants/admissions.py): a counter of the tenant's own edits, which the restore's
# writes bump again.
OPERATIONAL_TABLES = frozenset({"rate_limit_buckets", "live_listeners", "admission_stamps"})
# Columns kept by triggers: restored as their start value and counted again by the triggers.
DERIVED_COLUMNS = {"accounts": {"live_contact_count": "0"}}
# Columns holding blob-store keys: the objects go into the archive with their rows.
BLOB_COLUMNS = {"document_versions": "storage_key", "data_exports": "storage_key"}
# Global tables tenant rows may reference: users (mapped by email) and the tenant itself.
GLOBAL_REFERENCES = frozenset({"users", "tenants", "tenant_registry"})
# What a tenant holds before anyone has worked in it: sign-up's roles, first member and default pipeline,
# option lists seeded on a first look, and the logs of that. Any other row makes it "not empty".
SETUP_TABLES = frozenset(
    {
        "roles",
        "memberships",
        "pipelines",
        "pipeline_stages",
        "option_lists",
        "option_values",
        "audit_log",
        "login_events",
        "notifications",
    }
)
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: list[str]  # writable columns (no generated ones)
    references: dict[str, list[str]]  # referenced table -> this table's columns (tenant_id left out)
    key: list[str]  # primary key columns


async def tenant_tables(session: AsyncSession) -> list[TableInfo]:
    """Every table with a tenant_id column, in an order where referenced tables come first."""
    rows = await session.execute(
        text(
            "select c.relname, array_agg(a.attname order by a.attnum) filter (where a.attgenerated = '')"
            " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
            " where n.nspname = 'public' and c.relkind = 'r'"
            " and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id')"
            " group by c.relname order by c.relname"
        )
    )
    skipped = (
        DERIVED_TABLES | REPORT_ROLLUP_TABLES | CREDENTIAL_TABLES | INTEGRATION_TABLES | OPERATIONAL_TABLES
    )
    columns = {name: list(cols) for name, cols in rows if name not in skipped}
    constraints = await session.execute(
        text(
            "select c.relname, r.relname, k.contype::text,"
            " array(select a.attname from unnest(k.conkey) as u(n)"
            "       join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n)"
            " from pg_constraint k join pg_class c on c.oid = k.conrelid"
            " left join pg_class r on r.oid = k.confrelid"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and k.contype in ('f', 'p')"
        )
    )
    references: dict[str, dict[str, list[str]]] = {name: {} for name in columns}
    keys: dict[str, list[str]] = {}
    for table, target, kind, key_columns in constraints:
        if table not in columns:
            continue
        if kind == "p":
            keys[table] = list(key_columns)
        elif target in columns:
            own = [column for column in key_columns if column != "tenant_id"]
            references[table].setdefault(target, []).extend(own)
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(table: str) -> None:
        if table in ordered or table in visiting:
            return
        visiting.add(table)
        for target in references[table]:
            if target != table:
                visit(target)
        visiting.discard(table)
        ordered.append(table)

    for table in sorted(columns):
        visit(table)
    return [TableInfo(name, columns[name], references[name], keys.get(name, [])) for name in ordered]


# --- backup -------------------------------------------------------------------------------------


async def backup_tenant(db: Database, blobs: BlobStore, tenant_id: uuid.UUID, out: Path) -> dict[str, Any]:
    """Writes the tenant's archive to `out`; returns its manifest."""
    return await write_backup(lambda: db.transaction(tenant_id), blobs, tenant_id, out)


async def write_backup(
    transactions: Transactions, blobs: BlobStore, tenant_id: uuid.UUID, out: Path
) -> dict[str, Any]:
    """`backup_tenant` inside a transaction of the tenant from `transactions` (a job's, or the CLI's)."""
    async with transactions() as session:
        tables = await tenant_tables(session)
        tenant_row = await session.scalar(
            text("select to_jsonb(t)::text from tenants t where id = :id"), {"id": tenant_id}
        )
        if tenant_row is None:
            raise LookupError(f"No tenant {tenant_id}.")
        members = dict(
            (
                await session.execute(
                    text(
                        "select u.id::text, u.email from users u join memberships m on m.user_id = u.id"
                        " where m.tenant_id = :id"
                    ),
                    {"id": tenant_id},
                )
            ).all()
        )
        counts: dict[str, int] = {}
        keys: set[str] = set()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr("tenant.json", tenant_row)
            for table in tables:
                counts[table.name] = 0
                with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as entry:
                    result = await session.stream(text(f"select to_jsonb(t)::text from {table.name} t"))
                    async for (line,) in result:
                        entry.write(line.encode() + b"\n")
                        counts[table.name] += 1
                blob_column = BLOB_COLUMNS.get(table.name)
                if blob_column:
                    result = await session.stream(
                        text(
                            f"select distinct {blob_column} from {table.name} where {blob_column} is not null"
                        )
                    )
                    keys.update([key async for (key,) in result])
            for key in sorted(keys):
                with archive.open(f"blobs/{key}", "w", force_zip64=True) as entry:
                    try:
                        async for chunk in blobs.get(key):
                            entry.write(chunk)
                    except KeyError:
                        continue  # a pending or purged object: the row stays, as in the source
            manifest = {
                "format": FORMAT,
                "tenant_id": str(tenant_id),
                "tables": [table.name for table in tables],
                "rows": counts,
                "members": members,
                "blobs": len(keys),
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    return manifest


# --- restore ------------------------------------------------------------------------------------


class Remap:
    """Old UUIDs to new ones: the tenant, members by email, everything else by uuid5 of a fresh seed."""

    def __init__(self, old_tenant: str, new_tenant: uuid.UUID, users: dict[str, str]) -> None:
        self.seed = new_id()
        self.fixed = {old_tenant: str(new_tenant), **users}

    def one(self, value: str) -> str:
        return self.fixed.get(value) or str(uuid.uuid5(self.seed, value))

    def line(self, line: str) -> str:
        return UUID_TEXT.sub(lambda match: self.one(match.group(0)), line)


async def target_users(session: AsyncSession, members: dict[str, str]) -> dict[str, str]:
    """Old user id -> the id of the user with that email here (created without a usable password)."""
    mapped: dict[str, str] = {}
    for old_id, email in members.items():
        found = await session.scalar(
            text("select id::text from users where lower(email) = lower(:e)"), {"e": email}
        )
        if found is None:
            found = str(new_id())
            await session.execute(
                text(
                    "insert into users (id, email, full_name, password_hash)"
                    " values (:id, :email, :name, :hash)"
                ),
                # No hash verifies against '!': the member sets a password with the reset flow.
                {"id": found, "email": email, "name": email.split("@")[0], "hash": "!restored"},
            )
        mapped[old_id] = found
    return mapped


class TenantNotEmpty(ValueError):
    """A restore `into` a tenant that already holds data: nothing was changed."""


async def restore_tenant(
    db: Database, blobs: BlobStore, archive_path: Path, name: str | None, into: uuid.UUID | None = None
) -> uuid.UUID:
    """A new tenant named `name` (or the existing empty tenant `into`, its name kept when `name` is None)
    holding the archive's data; nothing is left (or changed) if anything fails."""
    new_tenant = into or new_id()
    written: list[str] = []
    try:
        with zipfile.ZipFile(archive_path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            if manifest.get("format") != FORMAT:
                raise ValueError(f"Not a tenant backup of format {FORMAT}.")
            async with db.transaction() as session:
                users = await target_users(session, manifest["members"])
                remap = Remap(manifest["tenant_id"], new_tenant, users)
                await enter_tenant(session, new_tenant)
                tenant = json.loads(archive.read("tenant.json"))
                tables = {table.name: table for table in await tenant_tables(session)}
                if into is None:
                    await session.execute(
                        text(
                            "insert into tenants select * from"
                            " jsonb_populate_record(null::tenants, cast(:row as jsonb))"
                        ),
                        {"row": json.dumps({**tenant, "id": str(new_tenant), "name": name})},
                    )
                    await session.execute(
                        text("insert into tenant_registry (id) values (:id)"), {"id": new_tenant}
                    )
                else:
                    await clear_empty_tenant(session, into, list(tables.values()))
                    await adopt_settings(session, into, tenant, name)
                deferred: list[tuple[TableInfo, list[str]]] = []
                done: set[str] = set()
                for table_name in manifest["tables"]:
                    table = tables[table_name]
                    later = [
                        c
                        for target, cols in table.references.items()
                        if target not in done or target == table_name
                        for c in cols
                    ]
                    await insert_rows(session, archive, table, remap, later)
                    done.add(table_name)
                    if later:
                        deferred.append((table, later))
                for table, later in deferred:
                    await update_references(session, archive, table, remap, later)
                for member in archive.namelist():
                    if member.startswith("blobs/"):
                        key = remap.line(member.removeprefix("blobs/"))
                        await blobs.put(key, zip_chunks(archive, member), "application/octet-stream")
                        written.append(key)
    except BaseException:
        if written:
            await blobs.delete(written)
        raise
    return new_tenant


async def clear_empty_tenant(session: AsyncSession, tenant_id: uuid.UUID, tables: list[TableInfo]) -> None:
    """Refuses a tenant holding more than SETUP_TABLES (TenantNotEmpty), then removes its setup rows the
    archive replaces, referencing tables first; logs the application may not delete stay."""
    exists = await session.scalar(text("select count(*) from tenants where id = :id"), {"id": tenant_id})
    if not exists:
        raise TenantNotEmpty(f"No tenant {tenant_id} to restore into.")
    found = [
        table.name
        for table in tables
        if table.name not in SETUP_TABLES
        and await session.scalar(text(f"select exists (select from {table.name})"))
    ]
    if found:
        raise TenantNotEmpty(
            f"The tenant is not empty: it has {', '.join(found[:10])}. Restore into a new or empty tenant."
        )
    for table in reversed(tables):
        deletable = await session.scalar(
            text("select has_table_privilege(current_user, :t, 'DELETE')"), {"t": table.name}
        )
        if table.name in SETUP_TABLES and deletable:
            await session.execute(text(f"delete from {table.name}"))


async def adopt_settings(
    session: AsyncSession, tenant_id: uuid.UUID, tenant: dict[str, Any], name: str | None
) -> None:
    """The existing tenant takes the archive's settings (locale, currency, rules); id and name stay."""
    columns = set(
        await session.scalars(
            text(
                "select column_name from information_schema.columns where table_schema = 'public'"
                " and table_name = 'tenants' and is_generated = 'NEVER'"
            )
        )
    )
    copied = sorted((set(tenant) & columns) - {"id", "name", "created_at"})
    if copied:
        assignments = ", ".join(f"{column} = r.{column}" for column in copied)
        await session.execute(
            text(
                f"update tenants t set {assignments}"
                " from jsonb_populate_record(null::tenants, cast(:row as jsonb)) r where t.id = :id"
            ),
            {"row": json.dumps(tenant), "id": tenant_id},
        )
    if name is not None:
        await session.execute(
            text("update tenants set name = :n where id = :id"), {"n": name, "id": tenant_id}
        )


async def zip_chunks(archive: zipfile.ZipFile, member: str) -> AsyncIterator[bytes]:
    with archive.open(member) as source:
        while chunk := source.read(1024 * 1024):
            yield chunk


def table_lines(archive: zipfile.ZipFile, table: str) -> Any:
    with archive.open(f"tables/{table}.jsonl") as source:
        for raw in source:
            yield raw.decode().rstrip("\n")


async def in_batches(
    session: AsyncSession, statement: Any, archive: zipfile.ZipFile, table: TableInfo, remap: Remap
) -> None:
    """Runs `statement` on the table's remapped rows, 500 at a time (as one JSON array parameter)."""
    batch: list[str] = []
    for line in table_lines(archive, table.name):
        batch.append(remap.line(line))
        if len(batch) == 500:
            await session.execute(statement, {"rows": "[" + ",".join(batch) + "]"})
            batch = []
    if batch:
        await session.execute(statement, {"rows": "[" + ",".join(batch) + "]"})


async def insert_rows(
    session: AsyncSession, archive: zipfile.ZipFile, table: TableInfo, remap: Remap, later: list[str]
) -> None:
    fixed = {**DERIVED_COLUMNS.get(table.name, {}), **{column: "null" for column in later}}
    names = ", ".join(table.columns)
    values = ", ".join(fixed.get(column, f"r.{column}") for column in table.columns)
    statement = text(
        f"insert into {table.name} ({names}) select {values}"
        f" from jsonb_populate_recordset(null::{table.name}, cast(:rows as jsonb)) r"
    )
    await in_batches(session, statement, archive, table, remap)


async def update_references(
    session: AsyncSession, archive: zipfile.ZipFile, table: TableInfo, remap: Remap, later: list[str]
) -> None:
    """The second pass: references left null on insert (to rows of the same table, or of a cycle)."""
    assignments = ", ".join(f"{column} = r.{column}" for column in later)
    match = " and ".join(f"t.{column} = r.{column}" for column in table.key)
    statement = text(
        f"update {table.name} t set {assignments}"
        f" from jsonb_populate_recordset(null::{table.name}, cast(:rows as jsonb)) r where {match}"
    )
    await in_batches(session, statement, archive, table, remap)
