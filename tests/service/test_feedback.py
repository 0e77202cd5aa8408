"""Feedback: suggestions and praise linked to the customer, tagged, with a status; refusals, scope, and
the tenant wall through the API and in SQL."""

from __future__ import annotations

import asyncpg
import pytest

from tests.admin.documents import assign, create_role
from tests.service.documents import CREATE_ACCOUNT, open_ticket
from tests.support import error_pairs, ok

FIELDS = "id kind title body status tags version owner { id } account { id } ticket { id } product { id }"
CREATE = f"""
mutation($input: CreateFeedbackInput!) {{
  createFeedback(input: $input) {{ feedbackItem {{ {FIELDS} }} errors {{ field code message }} }} }}"""
UPDATE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateFeedbackInput!) {{
  updateFeedback(id: $id, version: $version, input: $input) {{
    feedbackItem {{ {FIELDS} }} errors {{ field code message }} }} }}"""
LIST = """
query($filter: FeedbackFilter) { feedbackItems(filter: $filter) { totalCount nodes { id title status tags } } }"""
ONE = f"query($id: ID!) {{ feedbackItem(id: $id) {{ {FIELDS} }} }}"


async def test_feedback_is_recorded_tagged_and_moved_through_its_statuses(client):
    admin = await client.sign_up("Desk")
    account = (await ok(client, admin, CREATE_ACCOUNT, {"input": {"name": "Initech"}}, "createAccount"))[
        "account"
    ]
    ticket = await open_ticket(client, admin)
    item = (
        await ok(
            client,
            admin,
            CREATE,
            {
                "input": {
                    "kind": "SUGGESTION",
                    "title": "希望增加微信支付",
                    "body": "Customers ask for WeChat Pay.",
                    "tags": ["payments", " payments ", "wechat"],
                    "accountId": account["id"],
                    "ticketId": ticket["id"],
                }
            },
            "createFeedback",
        )
    )["feedbackItem"]
    await ok(client, admin, CREATE, {"input": {"kind": "PRAISE", "title": "Great support"}}, "createFeedback")

    assert item["status"] == "NEW" and item["tags"] == ["payments", "wechat"]
    assert item["owner"] == {"id": admin.user_id} and item["ticket"] == {"id": ticket["id"]}
    planned = (
        await ok(
            client,
            admin,
            UPDATE,
            {"id": item["id"], "version": item["version"], "input": {"status": "PLANNED"}},
            "updateFeedback",
        )
    )["feedbackItem"]
    assert planned["status"] == "PLANNED"
    tagged = await client.execute(LIST, {"filter": {"tag": "wechat"}}, admin.token)
    assert [n["title"] for n in tagged["feedbackItems"]["nodes"]] == ["希望增加微信支付"]
    praise = await client.execute(LIST, {"filter": {"kind": "PRAISE"}}, admin.token)
    assert praise["feedbackItems"]["totalCount"] == 1


async def test_bad_feedback_input_and_scope(client):
    admin = await client.sign_up("Desk")
    rep = await client.add_member(admin, "sales", "rep")
    viewer = await client.add_member(admin, "viewer", "viewer")
    stranger = await client.sign_up("Elsewhere")
    payload = await client.mutate(
        CREATE,
        {"input": {"kind": "PRAISE", "title": "", "tags": ["x" * 51], "ownerId": stranger.user_id}},
        admin.token,
        "createFeedback",
    )
    assert error_pairs(payload) == [("title", "REQUIRED"), ("tags", "TOO_LONG"), ("ownerId", "NOT_FOUND")]
    assert (await client.execute(LIST, None, admin.token))["feedbackItems"]["totalCount"] == 0
    item = (
        await ok(client, admin, CREATE, {"input": {"kind": "PRAISE", "title": "Kind"}}, "createFeedback")
    )["feedbackItem"]
    assert (await client.execute(ONE, {"id": item["id"]}, rep.token))["feedbackItem"] is None
    refused = await client.mutate(
        UPDATE, {"id": item["id"], "version": 1, "input": {"status": "DONE"}}, rep.token, "updateFeedback"
    )
    assert error_pairs(refused) == [("id", "NOT_FOUND")]
    assert (await client.execute(ONE, {"id": item["id"]}, viewer.token))["feedbackItem"]["title"] == "Kind"
    denied = await client.refused(
        CREATE, {"input": {"kind": "PRAISE", "title": "x"}}, viewer.token, "createFeedback"
    )
    assert denied == [(None, "PERMISSION_DENIED")]


async def test_another_tenant_reaches_no_feedback(client, db):
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    item = (await ok(client, mine, CREATE, {"input": {"kind": "PRAISE", "title": "Kind"}}, "createFeedback"))[
        "feedbackItem"
    ]
    assert (await client.execute(LIST, None, theirs.token))["feedbackItems"]["totalCount"] == 0
    assert (await client.execute(ONE, {"id": item["id"]}, theirs.token))["feedbackItem"] is None
    changed = await client.mutate(
        UPDATE, {"id": item["id"], "version": 1, "input": {"title": "x"}}, theirs.token, "updateFeedback"
    )
    assert error_pairs(changed) == [("id", "NOT_FOUND")]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        assert await connection.fetchval("select count(*) from feedback_items") == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(
                "insert into feedback_items (tenant_id, id, kind, title, owner_id)"
                " values ($1, gen_random_uuid(), 'praise', 'x', gen_random_uuid())",
                mine.tenant_id,
            )


async def test_a_role_may_hide_the_customers_words(client):
    admin = await client.sign_up("Desk")
    clerk = await client.add_member(admin, "sales", "clerk")
    grant = [
        {
            "objectType": "feedback",
            "actions": ["READ", "UPDATE"],
            "scope": "ALL",
            "fields": [{"field": "body", "access": "HIDDEN"}],
        }
    ]
    await assign(client, admin, clerk, await create_role(client, admin, "triage", grants=grant))
    item = (
        await ok(
            client,
            admin,
            CREATE,
            {"input": {"kind": "PRAISE", "title": "Kind", "body": "Thanks, Li"}},
            "createFeedback",
        )
    )["feedbackItem"]

    assert (await client.execute(ONE, {"id": item["id"]}, clerk.token))["feedbackItem"]["body"] is None
    assert (await client.execute(ONE, {"id": item["id"]}, admin.token))["feedbackItem"][
        "body"
    ] == "Thanks, Li"
    refused = await client.refused(
        UPDATE,
        {"id": item["id"], "version": item["version"], "input": {"body": "x"}},
        clerk.token,
        "updateFeedback",
    )
    assert refused == [("body", "PERMISSION_DENIED")]
