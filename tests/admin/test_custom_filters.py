"""Custom-field conditions and ordering in the account/contact/activity lists, and their index plans."""

from __future__ import annotations

import json
import uuid

import asyncpg
from sqlalchemy import select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from graph.crm.models import Contact
from tenants.fields.indexes import build_indexes, index_name
from tenants.fields.query import Condition, CustomQuery
from tests.admin.documents import create, define_field

CONTACTS = """
query($filter: ContactFilter, $orderBy: [ContactOrder!], $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { lastName customFields } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ACCOUNTS = """
query($filter: AccountFilter, $orderBy: [AccountOrder!]) {
  accounts(filter: $filter, orderBy: $orderBy) { edges { node { name } } }
}"""
ACTIVITIES = """
query($filter: ActivityFilter, $orderBy: [ActivityOrder!]) {
  activities(filter: $filter, orderBy: $orderBy) { edges { node { subject } } }
}"""
CREATE_ACTIVITY = """
mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { field code } } }"""


async def seed_contacts(client, admin):
    await define_field(client, admin, "contact", "score", "INTEGER", filterable=True)
    await define_field(client, admin, "contact", "plan", "SINGLE_SELECT", filterable=True,
                       validation={"options": [{"key": "free", "label": "Free"}, {"key": "pro", "label": "Pro"}]})  # fmt: skip
    await define_field(client, admin, "contact", "tags2", "MULTI_SELECT", filterable=True,
                       validation={"options": [{"key": "x", "label": "X"}, {"key": "y", "label": "Y"}]})  # fmt: skip
    await define_field(client, admin, "contact", "bio", "TEXT", filterable=True)
    await define_field(client, admin, "contact", "since", "DATE", filterable=True)
    await define_field(client, admin, "contact", "secret", "TEXT")  # not filterable
    rows = [
        ("A", {"score": -5, "plan": "free", "tags2": ["x"], "bio": "Likes Rust", "since": "2020-01-01"}),
        (
            "B",
            {"score": 10, "plan": "pro", "tags2": ["x", "y"], "bio": "likes python", "since": "2024-06-30"},
        ),
        ("C", {"score": 2, "plan": "pro", "since": "2022-03-15"}),
        ("D", {}),
    ]
    for last_name, custom in rows:
        await create(client, admin, "contact", lastName=last_name, custom=custom)


async def names(client, admin, filter=None, order_by=None):
    data = await client.execute(CONTACTS, {"filter": filter, "orderBy": order_by}, admin.token)
    return [edge["node"]["lastName"] for edge in data["contacts"]["edges"]]


async def test_conditions_on_every_operator(client):
    admin = await client.sign_up()
    await seed_contacts(client, admin)

    def custom(**condition):
        return {"custom": [condition]}

    assert await names(client, admin, custom(key="plan", equals="pro")) == ["B", "C"]
    assert await names(client, admin, custom(key="score", equals=10)) == ["B"]
    assert await names(client, admin, custom(key="plan", **{"in": ["free", "pro"]})) == ["A", "B", "C"]
    assert await names(client, admin, custom(key="score", range={"min": 0})) == ["B", "C"]
    assert await names(client, admin, custom(key="score", range={"min": -10, "max": 2})) == ["A", "C"]
    assert await names(client, admin, custom(key="since", range={"max": "2022-12-31"})) == ["A", "C"]
    assert await names(client, admin, custom(key="bio", contains="LIKES")) == ["A", "B"]
    assert await names(client, admin, custom(key="tags2", contains="y")) == ["B"]
    assert await names(client, admin, custom(key="bio", isEmpty=True)) == ["C", "D"]
    assert await names(client, admin, custom(key="bio", isEmpty=False)) == ["A", "B"]
    both = {"custom": [{"key": "plan", "equals": "pro"}, {"key": "score", "range": {"min": 5}}]}
    assert await names(client, admin, both) == ["B"]


async def test_bad_conditions_are_typed_errors(client):
    admin = await client.sign_up()
    await seed_contacts(client, admin)
    cases = [
        ({"key": "nope", "equals": 1}, "INVALID"),
        ({"key": "secret", "equals": "x"}, "INVALID"),  # exists but not filterable
        ({"key": "score", "equals": 1, "isEmpty": True}, "INVALID"),
        ({"key": "score"}, "INVALID"),
        ({"key": "plan", "range": {"min": "a"}}, "INVALID"),
        ({"key": "score", "range": {"min": "abc"}}, "INVALID"),
        ({"key": "score", "contains": "1"}, "INVALID"),
        ({"key": "plan", "equals": "gold"}, "INVALID"),
        ({"key": "score", "equals": None}, "INVALID"),
    ]
    for condition, code in cases:
        errors = await client.errors(CONTACTS, {"filter": {"custom": [condition]}}, admin.token)
        assert errors[0]["extensions"]["code"] == code, condition
    errors = await client.errors(CONTACTS, {"orderBy": [{"customField": "tags2"}]}, admin.token)
    assert errors[0]["extensions"]["code"] == "INVALID"
    errors = await client.errors(
        CONTACTS, {"orderBy": [{"field": "NAME", "customField": "score"}]}, admin.token
    )
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_order_by_custom_field_pages_with_missing_values_first(client):
    admin = await client.sign_up()
    await seed_contacts(client, admin)

    ascending = await names(client, admin, order_by=[{"customField": "score"}])
    descending = await names(client, admin, order_by=[{"customField": "score", "direction": "DESC"}])
    by_date = await names(client, admin, order_by=[{"customField": "since", "direction": "DESC"}])
    first = await client.execute(CONTACTS, {"orderBy": [{"customField": "score"}], "first": 2}, admin.token)
    cursor = first["contacts"]["pageInfo"]["endCursor"]
    rest = await client.execute(
        CONTACTS, {"orderBy": [{"customField": "score"}], "first": 2, "after": cursor}, admin.token
    )

    assert ascending == ["D", "A", "C", "B"]
    assert descending == ["B", "C", "A", "D"]
    assert by_date == ["B", "C", "A", "D"]
    assert [e["node"]["lastName"] for e in rest["contacts"]["edges"]] == ["C", "B"]


async def test_accounts_and_activities_filter_and_sort_by_custom_fields(client):
    admin = await client.sign_up()
    await define_field(client, admin, "account", "rank", "DECIMAL", filterable=True)
    await define_field(client, admin, "activity", "outcome", "TEXT", filterable=True)
    for name, rank in [("Low", "1.5"), ("High", "10.25"), ("Mid", "2")]:
        account = await create(client, admin, "account", name=name, custom={"rank": rank})
    for subject, outcome in [("one", "won"), ("two", "lost")]:
        payload = (
            await client.execute(
                CREATE_ACTIVITY,
                {
                    "input": {
                        "kind": "CALL",
                        "subject": subject,
                        "accountId": account["id"],
                        "custom": {"outcome": outcome},
                    }
                },
                admin.token,
            )
        )["createActivity"]
        assert payload["errors"] == []

    ranked = await client.execute(
        ACCOUNTS, {"orderBy": [{"customField": "rank", "direction": "DESC"}]}, admin.token
    )
    ranged = await client.execute(
        ACCOUNTS, {"filter": {"custom": [{"key": "rank", "range": {"min": "2"}}]}}, admin.token
    )
    won = await client.execute(
        ACTIVITIES, {"filter": {"custom": [{"key": "outcome", "equals": "won"}]}}, admin.token
    )
    by_outcome = await client.execute(
        ACTIVITIES, {"orderBy": [{"customField": "outcome", "direction": "ASC"}]}, admin.token
    )

    assert [e["node"]["name"] for e in ranked["accounts"]["edges"]] == ["High", "Mid", "Low"]
    assert [e["node"]["name"] for e in ranged["accounts"]["edges"]] == ["High", "Mid"]
    assert [e["node"]["subject"] for e in won["activities"]["edges"]] == ["one"]
    assert [e["node"]["subject"] for e in by_outcome["activities"]["edges"]] == ["two", "one"]


def compiled(statement) -> tuple[str, list]:
    """SQL text with $n placeholders and its parameters, as the app sends them through asyncpg."""
    result = statement.compile(dialect=asyncpg_dialect())
    values = [result.params[name] for name in result.positiontup]
    return result.string, [json.dumps(v) if isinstance(v, dict) else v for v in values]


async def test_filters_and_ordering_use_the_indexes_under_rls(client, db, database_urls):
    admin = await client.sign_up()
    definition = await define_field(client, admin, "contact", "score", "INTEGER", filterable=True)
    await create(client, admin, "contact", custom={"score": 5})
    built = await build_indexes(database_urls.owner)
    assert index_name("contacts", "score") in built["created"]
    assert index_name("contacts", "score") not in (await build_indexes(database_urls.owner))["created"]

    query = CustomQuery(
        Contact, "contact", [FakeDefinition("score", "integer"), FakeDefinition("code", "text")]
    )
    tenant = uuid.UUID(admin.tenant_id)
    ordered = (
        select(Contact.id)
        .where(Contact.tenant_id == tenant)
        .order_by(query.sort_key("score"), Contact.id)
        .limit(21)
    )
    ranged = select(Contact.id).where(
        Contact.tenant_id == tenant,
        *query.conditions([Condition(key="score", range=(3, 5), given=frozenset({"range"}))]),
    )
    equal = select(Contact.id).where(
        Contact.tenant_id == tenant,
        *query.conditions([Condition(key="score", equals=5, given=frozenset({"equals"}))]),
    )
    text_equal = select(Contact.id).where(
        Contact.tenant_id == tenant,
        *query.conditions([Condition(key="code", equals="c5", given=frozenset({"equals"}))]),
    )
    connection = await db.connect()
    await seed_scores(connection, admin, 3_000)
    owner = await asyncpg.connect(database_urls.owner)
    try:
        await owner.execute("analyze contacts")
    finally:
        await owner.close()
    plans = {}
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        for name, statement in [
            ("ordered", ordered),
            ("ranged", ranged),
            ("equal", equal),
            ("text", text_equal),
        ]:
            sql, parameters = compiled(statement)
            rows = await connection.fetch("explain " + sql, *parameters)
            plans[name] = "\n".join(row[0] for row in rows)

    assert index_name("contacts", "score") in plans["ordered"], plans["ordered"]
    assert "Sort" not in plans["ordered"], plans["ordered"]
    assert index_name("contacts", "score") in plans["ranged"] and "Index Cond" in plans["ranged"], plans[
        "ranged"
    ]
    assert index_name("contacts", "score") in plans["equal"] and "Index Cond" in plans["equal"], plans[
        "equal"
    ]
    assert "contacts_custom_idx" in plans["text"], plans["text"]
    assert definition["filterable"] is True


async def seed_scores(connection, admin, count: int) -> None:
    """Bulk rows with scores 0..999 in the stored forms (value and sort key), as the app role."""
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute(
            """
            insert into contacts (tenant_id, id, first_name, last_name, owner_id, custom, custom_sort)
            select $1, gen_random_uuid(), 'Bulk', 'Row ' || i,
                   (select user_id from memberships limit 1),
                   jsonb_build_object('score', i % 1000, 'code', 'c' || i),
                   jsonb_build_object('score', (1000000000000000000 + i % 1000)::text || '.0000000000')
            from generate_series(1, $2) as i
            """,
            uuid.UUID(admin.tenant_id),
            count,
        )


class FakeDefinition:
    def __init__(self, key: str, field_type: str) -> None:
        self.key, self.field_type, self.filterable, self.validation = key, field_type, True, {}


async def test_searchable_fields_join_the_contact_search_unless_hidden(client):
    from tests.admin.documents import UPDATE_ROLE, assign, create_role, grants

    admin = await client.sign_up()
    await define_field(client, admin, "contact", "nickname", "TEXT", searchable=True)
    await define_field(client, admin, "contact", "private", "TEXT")
    await create(
        client, admin, "contact", lastName="Found", custom={"nickname": "Zebulon", "private": "Quixote"}
    )

    found = await names(client, admin, {"search": "zebul"})
    not_searchable = await names(client, admin, {"search": "quixote"})

    assert (found, not_searchable) == (["Found"], [])
    role = await create_role(client, admin, "no-nick")
    rep = await client.add_member(admin, "viewer", "rep")
    await assign(client, admin, rep, role)
    assert await names(client, rep, {"search": "zebul"}) == ["Found"]
    hide = {"contact": {"custom.nickname": "HIDDEN"}}
    payload = (
        await client.execute(
            UPDATE_ROLE,
            {"id": role["id"], "version": 1, "input": {"grants": grants(fields=hide)}},
            admin.token,
        )
    )["updateRole"]
    assert payload["errors"] == []
    errors = await client.errors(CONTACTS, {"filter": {"search": "zebul"}}, rep.token)
    assert errors[0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_index_builder_drops_indexes_no_field_needs(client, database_urls):
    from tests.admin.documents import ARCHIVE_FIELD, FIELDS

    admin = await client.sign_up()
    definition = await define_field(client, admin, "account", "probe_drop_key", "DATE", filterable=True)
    await define_field(client, admin, "account", "plain", "TEXT")
    name = index_name("accounts", "probe_drop_key")
    before = (await client.execute(FIELDS, {"objectType": "account"}, admin.token))["fieldDefinitions"][
        "nodes"
    ]
    assert name in (await build_indexes(database_urls.owner))["created"]
    after = (await client.execute(FIELDS, {"objectType": "account"}, admin.token))["fieldDefinitions"][
        "nodes"
    ]
    assert [d["indexed"] for d in before] == [None, False]  # plain, probe_drop_key
    assert [d["indexed"] for d in after] == [None, True]

    archived = await client.execute(ARCHIVE_FIELD, {"id": definition["id"]}, admin.token)
    assert archived["archiveFieldDefinition"]["errors"] == []
    result = await build_indexes(database_urls.owner)

    assert name in result["dropped"] and name not in result["created"]
