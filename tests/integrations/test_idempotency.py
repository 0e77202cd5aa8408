"""Idempotency keys: a retried mutation runs once and gets the first answer, also when the two requests
race, on the compiled create path and on the executor's; a different request under the same key is a
conflict; queries ignore the header; keys belong to one credential and expire after 24 h."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from gateway.jobs import run_one
from graph.integrations.idempotency import purge_idempotency_keys
from tests.compiled.test_compiled_create import Served, served  # noqa: F401 - a fixture

CREATE_ACCOUNT = """
mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id name } errors { code } } }"""
CREATE_FEEDBACK = """
mutation($input: CreateFeedbackInput!) {
  createFeedback(input: $input) { feedbackItem { id title } errors { field code } }
}"""
ACCOUNTS = "{ accounts(first: 50) { totalCount } }"
FEEDBACK = "{ feedbackItems(first: 50) { totalCount } }"


async def keyed(client, member, document, variables, key):  # type: ignore[no-untyped-def]
    return await client.post(document, variables, member.token, **{"Idempotency-Key": key})


async def count(client, member, query, name):  # type: ignore[no-untyped-def]
    return (await client.execute(query, None, member.token))[name]["totalCount"]


async def stored_keys(db, member) -> int:  # type: ignore[no-untyped-def]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", member.tenant_id)
        return int(await connection.fetchval("select count(*) from idempotency_keys"))


@pytest.mark.parametrize("path", ["compiled", "executor"])
async def test_a_retried_create_account_creates_one_record_and_replays_the_first_answer(
    app,
    client,
    served: Served,  # noqa: F811
    path,
):
    admin = await client.sign_up()
    await client.execute(CREATE_ACCOUNT, {"input": {"name": "Warm-up"}}, admin.token)  # caches definitions
    served.compiled = served.executor = 0
    fast_path = app.state.fast_path
    fast_path.mode = "on" if path == "compiled" else "off"
    try:
        variables = {"input": {"name": "Acme"}}
        first = await keyed(client, admin, CREATE_ACCOUNT, variables, "order-1")
        retry = await keyed(client, admin, CREATE_ACCOUNT, variables, "order-1")
    finally:
        fast_path.mode = "verify"
    assert served.compiled == (1 if path == "compiled" else 0)
    assert first.status_code == retry.status_code == 200
    assert first.json()["data"]["createAccount"]["errors"] == []
    assert retry.json() == first.json()
    assert "idempotency-replayed" not in first.headers and retry.headers["idempotency-replayed"] == "true"
    assert await count(client, admin, ACCOUNTS, "accounts") == 2  # the warm-up and Acme, once


async def test_two_racing_requests_with_one_key_create_one_record(client):
    admin = await client.sign_up()
    variables = {"input": {"title": "Faster exports", "kind": "SUGGESTION"}}
    responses = await asyncio.gather(
        *(keyed(client, admin, CREATE_FEEDBACK, variables, "race") for _ in range(2))
    )
    bodies = [response.json() for response in responses]
    assert bodies[0] == bodies[1] and bodies[0]["data"]["createFeedback"]["errors"] == []
    assert sorted(r.headers.get("idempotency-replayed", "no") for r in responses) == ["no", "true"]
    assert await count(client, admin, FEEDBACK, "feedbackItems") == 1


async def test_two_racing_compiled_creates_with_one_key_create_one_record(client, served: Served):  # noqa: F811
    admin = await client.sign_up()
    await client.execute(CREATE_ACCOUNT, {"input": {"name": "Warm-up"}}, admin.token)
    variables = {"input": {"name": "Raced"}}
    responses = await asyncio.gather(
        *(keyed(client, admin, CREATE_ACCOUNT, variables, "race") for _ in range(2))
    )
    assert responses[0].json() == responses[1].json()
    assert await count(client, admin, ACCOUNTS, "accounts") == 2


async def test_the_same_key_with_another_request_is_a_conflict(client):
    admin = await client.sign_up()
    await keyed(client, admin, CREATE_ACCOUNT, {"input": {"name": "First"}}, "k-1")
    other = await keyed(client, admin, CREATE_ACCOUNT, {"input": {"name": "Second"}}, "k-1")
    assert other.status_code == 422
    assert other.json() == {
        "errors": [
            {
                "message": "This Idempotency-Key was used with a different request; use a new key for a new request.",
                "extensions": {"code": "IDEMPOTENCY_CONFLICT"},
            }
        ]
    }
    assert await count(client, admin, ACCOUNTS, "accounts") == 1


async def test_a_refused_mutation_keeps_no_key_and_its_retry_runs_again(client, db):
    admin = await client.sign_up()
    refused = await keyed(client, admin, CREATE_ACCOUNT, {"input": {"name": ""}}, "k-2")
    assert refused.json()["data"]["createAccount"]["errors"] == [{"code": "REQUIRED"}]
    assert await stored_keys(db, admin) == 0
    again = await keyed(client, admin, CREATE_ACCOUNT, {"input": {"name": "Fixed"}}, "k-2")
    assert (
        again.json()["data"]["createAccount"]["errors"] == [] and "idempotency-replayed" not in again.headers
    )


async def test_queries_ignore_the_header_and_a_bad_key_is_refused(client, db):
    admin = await client.sign_up()
    read = await keyed(client, admin, ACCOUNTS, None, "q-1")
    assert read.status_code == 200 and "idempotency-replayed" not in read.headers
    assert await stored_keys(db, admin) == 0
    for key in ("x" * 256, "with space"):
        bad = await keyed(client, admin, CREATE_ACCOUNT, {"input": {"name": "Bad key"}}, key)
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["extensions"] == {"code": "INVALID"}
    assert await count(client, admin, ACCOUNTS, "accounts") == 0


async def test_a_key_belongs_to_one_credential(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales")
    variables = {"input": {"name": "Same key, two people"}}
    mine = await keyed(client, admin, CREATE_ACCOUNT, variables, "shared")
    theirs = await keyed(client, rep, CREATE_ACCOUNT, variables, "shared")
    assert "idempotency-replayed" not in theirs.headers
    assert (
        mine.json()["data"]["createAccount"]["account"]["id"]
        != theirs.json()["data"]["createAccount"]["account"]["id"]
    )


async def test_keys_expire_after_a_day_and_are_purged(client, services, db):
    admin = await client.sign_up()
    await keyed(client, admin, CREATE_ACCOUNT, {"input": {"name": "Day one"}}, "daily")
    tenant = uuid.UUID(admin.tenant_id)
    soon = await run_one(services.db, "idempotency.purge", purge_idempotency_keys, tenant, datetime.now(UTC))
    assert soon.summary == "removed 0 expired keys"
    later = datetime.now(UTC) + timedelta(hours=24, minutes=1)
    purged = await run_one(services.db, "idempotency.purge", purge_idempotency_keys, tenant, later)
    assert purged.summary == "removed 1 expired keys" and await stored_keys(db, admin) == 0
    fresh = await keyed(client, admin, CREATE_ACCOUNT, {"input": {"name": "Day two"}}, "daily")
    assert fresh.status_code == 200 and fresh.json()["data"]["createAccount"]["errors"] == []
    assert orjson.loads(fresh.content)["data"]["createAccount"]["account"]["name"] == "Day two"


async def test_a_mutation_that_enters_another_tenant_is_replayed_too(client):
    inviter, member = await client.sign_up("Inviting"), await client.sign_up("Home")
    invite = await client.execute(
        "mutation($i: InviteUserInput!) { inviteUser(input: $i) { token errors { code } } }",
        {"i": {"email": member.email, "roleKey": "viewer"}},
        inviter.token,
    )
    accept = "mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { tenant { id } errors { code } } }"
    variables = {"i": {"token": invite["inviteUser"]["token"]}}
    first = await keyed(client, member, accept, variables, "join")
    assert first.json()["data"]["acceptInvite"]["tenant"]["id"] == inviter.tenant_node_id
    retry = await keyed(client, member, accept, variables, "join")
    assert retry.status_code == 200 and retry.headers["idempotency-replayed"] == "true"
    assert retry.json() == first.json()
