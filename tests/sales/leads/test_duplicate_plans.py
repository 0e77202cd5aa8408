"""Duplicate lookups reach their indexes as the application role, under RLS.

Each lookup must show its key inside the index condition: a condition the planner could not push below
the RLS policy (one using a non-LEAKPROOF function such as lower()) would appear only as a filter. The
test fills its own tenant and has the owner ANALYZE the tables, so the planner costs real sizes.
"""

from __future__ import annotations

import uuid

import asyncpg

from tests.crm.sql import raw_id

FILL = [
    "insert into leads (tenant_id, id, source, last_name, email, phone, company_name)"
    " select $1, gen_random_uuid(), 'web', 'L' || n, 'l' || n || '@example.com', '555-' || n, 'Co ' || n"
    " from generate_series(1, 3000) as n",
    "insert into accounts (tenant_id, id, name) select $1, gen_random_uuid(), 'Account ' || n"
    " from generate_series(1, 3000) as n",
    "insert into contacts (tenant_id, id, first_name, last_name, emails, phones, owner_id)"
    " select $1, gen_random_uuid(), 'C', 'C' || n, array['c' || n || '@example.com'], array['555-' || n], $2"
    " from generate_series(1, 3000) as n",
]
LOOKUPS = {
    "leads_email_idx": ("email_key", "select id from leads where email_key = 'l7@example.com'"),
    "leads_phone_idx": ("phone_digits", "select id from leads where phone_digits = '5557'"),
    "leads_company_idx": ("company_key", "select id from leads where company_key = 'co 7'"),
    "accounts_company_key_idx": ("company_key", "select id from accounts where company_key = 'account 7'"),
    "contact_match_keys_pkey": (
        "key",
        "select contact_id from contact_match_keys where kind = 'email' and key = 'c7@example.com'",
    ),
}


async def test_duplicate_lookups_use_their_indexes(client, db, database_urls):
    admin = await client.sign_up()
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        for statement in FILL:
            arguments = [uuid.UUID(admin.tenant_id)] + ([raw_id(admin.user_id)] if "$2" in statement else [])
            await connection.execute(statement, *arguments)
        keys = await connection.fetchval("select count(*) from contact_match_keys")
    owner = await asyncpg.connect(database_urls.owner)
    try:
        await owner.execute("analyze leads, accounts, contact_match_keys")
    finally:
        await owner.close()
    plans = {}
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        for index, (column, query) in LOOKUPS.items():
            plans[index] = (column, [row[0] for row in await connection.fetch("explain " + query)])

    assert keys == 6000  # the trigger keeps one email and one phone key per contact
    for index, (column, plan) in plans.items():
        text = "\n".join(plan)
        assert index in text, text
        conditions = [line for line in plan if "Index Cond" in line]
        assert any(column in line for line in conditions), text
