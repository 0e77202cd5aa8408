"""accountChanged / accountsChanged over real sockets against real uvicorn processes."""

from __future__ import annotations

from typing import Any

from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.support import GraphQLClient

ACCOUNTS_CHANGED = """
subscription { accountsChanged { type accountId version dropped account { id name version owner { email } } } }
"""
ACCOUNT_CHANGED = """
subscription Watch($id: ID!) { accountChanged(id: $id) { type accountId version dropped account { id name deletedAt } } }
"""
CREATE = """
mutation Create($input: CreateAccountInput!) { createAccount(input: $input) {
  account { id version } errors { field code message } } }
"""
UPDATE = """
mutation Update($id: ID!, $version: Int!, $input: UpdateAccountInput!) { updateAccount(id: $id, version: $version, input: $input) {
  account { id version } errors { field code message } } }
"""
DELETE = """
mutation Delete($id: ID!, $version: Int!) { deleteAccount(id: $id, version: $version) {
  account { id version } errors { field code message } } }
"""


async def create_account(http: GraphQLClient, token: str, name: str, **extra: Any) -> dict[str, Any]:
    data = await http.execute(CREATE, {"input": {"name": name, **extra}}, token)
    assert data["createAccount"]["errors"] == [], data
    return data["createAccount"]["account"]


async def test_a_subscriber_sees_its_tenants_changes_in_order_and_never_another_tenants(
    server_a: Server, http_a: GraphQLClient
) -> None:
    alice = await http_a.sign_up("Tenant A")
    bob = await http_a.sign_up("Tenant B")
    watcher = await NodeSubscriber.start(server_a.ws_url, bearer(alice.token), ACCOUNTS_CHANGED)
    try:
        await watcher.subscribed("accountsChanged")

        await create_account(http_a, bob.token, "B's secret")
        first = await create_account(http_a, alice.token, "First")
        await create_account(http_a, bob.token, "B's other secret")
        updated = await http_a.execute(
            UPDATE, {"id": first["id"], "version": 1, "input": {"name": "First, renamed"}}, alice.token
        )
        assert updated["updateAccount"]["errors"] == []
        second = await create_account(http_a, alice.token, "Second")

        changes = [await watcher.change("accountsChanged") for _ in range(3)]
        assert [(c["type"], c["accountId"], c["version"]) for c in changes] == [
            ("account.created", first["id"], 1),
            ("account.updated", first["id"], 2),
            ("account.created", second["id"], 1),
        ]
        assert changes[1]["account"]["name"] == "First, renamed"
        assert changes[0]["account"]["owner"]["email"] == alice.email
        await watcher.nothing_within(0.5)
    finally:
        await watcher.stop()
