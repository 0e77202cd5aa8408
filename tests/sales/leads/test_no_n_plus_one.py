"""A page of leads with nested owner, merge target and conversion links costs the same number of SQL
statements for 5 leads as for 50."""

from __future__ import annotations

from tests.crm.test_no_n_plus_one import counted_statements
from tests.sales.leads.documents import create_lead

PAGE = """
query($first: Int!) {
  leads(first: $first) {
    edges { node { lastName owner { email } mergedInto { id } convertedAccount { name } convertedContact { id } } }
  }
}"""


async def test_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    reps = [await client.add_member(admin, "sales", f"rep{i}") for i in range(3)]
    for index in range(50):
        await create_lead(client, admin, lastName=f"L{index:02d}", ownerId=reps[index % 3].user_id)

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 5}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 50}, admin.token)

    assert len(data_small["leads"]["edges"]) == 5
    assert len(data_large["leads"]["edges"]) == 50
    assert {e["node"]["owner"]["email"] for e in data_large["leads"]["edges"]} == {r.email for r in reps}
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 6, large
