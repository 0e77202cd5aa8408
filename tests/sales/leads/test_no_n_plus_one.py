"""A page of leads with nested owner, merge target and conversion links costs the same number of SQL
statements for 5 leads as for 50."""

from __future__ import annotations

import uuid

from tests.crm.sql import raw_id
from tests.crm.test_no_n_plus_one import counted_statements
from tests.sales.leads.documents import create_lead

PAGE = """
query($first: Int!) {
  leads(first: $first) {
    edges { node { lastName owner { email } mergedInto { id } convertedAccount { name } convertedContact { id } convertedOpportunity { id } } }
  }
}"""


async def test_statement_count_does_not_grow_with_the_page(client, app, db):
    admin = await client.sign_up()
    reps = [await client.add_member(admin, "sales", f"rep{i}") for i in range(3)]
    survivor = await create_lead(client, admin, lastName="Survivor")
    # Written in SQL to keep the test fast; the API paths are covered elsewhere.
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute(
            "insert into leads (tenant_id, id, source, last_name, owner_id, merged_into_id, status,"
            " disqualified_reason) select $1, gen_random_uuid(), 'web', 'L' || n, ($2::uuid[])[n % 3 + 1],"
            " $3, 'disqualified', 'duplicate' from generate_series(1, 49) as n",
            uuid.UUID(admin.tenant_id),
            [raw_id(rep.user_id) for rep in reps],
            raw_id(survivor["id"]),
        )

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 5}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 50}, admin.token)

    assert len(data_small["leads"]["edges"]) == 5
    assert len(data_large["leads"]["edges"]) == 50
    owners = {(e["node"]["owner"] or {}).get("email") for e in data_large["leads"]["edges"]}
    assert owners == {None, *(rep.email for rep in reps)}
    assert sum(1 for e in data_large["leads"]["edges"] if e["node"]["mergedInto"]) == 49
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 8, large
