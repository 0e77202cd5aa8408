"""accountChanged / accountsChanged over real sockets against real uvicorn processes."""

from __future__ import annotations

from typing import Any

from tests.admin.documents import UPDATE_ROLE, assign, create_role, grants
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


async def test_a_mutation_on_one_process_reaches_a_subscriber_on_another(
    server_b: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    watcher = await NodeSubscriber.start(server_b.ws_url, bearer(admin.token), ACCOUNTS_CHANGED)
    try:
        await watcher.subscribed("accountsChanged")
        account = await create_account(http_a, admin.token, "Made on A")
        change = await watcher.change("accountsChanged")
        assert (change["type"], change["accountId"], change["account"]["name"]) == (
            "account.created",
            account["id"],
            "Made on A",
        )
    finally:
        await watcher.stop()


async def test_a_mutation_that_fails_emits_nothing(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    account = await create_account(http_a, admin.token, "Stable")
    watcher = await NodeSubscriber.start(server_a.ws_url, bearer(admin.token), ACCOUNTS_CHANGED)
    try:
        await watcher.subscribed("accountsChanged")
        stale = await http_a.execute(
            UPDATE, {"id": account["id"], "version": 7, "input": {"name": "Lost"}}, admin.token
        )
        assert stale["updateAccount"]["errors"][0]["code"] == "CONFLICT"
        invalid = await http_a.execute(CREATE, {"input": {"name": ""}}, admin.token)
        assert invalid["createAccount"]["errors"][0]["field"] == "name"
        deleted = await http_a.execute(DELETE, {"id": account["id"], "version": 1}, admin.token)
        assert deleted["deleteAccount"]["errors"] == []

        change = await watcher.change("accountsChanged")
        assert (change["type"], change["version"]) == ("account.deleted", 2)
        await watcher.nothing_within(0.3)
    finally:
        await watcher.stop()


async def test_each_role_hears_only_about_the_accounts_it_may_see(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    rep = await http_a.add_member(admin, "sales", "rep")
    viewer = await http_a.add_member(admin, "viewer", "viewer")
    reps_feed = await NodeSubscriber.start(server_a.ws_url, bearer(rep.token), ACCOUNTS_CHANGED)
    viewers_feed = await NodeSubscriber.start(server_a.ws_url, bearer(viewer.token), ACCOUNTS_CHANGED)
    try:
        await reps_feed.subscribed("accountsChanged")
        await viewers_feed.subscribed("accountsChanged")
        admins = await create_account(http_a, admin.token, "The admin's")
        reps = await create_account(http_a, admin.token, "The rep's", ownerId=rep.user_id)

        assert [(await viewers_feed.change("accountsChanged"))["accountId"] for _ in range(2)] == [
            admins["id"],
            reps["id"],
        ]
        only = await reps_feed.change("accountsChanged")
        assert (only["accountId"], only["account"]["owner"]["email"]) == (reps["id"], rep.email)
        await reps_feed.nothing_within(0.3)
    finally:
        await reps_feed.stop()
        await viewers_feed.stop()


async def test_account_changed_is_authorized_like_a_query(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    stranger = await http_a.sign_up("Elsewhere")
    rep = await http_a.add_member(admin, "sales", "rep")
    admins = await create_account(http_a, admin.token, "Not the rep's")

    for member in (rep, stranger):
        watcher = await NodeSubscriber.start(
            server_a.ws_url, bearer(member.token), ACCOUNT_CHANGED, {"id": admins["id"]}
        )
        try:
            refused = await watcher.next()
            assert refused["data"] is None
            assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
            assert (await watcher.line())["kind"] == "complete"
        finally:
            await watcher.stop()


async def test_account_changed_follows_one_account_until_it_leaves_the_view(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    rep = await http_a.add_member(admin, "sales", "rep")
    mine = await create_account(http_a, admin.token, "Watched", ownerId=rep.user_id)
    other = await create_account(http_a, admin.token, "Unwatched", ownerId=rep.user_id)
    watcher = await NodeSubscriber.start(
        server_a.ws_url, bearer(rep.token), ACCOUNT_CHANGED, {"id": mine["id"]}
    )
    try:
        first = await watcher.subscribed("accountChanged")
        assert (first["accountId"], first["account"]["name"], first["version"]) == (mine["id"], "Watched", 1)

        await http_a.execute(
            UPDATE, {"id": other["id"], "version": 1, "input": {"name": "Other"}}, admin.token
        )
        await http_a.execute(
            UPDATE, {"id": mine["id"], "version": 1, "input": {"name": "Renamed"}}, admin.token
        )
        renamed = await watcher.change("accountChanged")
        assert (renamed["type"], renamed["account"]["name"], renamed["version"]) == (
            "account.updated",
            "Renamed",
            2,
        )
        # Reassigned to the admin: the rep may no longer see it; told once, then the stream ends.
        await http_a.execute(
            UPDATE, {"id": mine["id"], "version": 2, "input": {"ownerId": admin.user_id}}, admin.token
        )
        hidden = await watcher.change("accountChanged")
        assert hidden == {
            "type": "account.hidden",
            "accountId": mine["id"],
            "version": None,
            "dropped": False,
            "account": None,
        }
        assert (await watcher.line())["kind"] == "complete"
    finally:
        await watcher.stop()


async def test_a_slow_reader_gets_a_dropped_signal_instead_of_a_growing_queue(
    server_a: Server, http_a: GraphQLClient
) -> None:
    """25 accounts in one transaction: their notifications arrive together at commit, while the
    subscriber's queue holds 4 (CRM_LIVE_QUEUE_SIZE on the test servers) and each delivery re-reads."""
    admin = await http_a.sign_up()
    watcher = await NodeSubscriber.start(server_a.ws_url, bearer(admin.token), ACCOUNTS_CHANGED)
    try:
        await watcher.subscribed("accountsChanged")
        burst = " ".join(
            f'a{n}: createAccount(input: {{name: "Burst {n}"}}) {{ errors {{ code }} }}' for n in range(25)
        )
        await http_a.execute(f"mutation {{ {burst} }}", token=admin.token)

        received = []
        while True:
            change = await watcher.change("accountsChanged")
            received.append(change)
            if change["dropped"]:
                assert change["type"] == "dropped" and change["account"] is None
                break
        assert len(received) < 25
        # The stream carries on after the signal (what is left of the burst, then new changes).
        after = await create_account(http_a, admin.token, "After the burst")
        while (change := await watcher.change("accountsChanged"))["accountId"] != after["id"]:
            assert change["type"] in {"account.created", "dropped"}
    finally:
        await watcher.stop()


async def test_field_rules_of_a_custom_role_apply_to_deliveries_and_role_changes_apply_at_once(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    reader = await http_a.add_member(admin, "viewer", "reader")
    hidden = {"account": {"industry": "HIDDEN"}}
    role = await create_role(http_a, admin, "reader", grants=grants("ALL", actions=["READ"], fields=hidden))
    await assign(http_a, admin, reader, role)
    feed = await NodeSubscriber.start(
        server_a.ws_url,
        bearer(reader.token),
        "subscription { accountsChanged { type account { name industry } } }",
    )
    try:
        await feed.subscribed("accountsChanged")
        await create_account(http_a, admin.token, "Mine", industry="Mining")
        assert (await feed.change("accountsChanged"))["account"] == {"name": "Mine", "industry": None}

        updated = await http_a.execute(
            UPDATE_ROLE,
            {
                "id": role["id"],
                "version": role["version"],
                "input": {"grants": grants("ALL", actions=["READ"])},
            },
            admin.token,
        )
        assert updated["updateRole"]["errors"] == []
        await create_account(http_a, admin.token, "Fish", industry="Fishing")
        assert (await feed.change("accountsChanged"))["account"] == {"name": "Fish", "industry": "Fishing"}
    finally:
        await feed.stop()
