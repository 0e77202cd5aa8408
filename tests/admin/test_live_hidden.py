"""Subscriptions obey field rules too: a hidden field arrives as null, a hidden custom field not at all."""

from __future__ import annotations

from tests.admin.documents import assign, create_role, define_field, grants
from tests.live.clients import NodeSubscriber, bearer
from tests.live.conftest import http_a, live_pair, server_a  # noqa: F401 - the live fixtures

ACCOUNTS_CHANGED = "subscription { accountsChanged { type account { name industry customFields } } }"
CREATE = """
mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } errors { code } } }"""


async def test_subscribers_never_receive_hidden_fields(server_a, http_a):  # noqa: F811
    admin = await http_a.sign_up()
    await define_field(http_a, admin, "account", "score", "INTEGER")
    hide = {"account": {"industry": "HIDDEN", "custom.score": "HIDDEN"}}
    role = await create_role(http_a, admin, "watcher", grants=grants(fields=hide))
    member = await http_a.add_member(admin, "viewer", "watcher")
    await assign(http_a, admin, member, role)
    watcher = await NodeSubscriber.start(server_a.ws_url, bearer(member.token), ACCOUNTS_CHANGED)
    try:
        await watcher.subscribed("accountsChanged")
        data = {"name": "Watched", "industry": "Secret", "custom": {"score": 9}}
        created = await http_a.execute(CREATE, {"input": data}, admin.token)
        assert created["createAccount"]["errors"] == []

        change = await watcher.change("accountsChanged")

        assert change["account"] == {"name": "Watched", "industry": None, "customFields": {}}
    finally:
        await watcher.stop()
