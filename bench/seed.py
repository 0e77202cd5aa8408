"""Bulk seed of the CRM tables with server-side SQL (INSERT ... SELECT generate_series, in batches).

Runs as the owner role. Row-level security is FORCEd even for the owner, so each batch is its own
transaction that first sets `app.tenant_id` (exactly what the application does); the policy's WITH CHECK
therefore verifies every seeded row. Foreign keys stay on. Ids are derived from the row number
(`md5(tenant:kind:n)::uuid`) so contacts, links and activities can point at account n without a join.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import asyncpg

from bench.tenants import BenchTenant

BATCH = 50_000

SYLLABLES = "ka lo mi ne ro sa ti vu ex or an el is on ur ba de fi go hu ja ke li mo nu pa qu re si to"
SUFFIXES = "Inc|LLC|GmbH|Ltd|Group|Labs|Partners|Holdings|Systems|Logistics|Foods|Energy"
INDUSTRIES = "Software|Retail|Manufacturing|Healthcare|Finance|Education|Logistics|Energy|Media|Agriculture"
CITIES = "Berlin|Paris|Lisbon|Austin|Toronto|Osaka|Nairobi|Lima|Oslo|Porto|Denver|Leeds"
FIRST_NAMES = (
    "Ada Alan Grace Linus Ken Barbara Edsger Margaret Donald Frances John Radia Tim Vint Bjarne Guido"
    " Anita Sophie Hedy Katherine Dennis Niklaus Leslie Shafi Joan Lynn Mary Jean Evelyn Adele"
)
LAST_NAMES = (
    "Lovelace Turing Hopper Torvalds Thompson Liskov Dijkstra Hamilton Knuth Allen Backus Perlman"
    " Berners-Lee Cerf Stroustrup Rossum Borg Wilson Lamarr Johnson Ritchie Wirth Lamport Goldwasser"
    " Clarke Conway Keller Sammet Boyd Goldberg Kay Engelbart McCarthy Minsky Shannon Hoare Milner"
)
KINDS = "call email meeting note task"


def words(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


def pick(array: str, seed: str) -> str:
    """SQL: a deterministic element of `array` chosen by hashing `seed`."""
    return f"({array})[1 + (hashtext({seed}) & 2147483647) % cardinality({array})]"


def row_id(kind: str, number: str) -> str:
    return f"md5($1::uuid::text || ':{kind}:' || {number})::uuid"


ACCOUNT_NAME = (
    "initcap("
    + " || ".join(pick("$3::text[]", f"n::text || '{part}'") for part in "abc")
    + ") || ' ' || initcap("
    + " || ".join(pick("$3::text[]", f"n::text || '{part}'") for part in "de")
    + ") || ' ' || "
    + pick("$4::text[]", "n::text || 'f'")
)

ACCOUNTS = f"""
insert into accounts (tenant_id, id, name, domain, industry, owner_id, tags, city, country,
                      created_at, updated_at)
select $1::uuid, {row_id("account", "n")}, name,
       lower(replace(name, ' ', '')) || '.example', {pick("$5::text[]", "n::text || 'i'")},
       ($2::uuid[])[1 + n % cardinality($2::uuid[])],
       case when n % 7 = 0 then array['key'] else '{{}}' end,
       {pick("$6::text[]", "n::text || 'c'")}, 'Utopia',
       now() - make_interval(days => n % 1000), now() - make_interval(days => n % 100)
from (select n, {ACCOUNT_NAME} as name from generate_series($7::int, $8::int) as n) as numbered
"""

CONTACTS = f"""
insert into contacts (tenant_id, id, first_name, last_name, emails, phones, owner_id, search_text,
                      created_at, updated_at)
select $1::uuid, {row_id("contact", "n")}, first_name, last_name,
       array[lower(first_name || '.' || last_name) || n || '@example.com'],  -- search_text below: as in
       -- graph.crm.contacts.search_text, "first last email..." lowercased
       array['+1555' || lpad(n::text, 7, '0')],
       ($2::uuid[])[1 + n % cardinality($2::uuid[])],
       lower(first_name || ' ' || last_name || ' ' || first_name || '.' || last_name) || n || '@example.com',
       now() - make_interval(days => n % 1000), now() - make_interval(days => n % 100)
from (select n, {pick("$3::text[]", "n::text || 'f'")} as first_name,
             {pick("$4::text[]", "n::text || 'l'")} as last_name
      from generate_series($5::int, $6::int) as n) as numbered
"""

# Contact n works at account 1 + n % accounts (its primary); every fifth also at the next account.
CONTACT_ACCOUNTS = f"""
insert into contact_accounts (tenant_id, contact_id, account_id, title, is_primary)
select $1::uuid, {row_id("contact", "n")}, {row_id("account", "1 + (n + extra) % $2::int")},
       case when extra = 0 then 'Buyer' else 'Advisor' end, extra = 0
from generate_series($3::int, $4::int) as n, generate_series(0, 1) as extra
where extra = 0 or (n % 5 = 0 and $2::int > 1)
"""

# Activity n concerns contact 1 + n % contacts and that contact's primary account.
ACTIVITIES = f"""
insert into activities (tenant_id, id, kind, subject, occurred_at, done, account_id, contact_id,
                        author_id, created_at, updated_at)
select $1::uuid, {row_id("activity", "n")}, kind, initcap(kind) || ' #' || n,
       now() - make_interval(mins => (hashtext(n::text) & 2147483647) % 1051200),
       n % 3 = 0, {row_id("account", "1 + (1 + n % $3::int) % $4::int")},
       {row_id("contact", "1 + n % $3::int")},
       ($2::uuid[])[1 + n % cardinality($2::uuid[])], now(), now()
from (select n, {pick("$5::text[]", "n::text || 'k'")} as kind
      from generate_series($6::int, $7::int) as n) as numbered
"""


@dataclass(frozen=True)
class Sizes:
    accounts: int
    contacts: int
    activities: int


async def in_batches(
    connection: asyncpg.Connection,
    tenant: BenchTenant,
    statement: str,
    total: int,
    arguments: list[object],
) -> None:
    """Runs `statement` for rows 1..total, BATCH rows per transaction, inside the tenant."""
    for low in range(1, total + 1, BATCH):
        high = min(total, low + BATCH - 1)
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
            await connection.execute(statement, tenant.id, *arguments, low, high)


async def seed_tenant(connection: asyncpg.Connection, tenant: BenchTenant, sizes: Sizes) -> dict[str, float]:
    """Seeds one tenant; returns seconds per table."""
    members = list(tenant.member_ids)
    timings: dict[str, float] = {}
    steps: list[tuple[str, str, int, list[object]]] = [
        (
            "accounts",
            ACCOUNTS,
            sizes.accounts,
            [members, words(SYLLABLES), words(SUFFIXES, "|"), words(INDUSTRIES, "|"), words(CITIES, "|")],
        ),
        ("contacts", CONTACTS, sizes.contacts, [members, words(FIRST_NAMES), words(LAST_NAMES)]),
        ("contact_accounts", CONTACT_ACCOUNTS, sizes.contacts, [sizes.accounts]),
        ("activities", ACTIVITIES, sizes.activities, [members, sizes.contacts, sizes.accounts, words(KINDS)]),
    ]
    for table, statement, total, arguments in steps:
        started = time.perf_counter()
        await in_batches(connection, tenant, statement, total, arguments)
        timings[table] = time.perf_counter() - started
    return timings


async def seed(owner_url: str, tenants: list[tuple[BenchTenant, Sizes]]) -> tuple[dict[str, float], float]:
    """Seeds every tenant, then VACUUM ANALYZE; returns (seconds per table summed, seconds of vacuum)."""
    connection = await asyncpg.connect(owner_url)
    try:
        await connection.execute("set synchronous_commit = off; set maintenance_work_mem = '512MB'")
        totals: dict[str, float] = {}
        for tenant, sizes in tenants:
            for table, seconds in (await seed_tenant(connection, tenant, sizes)).items():
                totals[table] = totals.get(table, 0.0) + seconds
        started = time.perf_counter()
        await connection.execute("vacuum (analyze) accounts, contacts, contact_accounts, activities")
        return totals, time.perf_counter() - started
    finally:
        await connection.close()


async def sample_ids(owner_url: str, tenant: BenchTenant, table: str, limit: int) -> list[uuid.UUID]:
    """Random ids of one tenant's live rows (one sequential scan; fine once per run)."""
    connection = await asyncpg.connect(owner_url)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
            rows = await connection.fetch(
                f"select id from {table} where deleted_at is null order by random() limit $1", limit
            )
        return [row["id"] for row in rows]
    finally:
        await connection.close()


async def sample_names(owner_url: str, tenant: BenchTenant, limit: int) -> list[str]:
    connection = await asyncpg.connect(owner_url)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
            rows = await connection.fetch(
                "select name from accounts where deleted_at is null order by random() limit $1", limit
            )
        return [row["name"] for row in rows]
    finally:
        await connection.close()
