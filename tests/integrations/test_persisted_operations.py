"""Persisted operations (graph/api_contract, gateway/api_contract.py): documents a tenant allows by their
SHA-256, sent by hash alone (Apollo's `extensions.persistedQuery.sha256Hash`), and the tenant setting
that accepts nothing else."""

from __future__ import annotations

import hashlib

import asyncpg
import pytest

from tests.crm.documents import create_account
from tests.support import relay_uuid

REGISTER = """
mutation($input: RegisterPersistedOperationInput!) {
  registerPersistedOperation(input: $input) { persistedOperation { id sha256Hash name } errors { field code } }
}"""
DELETE = "mutation($id: ID!) { deletePersistedOperation(id: $id) { persistedOperation { name } errors { field code } } }"
LIST = "{ persistedOperations { nodes { id name sha256Hash } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on PersistedOperation { name } } }"
SWITCH = "mutation($on: Boolean!) { setPersistedOperationsOnly(enabled: $on) { apiSettings { persistedOperationsOnly } errors { field code } } }"
ACCOUNTS = "query Accounts { accounts(first: 5) { nodes { name } } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def by_hash(client, digest: str, token: str, query: str | None = None):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    return await client.http.post("/graphql", json=body, headers=headers)


async def register(client, member, query: str, name: str = "Accounts"):  # type: ignore[no-untyped-def]
    return await client.mutate(
        REGISTER, {"input": {"name": name, "query": query}}, member.token, "registerPersistedOperation"
    )


def code_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["errors"][0]["extensions"]["code"]


async def test_a_registered_operation_is_served_by_its_hash(app, client):
    admin = await client.sign_up()
    await create_account(client, admin, name="Initech")
    registered = await register(client, admin, ACCOUNTS)
    app.state.graphql.contract.known_texts.clear()  # as a process that has never seen it

    first = await by_hash(client, sha(ACCOUNTS), admin.token)  # looked up in the tenant
    again = await by_hash(client, sha(ACCOUNTS), admin.token)  # this process knows the text now
    with_text = await by_hash(client, sha(ACCOUNTS), admin.token, ACCOUNTS)

    assert registered["persistedOperation"]["sha256Hash"] == sha(ACCOUNTS)
    for response in (first, again, with_text):
        assert response.status_code == 200
        assert response.json() == {"data": {"accounts": {"nodes": [{"name": "Initech"}]}}}


async def test_a_hash_the_tenant_has_not_registered_is_not_found(app, client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    await register(client, other, ACCOUNTS)
    await by_hash(client, sha(ACCOUNTS), other.token)  # the text is now known to this process

    unknown = await by_hash(client, sha("{ me { viaApiKey } }"), admin.token)
    app.state.graphql.contract.known_texts.clear()
    others_cold = await by_hash(client, sha(ACCOUNTS), admin.token)
    await by_hash(client, sha(ACCOUNTS), other.token)
    others_warm = await by_hash(client, sha(ACCOUNTS), admin.token)  # known text, still not this tenant's
    mismatch = await by_hash(client, sha("{ me { viaApiKey } }"), admin.token, ACCOUNTS)
    malformed = await by_hash(client, "abc", admin.token)

    for response in (unknown, others_cold, others_warm):
        assert response.status_code == 400 and code_of(response) == "PERSISTED_QUERY_NOT_FOUND"
    assert mismatch.status_code == 400 and code_of(mismatch) == "INVALID"
    assert malformed.status_code == 400


async def test_a_persisted_only_tenant_refuses_ad_hoc_documents(client):
    admin = await client.sign_up()
    locked_out = await client.mutate(SWITCH, {"on": True}, admin.token, "setPersistedOperationsOnly")
    await register(client, admin, ACCOUNTS)
    await register(client, admin, SWITCH, "Switch")

    switched = await client.mutate(SWITCH, {"on": True}, admin.token, "setPersistedOperationsOnly")
    ad_hoc = await client.post("{ accounts(first: 5) { nodes { name } } }", token=admin.token)
    registered_text = await client.post(ACCOUNTS, token=admin.token)  # the same text is the same hash
    registered_hash = await by_hash(client, sha(ACCOUNTS), admin.token)
    switched_off = await client.post(SWITCH, {"on": False}, token=admin.token)
    ad_hoc_again = await client.post("{ accounts(first: 5) { nodes { name } } }", token=admin.token)

    assert [(e["field"], e["code"]) for e in locked_out["errors"]] == [("enabled", "WOULD_LOCK_YOU_OUT")]
    assert switched == {"apiSettings": {"persistedOperationsOnly": True}, "errors": []}
    assert ad_hoc.status_code == 403 and code_of(ad_hoc) == "PERSISTED_QUERY_REQUIRED"
    assert registered_text.status_code == registered_hash.status_code == 200
    assert switched_off.json()["data"]["setPersistedOperationsOnly"]["apiSettings"] == {
        "persistedOperationsOnly": False
    }
    assert ad_hoc_again.status_code == 200


async def test_registration_needs_manage_settings_and_a_document(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales")

    refused = await client.outcome(
        REGISTER, {"input": {"name": "x", "query": ACCOUNTS}}, rep.token, "registerPersistedOperation"
    )
    broken = await register(client, admin, "{ accounts(")
    first = await register(client, admin, ACCOUNTS)
    duplicate = await register(client, admin, ACCOUNTS, "Again")

    assert refused == [(None, "PERMISSION_DENIED")]
    assert [(e["field"], e["code"]) for e in broken["errors"]] == [("query", "INVALID")]
    assert first["errors"] == []
    assert [(e["field"], e["code"]) for e in duplicate["errors"]] == [("query", "DUPLICATE")]


async def test_another_tenant_sees_and_deletes_nothing(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    operation_id = (await register(client, admin, ACCOUNTS))["persistedOperation"]["id"]

    listed = await client.execute(LIST, token=other.token)
    node = await client.execute(NODE, {"id": operation_id}, other.token)
    deleted = await client.mutate(DELETE, {"id": operation_id}, other.token, "deletePersistedOperation")
    mine = await client.execute(LIST, token=admin.token)
    removed = await client.mutate(DELETE, {"id": operation_id}, admin.token, "deletePersistedOperation")

    assert listed["persistedOperations"]["nodes"] == []
    assert node["node"] is None
    assert [(e["field"], e["code"]) for e in deleted["errors"]] == [("id", "NOT_FOUND")]
    assert [n["id"] for n in mine["persistedOperations"]["nodes"]] == [operation_id]
    assert removed["persistedOperation"] == {"name": "Accounts"}
    assert (await by_hash(client, sha(ACCOUNTS), admin.token)).status_code == 400


async def test_the_tables_keep_tenants_apart_in_sql(client, db):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    await register(client, admin, ACCOUNTS)
    await register(client, admin, SWITCH, "Switch")
    await client.mutate(SWITCH, {"on": True}, admin.token, "setPersistedOperationsOnly")
    connection = await db.connect()

    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
        seen = [
            await connection.fetchval("select count(*) from persisted_operations"),
            await connection.fetchval("select count(*) from tenant_api_settings"),
        ]
        updated = await connection.execute("update tenant_api_settings set persisted_operations_only = false")
    writes = [
        (
            "insert into persisted_operations (tenant_id, id, operation_hash, name, query_text, created_by_id)"
            " values ($1, gen_random_uuid(), $2, 'x', 'y', $3)",
            (admin.tenant_id, hashlib.sha256(b"y").digest(), relay_uuid(admin.user_id)),
        ),
        (
            "insert into tenant_api_settings (tenant_id, persisted_operations_only) values ($1, false)",
            (admin.tenant_id,),
        ),
    ]
    for statement, arguments in writes:  # into the first tenant, from inside the other: refused by RLS
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement, *arguments)

    assert seen == [0, 0]
    assert updated == "UPDATE 0"
    assert (await client.post("{ me { viaApiKey } }", token=admin.token)).status_code == 403
