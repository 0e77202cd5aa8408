"""What a custom role sees and may write, for every CRM object type and every record scope, through
every query path: lists, node, nested fields, search and filters (which must never leak a hidden field)."""

from __future__ import annotations

import pytest

from tests.admin.documents import (
    FIELDS,
    UPDATE_ROLE,
    assign,
    create_role,
    create_team,
    define_field,
    grants,
    set_team,
)

CREATE_ACCOUNT = """
mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } errors { field code } } }"""
CREATE_CONTACT = """
mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { field code } } }"""
CREATE_ACTIVITY = """
mutation($input: CreateActivityInput!) { createActivity(input: $input) { activity { id } errors { field code } } }"""
LINK = """
mutation($input: LinkContactToAccountInput!) { linkContactToAccount(input: $input) { errors { field code } } }"""
LISTS = """
{ accounts { edges { node { name } } } contacts { edges { node { lastName } } }
  activities { edges { node { subject } } } }"""
NODE = """
query($id: ID!) { node(id: $id) { id
  ... on Account { name industry tags notes customFields fieldValues { key } }
  ... on Contact { lastName emails customFields }
  ... on Activity { subject body customFields } } }"""
ACCOUNTS = """
query($filter: AccountFilter, $orderBy: [AccountOrder!]) {
  accounts(filter: $filter, orderBy: $orderBy) { edges { node { name industry tags notes customFields
    timeline { edges { node { subject body customFields } } }
    contacts { edges { node { lastName emails } } } } } }
}"""
CONTACTS = """
query($filter: ContactFilter) {
  contacts(filter: $filter) { edges { node { lastName emails customFields
    accounts { account { name industry customFields } } primaryAccount { industry } } } }
}"""
ACTIVITIES = """
query($filter: ActivityFilter, $orderBy: [ActivityOrder!]) {
  activities(filter: $filter, orderBy: $orderBy) { edges { node { subject body customFields
    account { name industry tags } contact { lastName emails } } } }
}"""
UPDATE_ACCOUNT = """
mutation($id: ID!, $input: UpdateAccountInput!) {
  updateAccount(id: $id, version: 1, input: $input) { account { id } errors { field code } } }"""
UPDATE_CONTACT = """
mutation($id: ID!, $input: UpdateContactInput!) {
  updateContact(id: $id, version: 1, input: $input) { contact { id } errors { field code } } }"""
UPDATE_ACTIVITY = """
mutation($id: ID!, $input: UpdateActivityInput!) {
  updateActivity(id: $id, version: 1, input: $input) { activity { id } errors { field code } } }"""
AUDIT = "{ auditLog(first: 100) { edges { node { action objectType changes } } } }"

PEOPLE = ("boss", "peer", "sub", "outsider")
VISIBLE = {
    "OWN": {"boss"},
    "TEAM": {"boss", "peer"},
    "TEAM_TREE": {"boss", "peer", "sub"},
    "ALL": set(PEOPLE),
}


async def make_org(client):
    """Teams Sales > East; boss and peer in Sales, sub in East, outsider in none. Each owns an account
    (industry, tags, custom score), a contact (emails, custom level) linked to it, and an activity on it."""
    admin = await client.sign_up()
    await define_field(client, admin, "account", "score", "INTEGER", filterable=True)
    await define_field(client, admin, "contact", "level", "TEXT", filterable=True)
    await define_field(client, admin, "activity", "outcome", "TEXT", filterable=True)
    role = await create_role(client, admin, "lead", grants=grants("ALL"), capabilities=["VIEW_AUDIT_LOG"])
    people = {"admin": admin}
    for name in PEOPLE:
        people[name] = await client.add_member(admin, "sales", name)
    await assign(client, admin, people["boss"], role)
    sales = await create_team(client, admin, "Sales")
    east = await create_team(client, admin, "East", sales["id"])
    for name, team in [("boss", sales), ("peer", sales), ("sub", east)]:
        await set_team(client, admin, people[name], team)
    records = {}
    for name in PEOPLE:
        member = people[name]
        account = await ok(client, member, CREATE_ACCOUNT, "createAccount", {
            "name": name, "industry": "Secret industry", "tags": ["vip"], "notes": "note", "custom": {"score": 7}})  # fmt: skip
        contact = await ok(client, member, CREATE_CONTACT, "createContact", {
            "firstName": "C", "lastName": name, "emails": [f"{name}@example.com"], "custom": {"level": "gold"}})  # fmt: skip
        activity = await ok(client, member, CREATE_ACTIVITY, "createActivity", {
            "kind": "NOTE", "subject": name, "body": "secret body", "accountId": account["account"]["id"],
            "contactId": contact["contact"]["id"], "custom": {"outcome": "won"}})  # fmt: skip
        await ok(client, member, LINK, "linkContactToAccount", {
            "contactId": contact["contact"]["id"], "accountId": account["account"]["id"], "isPrimary": True})  # fmt: skip
        records[name] = {
            "account": account["account"]["id"],
            "contact": contact["contact"]["id"],
            "activity": activity["activity"]["id"],
        }
    return people, role, records


async def ok(client, member, document, name, data):
    payload = (await client.execute(document, {"input": data}, member.token))[name]
    assert payload["errors"] == [], payload
    return payload


async def set_grants(client, admin, role, version, scope, fields=None):
    payload = (
        await client.execute(
            UPDATE_ROLE,
            {"id": role["id"], "version": version, "input": {"grants": grants(scope, fields=fields)}},
            admin.token,
        )
    )["updateRole"]
    assert payload["errors"] == [], payload


async def test_every_scope_on_every_object_type_through_lists_and_node(client):
    people, role, records = await make_org(client)
    admin, boss = people["admin"], people["boss"]

    for version, scope in enumerate(["OWN", "TEAM", "TEAM_TREE", "ALL"], start=1):
        await set_grants(client, admin, role, version, scope)
        lists = await client.execute(LISTS, {}, boss.token)
        expected = VISIBLE[scope]

        assert {e["node"]["name"] for e in lists["accounts"]["edges"]} == expected, scope
        assert {e["node"]["lastName"] for e in lists["contacts"]["edges"]} == expected, scope
        assert {e["node"]["subject"] for e in lists["activities"]["edges"]} == expected, scope
        for owner in PEOPLE:
            for object_type in ("account", "contact", "activity"):
                node = (await client.execute(NODE, {"id": records[owner][object_type]}, boss.token))["node"]
                assert (node is not None) == (owner in expected), (scope, owner, object_type)
        # Nested: an account's contacts and timeline follow the contact and activity scopes.
        nested = (await client.execute(ACCOUNTS, {}, boss.token))["accounts"]["edges"]
        for edge in nested:
            assert {c["node"]["lastName"] for c in edge["node"]["contacts"]["edges"]} <= expected
            assert {a["node"]["subject"] for a in edge["node"]["timeline"]["edges"]} <= expected
        writable = (
            await client.execute(
                UPDATE_ACCOUNT, {"id": records["sub"]["account"], "input": {"name": "sub"}}, boss.token
            )
        )["updateAccount"]
        assert (writable["errors"] == []) == ("sub" in expected) or writable["errors"][0][
            "code"
        ] == "CONFLICT", scope


HIDDEN_RULES = {
    "account": {
        "industry": "HIDDEN",
        "tags": "HIDDEN",
        "owner": "HIDDEN",
        "notes": "READ_ONLY",
        "custom.score": "HIDDEN",
    },
    "contact": {"emails": "HIDDEN", "custom.level": "READ_ONLY"},
    "activity": {"body": "HIDDEN", "custom.outcome": "HIDDEN", "dueAt": "HIDDEN"},
}


@pytest.mark.parametrize("scope", ["OWN", "TEAM_TREE"])
async def test_hidden_fields_are_absent_on_every_path(client, scope):
    people, role, records = await make_org(client)
    admin, boss = people["admin"], people["boss"]
    await set_grants(client, admin, role, 1, scope, HIDDEN_RULES)

    accounts = (await client.execute(ACCOUNTS, {}, boss.token))["accounts"]["edges"]
    contacts = (await client.execute(CONTACTS, {}, boss.token))["contacts"]["edges"]
    activities = (await client.execute(ACTIVITIES, {}, boss.token))["activities"]["edges"]
    node = (await client.execute(NODE, {"id": records["boss"]["account"]}, boss.token))["node"]
    contact_node = (await client.execute(NODE, {"id": records["boss"]["contact"]}, boss.token))["node"]
    activity_node = (await client.execute(NODE, {"id": records["boss"]["activity"]}, boss.token))["node"]
    definitions = (await client.execute(FIELDS, {"objectType": "account"}, boss.token))["fieldDefinitions"][
        "nodes"
    ]

    assert {e["node"]["name"] for e in accounts} == VISIBLE[scope]
    for edge in accounts:
        account = edge["node"]
        assert (account["industry"], account["tags"], account["notes"], account["customFields"]) == (
            None,
            None,
            "note",
            {},
        )
        assert all(
            a["node"]["body"] is None and a["node"]["customFields"] == {}
            for a in account["timeline"]["edges"]
        )
        assert all(c["node"]["emails"] is None for c in account["contacts"]["edges"])
    for edge in contacts:
        contact = edge["node"]
        assert contact["emails"] is None and contact["customFields"] == {"level": "gold"}
        assert all(
            link["account"]["industry"] is None and link["account"]["customFields"] == {}
            for link in contact["accounts"]
        )
        assert contact["primaryAccount"]["industry"] is None
    for edge in activities:
        activity = edge["node"]
        assert (activity["body"], activity["customFields"]) == (None, {})
        assert (
            activity["account"]["industry"],
            activity["account"]["tags"],
            activity["contact"]["emails"],
        ) == (None, None, None)
    assert (node["industry"], node["tags"], node["customFields"], node["fieldValues"]) == (None, None, {}, [])
    assert contact_node["emails"] is None and activity_node["body"] is None
    assert definitions == []
    # The same queries for the admin show everything (the rules are the role's, not the data's).
    admin_node = (await client.execute(NODE, {"id": records["boss"]["account"]}, admin.token))["node"]
    assert (admin_node["industry"], admin_node["customFields"]) == ("Secret industry", {"score": 7})


async def test_filters_search_and_sorting_never_reveal_hidden_fields(client):
    people, role, _records = await make_org(client)
    admin, boss = people["admin"], people["boss"]
    await set_grants(client, admin, role, 1, "ALL", HIDDEN_RULES)
    attempts = [
        (ACCOUNTS, {"filter": {"custom": [{"key": "score", "equals": 7}]}}, "INVALID"),
        (ACCOUNTS, {"filter": {"custom": [{"key": "score", "isEmpty": False}]}}, "INVALID"),
        (ACCOUNTS, {"orderBy": [{"customField": "score"}]}, "INVALID"),
        (ACCOUNTS, {"filter": {"tag": "vip"}}, "PERMISSION_DENIED"),
        (ACCOUNTS, {"filter": {"ownerId": boss.user_id}}, "PERMISSION_DENIED"),
        (CONTACTS, {"filter": {"search": "boss@"}}, "PERMISSION_DENIED"),
        (ACTIVITIES, {"filter": {"custom": [{"key": "outcome", "equals": "won"}]}}, "INVALID"),
        (ACTIVITIES, {"orderBy": [{"field": "DUE_AT"}]}, "PERMISSION_DENIED"),
        (ACTIVITIES, {"filter": {"dueBefore": "2030-01-01T00:00:00Z"}}, "PERMISSION_DENIED"),
    ]
    for document, variables, code in attempts:
        errors = await client.errors(document, variables, boss.token)
        assert errors[0]["extensions"]["code"] == code, variables
    # An unknown field and a hidden one fail the same way: filtering cannot tell them apart.
    unknown = await client.errors(
        ACCOUNTS, {"filter": {"custom": [{"key": "nope", "equals": 7}]}}, boss.token
    )
    hidden = await client.errors(
        ACCOUNTS, {"filter": {"custom": [{"key": "score", "equals": 7}]}}, boss.token
    )
    assert unknown[0]["message"].replace("nope", "KEY") == hidden[0]["message"].replace("score", "KEY")
    # Visible fields still filter: the read-only custom level and the name search on contacts.
    level = await client.execute(
        CONTACTS, {"filter": {"custom": [{"key": "level", "equals": "gold"}]}}, boss.token
    )
    assert len(level["contacts"]["edges"]) == 4


async def test_read_only_and_hidden_fields_cannot_be_written(client):
    people, role, records = await make_org(client)
    admin, boss = people["admin"], people["boss"]
    await set_grants(client, admin, role, 1, "ALL", HIDDEN_RULES)
    account, contact, activity = (records["boss"][k] for k in ("account", "contact", "activity"))
    attempts = [
        (UPDATE_ACCOUNT, account, {"notes": "x"}, "updateAccount", [("notes", "PERMISSION_DENIED")]),
        (UPDATE_ACCOUNT, account, {"industry": "x"}, "updateAccount", [("industry", "PERMISSION_DENIED")]),
        (UPDATE_ACCOUNT, account, {"custom": {"score": 1}}, "updateAccount", [("custom.score", "INVALID")]),
        (
            UPDATE_CONTACT,
            contact,
            {"custom": {"level": "x"}},
            "updateContact",
            [("custom.level", "PERMISSION_DENIED")],
        ),
        (UPDATE_CONTACT, contact, {"emails": []}, "updateContact", [("emails", "PERMISSION_DENIED")]),
        (UPDATE_ACTIVITY, activity, {"body": "x"}, "updateActivity", [("body", "PERMISSION_DENIED")]),
    ]
    for document, record_id, data, name, expected in attempts:
        payload = await client.outcome(document, {"id": record_id, "input": data}, boss.token, name)
        assert payload == expected, data
    create = await client.refused(
        CREATE_ACCOUNT, {"input": {"name": "New", "notes": "x"}}, boss.token, "createAccount"
    )
    assert create == [("notes", "PERMISSION_DENIED")]
    allowed = await client.execute(UPDATE_ACCOUNT, {"id": account, "input": {"name": "Renamed"}}, boss.token)
    assert allowed["updateAccount"]["errors"] == []


async def test_audit_diffs_leave_out_hidden_fields(client):
    people, role, _records = await make_org(client)
    admin, boss = people["admin"], people["boss"]
    await set_grants(client, admin, role, 1, "ALL", HIDDEN_RULES)

    entries = (await client.execute(AUDIT, {}, boss.token))["auditLog"]["edges"]
    admin_entries = (await client.execute(AUDIT, {}, admin.token))["auditLog"]["edges"]

    created = [e["node"]["changes"] for e in entries if e["node"]["action"] == "account.create"]
    assert created and all(
        "industry" not in c and "tags" not in c and "custom.score" not in c for c in created
    )
    assert all("notes" in c for c in created)
    admin_created = [e["node"]["changes"] for e in admin_entries if e["node"]["action"] == "account.create"]
    assert all("industry" in c and "custom.score" in c for c in admin_created)
