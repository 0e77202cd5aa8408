"""A user in two tenants manages each one only: roles, members and admin counts are the current tenant's."""

from __future__ import annotations

from tests.admin.documents import (
    ASSIGN_ROLE,
    DELETE_ROLE,
    MEMBERS,
    ROLES,
    UPDATE_ROLE,
    create_role,
    error_pairs,
)
from tests.support import ACCEPT, INVITE, PASSWORD

ROLE_IDS = "{ roles { nodes { id key } } }"


async def in_two_tenants(client, role_key="admin"):
    """`home`'s admin also joins `other` (accepting signed in as themselves) with `role_key`, a built-in
    role or a custom role `other` gets first (through RLS they see the role they hold there)."""
    home = await client.sign_up("Home")
    other = await client.sign_up("Other")
    if role_key != "admin":
        await create_role(client, other, role_key)
    invited = await client.execute(INVITE, {"input": {"email": home.email, "roleKey": role_key}}, other.token)
    variables = {"input": {"token": invited["inviteUser"]["token"], "password": PASSWORD}}
    accepted = (await client.execute(ACCEPT, variables, home.token))["acceptInvite"]
    assert accepted["errors"] == [] and accepted["tenant"]["id"] == other.tenant_node_id
    return home, other


async def test_lists_show_the_current_tenant_only(client):
    home, _ = await in_two_tenants(client)

    roles = (await client.execute(ROLES, {}, home.token))["roles"]["nodes"]
    members = (await client.execute(MEMBERS, {}, home.token))["tenantMembers"]["nodes"]

    assert sorted(r["key"] for r in roles) == ["admin", "manager", "sales", "viewer"]
    assert [(m["userId"], m["roleKey"]) for m in members] == [(home.user_id, "admin")]


async def test_the_other_tenants_role_is_not_found_and_admins_are_counted_per_tenant(client):
    home, other = await in_two_tenants(client)
    rep = await client.add_member(home, "sales", "rep")
    foreign = {
        r["key"]: r["id"] for r in (await client.execute(ROLE_IDS, token=other.token))["roles"]["nodes"]
    }
    mine = {r["key"]: r["id"] for r in (await client.execute(ROLE_IDS, token=home.token))["roles"]["nodes"]}

    foreign_role = await client.execute(
        ASSIGN_ROLE, {"userId": rep.user_id, "roleId": foreign["admin"]}, home.token
    )
    last_admin = await client.execute(
        ASSIGN_ROLE, {"userId": home.user_id, "roleId": mine["viewer"]}, home.token
    )

    assert error_pairs(foreign_role["assignRole"]) == [("roleId", "NOT_FOUND")]
    # The same person is an admin of `other`; that does not make `home` keep an admin.
    assert error_pairs(last_admin["assignRole"]) == [("userId", "LAST_ADMIN")]


async def test_the_other_tenants_custom_role_cannot_be_changed_or_used(client):
    home, other = await in_two_tenants(client, "theirs")
    theirs = next(
        r for r in (await client.execute(ROLES, {}, other.token))["roles"]["nodes"] if r["key"] == "theirs"
    )
    rep = await client.add_member(home, "sales", "rep")
    create_key = 'mutation($r: String!) { createApiKey(input: {name: "k", roleKey: $r}) { secret errors { field code } } }'

    update = await client.execute(
        UPDATE_ROLE, {"id": theirs["id"], "version": 1, "input": {"name": "Mine"}}, home.token
    )
    delete = await client.execute(DELETE_ROLE, {"id": theirs["id"]}, home.token)
    assign = await client.execute(ASSIGN_ROLE, {"userId": rep.user_id, "roleId": theirs["id"]}, home.token)
    key = await client.execute(create_key, {"r": "theirs"}, home.token)

    assert error_pairs(update["updateRole"]) == [("id", "NOT_FOUND")]
    assert error_pairs(delete["deleteRole"]) == [("id", "NOT_FOUND")]
    assert error_pairs(assign["assignRole"]) == [("roleId", "NOT_FOUND")]
    assert key["createApiKey"]["errors"] == [{"field": "roleKey", "code": "NOT_FOUND"}]
    assert [r["key"] for r in (await client.execute(ROLES, {}, other.token))["roles"]["nodes"]].count(
        "theirs"
    ) == 1
