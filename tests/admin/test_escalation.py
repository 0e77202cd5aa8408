"""Nobody grants what they do not hold, and nobody changes a member who holds more than they do.

The attacker throughout is `ops`: a member whose custom role holds user (and role) management but
fewer record rights than an admin.
"""

from __future__ import annotations

from tests.admin.documents import (
    ASSIGN_ROLE,
    CREATE_ROLE,
    DEACTIVATE,
    DELETE_ROLE,
    REACTIVATE,
    REASSIGN,
    ROLES,
    SET_TEAM,
    UPDATE_ROLE,
    assign,
    create_role,
    create_team,
    error_pairs,
    grants,
)
from tests.support import INVITE, mutation_outcome, unique_email

CREATE_KEY = """
mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret errors { field code message } } }"""
ME = "{ me { user { id } } }"
OPS_FIELDS = {"account": {"industry": "HIDDEN", "notes": "READ_ONLY"}}


async def ops_member(client, admin, capabilities=("MANAGE_USERS", "MANAGE_ROLES")):
    role = await create_role(
        client, admin, "ops", grants=grants("TEAM", None, OPS_FIELDS), capabilities=list(capabilities)
    )
    ops = await client.add_member(admin, "viewer", "ops")
    await assign(client, admin, ops, role)
    return ops


def one_grant(object_type="account", scope="TEAM", actions=("READ",), fields=None):
    rules = [{"field": f, "access": a} for f, a in (fields or {}).items()]
    return [{"objectType": object_type, "actions": list(actions), "scope": scope, "fields": rules}]


async def role_ids(client, admin):
    return {r["key"]: r["id"] for r in (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"]}


async def test_a_user_manager_cannot_mint_an_admin_key_or_invite_an_admin(client):
    admin = await client.sign_up()
    ops = await ops_member(client, admin)
    covered = {"industry": "HIDDEN", "notes": "READ_ONLY"}
    await create_role(client, admin, "reader", grants=one_grant(fields=covered))

    results = {}
    for role_key in ("admin", "viewer", "reader"):
        key = await client.outcome(
            CREATE_KEY, {"input": {"name": "k", "roleKey": role_key}}, ops.token, "createApiKey"
        )
        invite = await client.outcome(
            INVITE, {"input": {"email": unique_email(), "roleKey": role_key}}, ops.token, "inviteUser"
        )
        results[role_key] = (key, invite)

    denied = [("roleKey", "PERMISSION_DENIED")]
    assert results["admin"] == (denied, denied)
    assert results["viewer"] == (denied, denied)  # viewers read every object type; ops reads three
    assert results["reader"] == ([], [])


async def test_nobody_assigns_a_role_beyond_their_own_even_to_themselves(client):
    admin = await client.sign_up()
    ops = await ops_member(client, admin)
    rep = await client.add_member(admin, "viewer", "rep")
    narrow = await create_role(
        client, admin, "narrow", grants=one_grant(fields={"industry": "HIDDEN", "notes": "HIDDEN"})
    )
    await assign(client, admin, rep, narrow)
    ids = await role_ids(client, admin)

    promote_self = await client.mutate(
        ASSIGN_ROLE, {"userId": ops.user_id, "roleId": ids["admin"]}, ops.token, "assignRole"
    )
    promote_rep = await client.refused(
        ASSIGN_ROLE, {"userId": rep.user_id, "roleId": ids["manager"]}, ops.token, "assignRole"
    )

    assert promote_self["refused"] and error_pairs(promote_self) == [("roleId", "PERMISSION_DENIED")]
    assert promote_rep == [("roleId", "PERMISSION_DENIED")]
    assert "capability manage_settings" in promote_self["errors"][0]["message"]
    still = (await client.execute("{ me { role { key } } }", token=ops.token))["me"]
    assert still == {"role": {"key": "ops"}}


async def test_role_edits_cannot_exceed_the_editor(client):
    admin = await client.sign_up()
    ops = await ops_member(client, admin)
    wide = await create_role(client, admin, "wide")
    cases = [
        (one_grant(scope="ALL", fields={"industry": "HIDDEN", "notes": "HIDDEN"}), "scope all"),
        (one_grant(fields={"notes": "HIDDEN"}), "account.industry: visible"),
        (one_grant(fields={"industry": "HIDDEN"}), "account.notes: writable"),
        (one_grant("opportunity"), "opportunity: read"),
    ]

    for given, reason in cases:
        data = {"key": "sneaky", "name": "Sneaky", "grants": given, "capabilities": []}
        body = (await client.post(CREATE_ROLE, {"input": data}, ops.token)).json()
        assert mutation_outcome(body, "createRole") == [("objects.0", "PERMISSION_DENIED")], given
        assert reason in body["errors"][0]["message"]
    stricter = one_grant(fields={"industry": "HIDDEN", "notes": "HIDDEN"})
    allowed = (
        await client.execute(
            CREATE_ROLE,
            {"input": {"key": "ok", "name": "Ok", "grants": stricter, "capabilities": []}},
            ops.token,
        )
    )["createRole"]
    rename_wide = await client.refused(
        UPDATE_ROLE, {"id": wide["id"], "version": 1, "input": {"name": "Mine"}}, ops.token, "updateRole"
    )
    delete_wide = await client.refused(DELETE_ROLE, {"id": wide["id"]}, ops.token, "deleteRole")
    widen_ok = await client.refused(
        UPDATE_ROLE,
        {"id": allowed["role"]["id"], "version": 1, "input": {"grants": grants()}},
        ops.token,
        "updateRole",
    )

    assert allowed["errors"] == []
    assert rename_wide == [("id", "PERMISSION_DENIED")]
    assert delete_wide == [("id", "PERMISSION_DENIED")]
    assert [code for _, code in widen_ok] == ["PERMISSION_DENIED"] * 3


async def test_a_user_manager_cannot_touch_the_owner_or_anyone_above_them(client):
    admin = await client.sign_up()
    ops = await ops_member(client, admin)
    second_admin = await client.add_member(admin, "admin", "second")
    team = await create_team(client, admin, "Ops")
    reader = await create_role(
        client, admin, "reader", grants=one_grant(fields={"industry": "HIDDEN", "notes": "HIDDEN"})
    )
    rep = await client.add_member(admin, "viewer", "rep")
    await assign(client, admin, rep, reader)
    ids = await role_ids(client, admin)
    await client.execute(DEACTIVATE, {"userId": second_admin.user_id}, admin.token)

    attempts = {
        "deactivate": await client.refused(
            DEACTIVATE, {"userId": admin.user_id}, ops.token, "deactivateMember"
        ),
        "demote": await client.refused(
            ASSIGN_ROLE, {"userId": admin.user_id, "roleId": ids["reader"]}, ops.token, "assignRole"
        ),
        "team": await client.refused(
            SET_TEAM, {"userId": admin.user_id, "teamId": team["id"]}, ops.token, "setMemberTeam"
        ),
        "reassign": await client.refused(
            REASSIGN, {"from": admin.user_id, "to": ops.user_id}, ops.token, "reassignRecords"
        ),
        "reactivate": await client.refused(
            REACTIVATE, {"userId": second_admin.user_id}, ops.token, "reactivateMember"
        ),
    }

    for name, pairs in attempts.items():
        field = "fromUserId" if name == "reassign" else "userId"
        assert pairs == [(field, "PERMISSION_DENIED")], name
    assert (await client.execute(ME, token=admin.token))["me"]["user"]["id"] == admin.user_id
    below = (await client.execute(DEACTIVATE, {"userId": rep.user_id}, ops.token))["deactivateMember"]
    assert below["errors"] == []
    equal = (await client.execute(REACTIVATE, {"userId": second_admin.user_id}, admin.token))[
        "reactivateMember"
    ]
    assert equal["errors"] == []


async def test_a_user_manager_without_role_rights_still_cannot_deactivate_the_owner(client):
    admin = await client.sign_up()
    ops = await ops_member(client, admin, capabilities=["MANAGE_USERS"])

    refused = await client.refused(DEACTIVATE, {"userId": admin.user_id}, ops.token, "deactivateMember")

    assert refused == [("userId", "PERMISSION_DENIED")]
    assert (await client.post(ME, token=admin.token)).status_code == 200


def test_covers_compares_capabilities_actions_scope_and_field_rules():
    from tenants.permissions import Action, Capability, FieldAccess, ObjectGrant, Permissions, Scope

    def role(scope=Scope.TEAM, actions=(Action.READ,), fields=None, capabilities=()):
        grant = ObjectGrant(frozenset(actions), scope, fields or {})
        return Permissions({"account": grant}, frozenset(capabilities))

    mine = role(
        fields={"industry": FieldAccess.HIDDEN, "notes": FieldAccess.READ_ONLY},
        capabilities=[Capability.EXPORT],
    )
    strict = {"industry": FieldAccess.HIDDEN, "notes": FieldAccess.HIDDEN}

    assert mine.covers(role(Scope.OWN, fields=strict))
    assert mine.covers(role(fields={"industry": FieldAccess.HIDDEN, "notes": FieldAccess.READ_ONLY}))
    assert mine.covers(Permissions({"account": ObjectGrant(frozenset(), Scope.ALL)}))  # no actions: nothing
    assert mine.exceeding(role(Scope.TEAM_TREE, fields=strict)) == ["account: scope team_and_subteams"]
    assert mine.exceeding(role(actions=(Action.READ, Action.DELETE), fields=strict)) == ["account: delete"]
    assert mine.exceeding(role(fields={"notes": FieldAccess.READ_ONLY})) == ["account.industry: visible"]
    assert mine.exceeding(role(fields={"industry": FieldAccess.HIDDEN})) == ["account.notes: writable"]
    assert mine.exceeding(role(fields=strict, capabilities=[Capability.EXPORT, Capability.MANAGE_USERS])) == [
        "capability manage_users"
    ]
    assert mine.exceeding(Permissions({"contact": ObjectGrant(frozenset([Action.READ]), Scope.OWN)})) == [
        "contact: read"
    ]
