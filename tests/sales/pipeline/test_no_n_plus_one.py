"""A page of opportunities with nested account, owner, contacts, competitors, stage, pipeline and
history costs the same number of SQL statements for 5 opportunities as for 40."""

from __future__ import annotations

from tests.crm.documents import create_contact
from tests.crm.test_no_n_plus_one import counted_statements
from tests.sales.pipeline.documents import (
    create_account,
    create_opportunity,
    default_pipeline,
    moved,
    stage_named,
)
from tests.sales.pipeline.test_opportunities import create_competitor

PAGE = """
query($first: Int!) {
  opportunities(first: $first) {
    edges {
      node {
        name amount weightedAmount
        account { name owner { email } }
        owner { email }
        pipeline { name }
        stage { name kind pipeline { name } }
        contacts { role contact { lastName } }
        competitors { name }
        stageHistory { fromStage { name } toStage { name } actor { email } }
      }
    }
  }
}"""


async def test_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    pipeline = await default_pipeline(client, admin)
    rival = await create_competitor(client, admin)
    accounts = [await create_account(client, admin, name=f"Account {i}") for i in range(4)]
    contacts = [await create_contact(client, admin, lastName=f"Contact {i}") for i in range(4)]
    for index in range(40):
        opportunity = await create_opportunity(
            client,
            admin,
            accounts[index % 4]["id"],
            name=f"Deal {index}",
            ownerId=rep.user_id if index % 2 else admin.user_id,
            contacts=[{"contactId": contacts[index % 4]["id"], "role": "USER", "isPrimary": True}],
            competitorIds=[rival["id"]] if index % 3 == 0 else [],
        )
        if index % 5 == 0:
            await moved(client, admin, opportunity, stage_named(pipeline, "Proposal")["id"])

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 5}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 40}, admin.token)

    assert len(data_small["opportunities"]["edges"]) == 5
    edges = data_large["opportunities"]["edges"]
    assert len(edges) == 40
    assert all(e["node"]["contacts"][0]["contact"]["lastName"].startswith("Contact") for e in edges)
    assert sum(len(e["node"]["stageHistory"]) for e in edges) == 48
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 15, large
