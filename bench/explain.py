"""EXPLAIN ANALYZE of SQL equivalent to what the list, search and lookup resolvers send.

The statements mirror graph/crm/filters.py (`account_conditions`, `account_ordering`), graph/crm/loaders.py
(`contact_counts_by_account_id`, `account_links_by_contact_id`) and graph/core/pagination.py (a page of
`first` fetches `first + 1` rows). They run as the application role inside the tenant, so the RLS policy
is part of every plan, exactly as in the server. asyncpg prepares every statement, and after five runs on
a connection PostgreSQL may switch to a generic plan, which cannot see which tenant is asked for; both
the custom and the generic plan are measured.
"""

from __future__ import annotations

import re
import uuid

import asyncpg

from bench.tenants import BenchTenant

ACCOUNTS_PAGE = """
select * from accounts
where tenant_id = $1 and deleted_at is null
order by lower(name), id limit 51"""

CONTACT_COUNTS = """
select contact_accounts.account_id, count(*) from contacts
join contact_accounts on contact_accounts.tenant_id = contacts.tenant_id
                     and contact_accounts.contact_id = contacts.id
where contacts.tenant_id = $1 and contacts.deleted_at is null
  and contact_accounts.account_id = any($2::uuid[])
group by contact_accounts.account_id"""

SEARCH = """
select * from accounts
where tenant_id = $1 and deleted_at is null and (name ilike $2 or domain ilike $2)
order by lower(name), id limit 21"""

CONTACT_WITH_ACCOUNT = """
select contact_accounts.*, accounts.* from contact_accounts
join accounts on accounts.tenant_id = contact_accounts.tenant_id and accounts.id = contact_accounts.account_id
where contact_accounts.contact_id = any($2::uuid[])
  and accounts.tenant_id = $1 and accounts.deleted_at is null
order by contact_accounts.is_primary desc, lower(accounts.name), accounts.id"""

# A typo: nothing matches, so an index walk in name order reads the whole tenant before it gives up.
NO_MATCH = "xqzt"
EXECUTION_TIME = re.compile(r"Execution Time: ([0-9.]+) ms")


async def explain(
    connection: asyncpg.Connection, tenant: BenchTenant, statement: str, arguments: list[object], mode: str
) -> str:
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
        await connection.execute(f"set local plan_cache_mode = {mode}")
        name = f"bench_{uuid.uuid4().hex[:8]}"
        types = (
            "uuid"
            if len(arguments) == 1
            else ("uuid, text" if isinstance(arguments[1], str) else "uuid, uuid[]")
        )
        await connection.execute(f"prepare {name} ({types}) as {statement}")
        literals = ", ".join(literal(argument) for argument in arguments)
        rows = await connection.fetch(f"explain (analyze, buffers, costs off) execute {name} ({literals})")
        await connection.execute(f"deallocate {name}")
    return "\n".join(row[0] for row in rows)


async def tenant_arguments(connection: asyncpg.Connection, tenant: BenchTenant) -> dict[str, list[uuid.UUID]]:
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
        accounts = await connection.fetch(
            "select id from accounts where deleted_at is null order by lower(name), id limit 50"
        )
        contacts = await connection.fetch("select id from contacts order by id limit 1")
    return {"accounts": [row["id"] for row in accounts], "contacts": [row["id"] for row in contacts]}


async def without_rls(admin_url: str, tenant: BenchTenant, pattern: str) -> str:
    """The search as a superuser (RLS bypassed, tenant in the WHERE clause): can the trigram index help?"""
    connection = await asyncpg.connect(admin_url)
    try:
        statement = SEARCH.replace("$1", literal(tenant.id)).replace("$2", literal(pattern))
        rows = await connection.fetch(f"explain (analyze, buffers, costs off) {statement}")
        return "\n".join(row[0] for row in rows)
    finally:
        await connection.close()


async def plans(app_url: str, admin_url: str | None, tenants: list[BenchTenant], search_term: str) -> str:
    """A markdown section: execution times per query, tenant and plan kind, then the large tenant's plans.

    With a superuser URL (`admin_url`), the search is also run without RLS for comparison.
    """
    connection = await asyncpg.connect(app_url)
    try:
        pattern = f"%{search_term}%"
        times = ["| query | tenant | custom plan ms | generic plan ms |", "| --- | --- | ---: | ---: |"]
        shown: list[str] = []
        for tenant in tenants:
            ids = await tenant_arguments(connection, tenant)
            queries = {
                "accounts page (51 by lower(name), id)": (ACCOUNTS_PAGE, [tenant.id]),
                "contact counts of that page": (CONTACT_COUNTS, [tenant.id, ids["accounts"]]),
                f"search '{search_term}' (21 by name)": (SEARCH, [tenant.id, pattern]),
                f"search '{NO_MATCH}' (matches nothing)": (SEARCH, [tenant.id, f"%{NO_MATCH}%"]),
                "contact's accounts (primaryAccount)": (CONTACT_WITH_ACCOUNT, [tenant.id, ids["contacts"]]),
            }
            for label, (statement, arguments) in queries.items():
                await explain(connection, tenant, statement, arguments, "force_custom_plan")  # warm the cache
                custom = await explain(connection, tenant, statement, arguments, "force_custom_plan")
                generic = await explain(connection, tenant, statement, arguments, "force_generic_plan")
                times.append(f"| {label} | {tenant.label} | {elapsed(custom)} | {elapsed(generic)} |")
                if tenant is tenants[0]:
                    shown.append(f"{label}, {tenant.label} tenant, generic plan:\n\n```\n{generic}\n```")
        if admin_url:
            bypass = await without_rls(admin_url, tenants[0], pattern)
            times.append(
                f"| search '{search_term}' as superuser, no RLS | {tenants[0].label} | {elapsed(bypass)} | |"
            )
            typo = await without_rls(admin_url, tenants[0], f"%{NO_MATCH}%")
            times.append(
                f"| search '{NO_MATCH}' as superuser, no RLS | {tenants[0].label} | {elapsed(typo)} | |"
            )
            title = f"search '{search_term}', {tenants[0].label} tenant, superuser (RLS bypassed)"
            shown.append(f"{title}:\n\n```\n{bypass}\n```")
        return "\n".join(times) + "\n\n" + "\n\n".join(shown)
    finally:
        await connection.close()


def literal(value: object) -> str:
    """EXPLAIN EXECUTE takes no bind parameters: uuids, uuid lists and text as SQL literals."""
    if isinstance(value, list):
        return "'{" + ",".join(str(item) for item in value) + "}'::uuid[]"
    if isinstance(value, uuid.UUID):
        return f"'{value}'::uuid"
    return "'" + str(value).replace("'", "''") + "'"


def elapsed(plan: str) -> str:
    match = EXECUTION_TIME.search(plan)
    return match.group(1) if match else "?"
