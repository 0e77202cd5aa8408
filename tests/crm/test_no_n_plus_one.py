"""A page of accounts with nested owner, parent, contact count and contacts costs the same number of
SQL statements for 5 accounts as for 50."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.crm.documents import create_account, create_contact, link

PAGE = """
query($first: Int!) {
  accounts(first: $first, filter: {tag: "page"}) {
    edges {
      node {
        name
        owner { email }
        parent { name }
        ancestors { name }
        contactCount
        contacts(first: 3) { edges { node { firstName } } }
        children(first: 2) { edges { node { name } } }
        timeline(first: 2) { edges { node { subject author { email } } } }
      }
    }
  }
}"""
CONTACT_PAGE = """
{ contacts(first: 50) { edges { node { firstName owner { id } accounts { account { name } } primaryAccount { name } } } } }
"""


@contextmanager
def counted_statements(app):
    statements: list[str] = []
    engine = app.state.services.db.engine.sync_engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_statement_count_does_not_grow_with_the_page(client, app):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    root = await create_account(client, admin, name="Root", tags=["page"])
    for index in range(49):
        account = await create_account(
            client,
            admin,
            name=f"Account {index:02d}",
            tags=["page"],
            parentId=root["id"],
            ownerId=rep.user_id,
        )
        if index % 10 == 0:
            for position in range(2):
                contact = await create_contact(client, admin, firstName=f"C{index}-{position}")
                await link(client, admin, contact["id"], account["id"], isPrimary=position == 0)

    with counted_statements(app) as small:
        data_small = await client.execute(PAGE, {"first": 5}, admin.token)
    with counted_statements(app) as large:
        data_large = await client.execute(PAGE, {"first": 50}, admin.token)
    with counted_statements(app) as contacts:
        await client.execute(CONTACT_PAGE, {}, admin.token)

    assert len(data_small["accounts"]["edges"]) == 5
    assert len(data_large["accounts"]["edges"]) == 50
    assert sum(e["node"]["contactCount"] for e in data_large["accounts"]["edges"]) == 10
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 15, large
    assert len(contacts) <= 10, contacts
