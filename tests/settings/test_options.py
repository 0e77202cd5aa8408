"""Option lists: lazy defaults, stable keys, admin changes, archived options refused on writes."""

from __future__ import annotations

import uuid

import pytest

from tenants.errors import DomainError
from tenants.options import require_option
from tests.support import GraphQLClient

OPTION_LIST = """
query($key: String!, $all: Boolean!) {
  optionList(key: $key, includeArchived: $all) { key label options { key label position archived } } }
"""
FIELDS = "option { key label position archived } errors { field code message }"
ADD = f"mutation($input: AddOptionInput!) {{ addOption(input: $input) {{ {FIELDS} }} }}"
UPDATE = f"mutation($input: UpdateOptionInput!) {{ updateOption(input: $input) {{ {FIELDS} }} }}"
ARCHIVE = f"mutation($l: String!, $k: String!) {{ archiveOption(listKey: $l, key: $k) {{ {FIELDS} }} }}"
RESTORE = f"mutation($l: String!, $k: String!) {{ restoreOption(listKey: $l, key: $k) {{ {FIELDS} }} }}"


async def options_of(client: GraphQLClient, token: str, archived: bool = False) -> list[dict]:
    data = await client.execute(OPTION_LIST, {"key": "test_sources", "all": archived}, token)
    return data["optionList"]["options"]


async def test_defaults_then_add_rename_move_archive_restore(services, client: GraphQLClient) -> None:
    admin = await client.sign_up("Options")
    assert [o["key"] for o in await options_of(client, admin.token)] == ["web", "phone"]

    added = await client.execute(
        ADD,
        {"input": {"listKey": "test_sources", "key": "trade_fair", "label": "Trade fair", "position": 0}},
        admin.token,
    )
    assert added["addOption"]["errors"] == []
    renamed = await client.execute(
        UPDATE,
        {"input": {"listKey": "test_sources", "key": "web", "label": "Website", "position": 2}},
        admin.token,
    )
    assert renamed["updateOption"]["option"] == {
        "key": "web",
        "label": "Website",
        "position": 2,
        "archived": False,
    }
    assert [o["key"] for o in await options_of(client, admin.token)] == ["trade_fair", "phone", "web"]

    archived = await client.execute(ARCHIVE, {"l": "test_sources", "k": "phone"}, admin.token)
    assert archived["archiveOption"]["option"]["archived"] is True
    assert [o["key"] for o in await options_of(client, admin.token)] == ["trade_fair", "web"]
    assert len(await options_of(client, admin.token, archived=True)) == 3

    tenant = uuid.UUID(admin.tenant_id)
    async with services.db.transaction(tenant) as session:
        await require_option(session, tenant, "test_sources", "trade_fair", "source")
        with pytest.raises(DomainError) as error:
            await require_option(session, tenant, "test_sources", "phone", "source")
    assert error.value.field == "source" and "trade_fair" in error.value.message

    restored = await client.execute(RESTORE, {"l": "test_sources", "k": "phone"}, admin.token)
    assert restored["restoreOption"]["option"]["archived"] is False


async def test_bad_option_input_is_refused(client: GraphQLClient) -> None:
    admin = await client.sign_up("Bad options")

    async def add_error(values: dict) -> dict:
        data = await client.execute(ADD, {"input": {"listKey": "test_sources", **values}}, admin.token)
        return data["addOption"]["errors"][0]

    assert (await add_error({"key": "Web Form", "label": "x"}))["field"] == "key"
    assert (await add_error({"key": "web", "label": "again"}))["code"] == "DUPLICATE"
    assert (await add_error({"key": "ok", "label": "  "}))["field"] == "label"
    assert (await add_error({"key": "ok", "label": "x" * 101}))["code"] == "TOO_LONG"
    assert (await add_error({"key": "ok", "label": "ok", "position": -1}))["field"] == "position"
    unknown_list = await client.execute(
        ADD, {"input": {"listKey": "nope", "key": "a", "label": "A"}}, admin.token
    )
    assert unknown_list["addOption"]["errors"][0]["code"] == "NOT_FOUND"
    missing = await client.execute(ARCHIVE, {"l": "test_sources", "k": "ghost"}, admin.token)
    assert missing["archiveOption"]["errors"][0]["code"] == "NOT_FOUND"
    errors = await client.errors(OPTION_LIST, {"key": "nope", "all": False}, admin.token)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_only_field_managers_change_lists_and_tenants_keep_their_own(client: GraphQLClient) -> None:
    admin = await client.sign_up("Mine")
    manager = await client.add_member(admin, "manager")
    other = await client.sign_up("Theirs")
    await client.execute(
        ADD, {"input": {"listKey": "test_sources", "key": "mine", "label": "Mine"}}, admin.token
    )

    denied = await client.refused(
        ADD, {"input": {"listKey": "test_sources", "key": "x", "label": "X"}}, manager.token, "addOption"
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    assert "mine" in [o["key"] for o in await options_of(client, manager.token)]  # reading is for everyone
    assert [o["key"] for o in await options_of(client, other.token)] == ["web", "phone"]
    # Archiving in one tenant cannot reach the other's option of the same key.
    await client.execute(ARCHIVE, {"l": "test_sources", "k": "web"}, other.token)
    assert "web" in [o["key"] for o in await options_of(client, admin.token)]
