"""Custom roles, teams and member assignment through the API: happy paths, bad input, denials, audit."""

from __future__ import annotations

from tests.admin.documents import (
    ASSIGN_ROLE,
    CREATE_ROLE,
    CREATE_TEAM,
    DELETE_ROLE,
    DELETE_TEAM,
    ROLES,
    SET_TEAM,
    TEAMS,
    UPDATE_ROLE,
    UPDATE_TEAM,
    assign,
    create_role,
    create_team,
    define_field,
    error_pairs,
    grants,
    set_team,
)

AUDIT = """
query($filter: AuditLogFilter) { auditLog(filter: $filter, first: 50) { edges { node { action objectType changes } } } }"""


async def test_create_update_and_list_a_custom_role(client):
    admin = await client.sign_up()
    await define_field(client, admin, "account", "score", "INTEGER")
    fields = {"account": {"industry": "HIDDEN", "notes": "READ_ONLY", "custom.score": "HIDDEN"}}

    role = await create_role(
        client,
        admin,
        "auditor",
        grants=grants("TEAM_TREE", ["READ"], fields),
        capabilities=["VIEW_AUDIT_LOG"],
    )
    updated = (
        await client.execute(
            UPDATE_ROLE,
            {"id": role["id"], "version": 1, "input": {"name": "Auditors", "capabilities": []}},
            admin.token,
        )
    )["updateRole"]
    listed = (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"]

    account = next(g for g in role["grants"] if g["objectType"] == "account")
    assert account == {
        "objectType": "account",
        "actions": ["READ"],
        "scope": "TEAM_TREE",
        "fields": [
            {"field": "custom.score", "access": "HIDDEN"},
            {"field": "industry", "access": "HIDDEN"},
            {"field": "notes", "access": "READ_ONLY"},
        ],
    }
    assert role["capabilities"] == ["VIEW_AUDIT_LOG"]
    assert updated["errors"] == []
    assert (updated["role"]["name"], updated["role"]["version"], updated["role"]["capabilities"]) == (
        "Auditors",
        2,
        [],
    )
    assert updated["role"]["grants"] == role["grants"]
    assert [r["key"] for r in listed][:4] == ["admin", "manager", "sales", "viewer"]
    assert listed[-1]["key"] == "auditor" and listed[-1]["memberCount"] == 0
    audit = (await client.execute(AUDIT, {"filter": {"objectType": "role"}}, admin.token))["auditLog"]
    assert [e["node"]["action"] for e in audit["edges"]] == ["role.update", "role.create"]


async def test_role_input_is_checked(client):
    admin = await client.sign_up()
    cases = [
        ({"key": "admin"}, ("key", "INVALID")),
        ({"key": "Bad Key"}, ("key", "INVALID")),
        ({"grants": [{"objectType": "planet", "actions": ["READ"], "scope": "ALL"}]}, ("objects.0.objectType", "INVALID")),
        ({"grants": grants(fields={"account": {"name": "HIDDEN"}})}, ("objects.0.fields", "INVALID")),
        ({"grants": grants(fields={"account": {"parent": "HIDDEN"}})}, ("objects.0.fields", "INVALID")),
        ({"grants": grants(fields={"account": {"nope": "READ_ONLY"}})}, ("objects.0.fields", "INVALID")),
        ({"grants": grants(fields={"contact": {"custom.ghost": "HIDDEN"}})}, ("objects.1.fields", "INVALID")),
    ]  # fmt: skip
    for given, expected in cases:
        data = {"key": "custom", "name": "Custom", "grants": grants(), "capabilities": [], **given}
        payload = (await client.execute(CREATE_ROLE, {"input": data}, admin.token))["createRole"]
        assert error_pairs(payload) == [expected], given
    await create_role(client, admin, "custom")
    again = (
        await client.execute(
            CREATE_ROLE,
            {"input": {"key": "custom", "name": "X", "grants": [], "capabilities": []}},
            admin.token,
        )
    )["createRole"]
    assert error_pairs(again) == [("key", "DUPLICATE")]


async def test_only_role_managers_manage_roles_and_no_escalation(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    data = {"key": "x1", "name": "X", "grants": grants(), "capabilities": []}

    denied = await client.refused(CREATE_ROLE, {"input": data}, manager.token, "createRole")
    listing = await client.errors(ROLES, {}, manager.token)

    assert denied == [(None, "PERMISSION_DENIED")]
    assert listing[0]["extensions"]["code"] == "PERMISSION_DENIED"
    # A role manager without manage_users cannot mint a role that has it.
    role_admin = await create_role(client, admin, "role-admin", capabilities=["MANAGE_ROLES"])
    delegate = await client.add_member(admin, "viewer", "delegate")
    await assign(client, admin, delegate, role_admin)
    escalation = {"key": "x2", "name": "X", "grants": grants(), "capabilities": ["MANAGE_USERS"]}
    assert await client.refused(
        CREATE_ROLE,
        {"input": escalation},
        delegate.token,
        "createRole",
    ) == [("capabilities", "PERMISSION_DENIED")]


async def test_builtin_roles_are_fixed_and_used_roles_stay(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    builtin = (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"][0]
    custom = await create_role(client, admin, "custom")
    await assign(client, admin, rep, custom)

    change = await client.execute(
        UPDATE_ROLE, {"id": builtin["id"], "version": 1, "input": {"name": "X"}}, admin.token
    )
    remove_builtin = (await client.execute(DELETE_ROLE, {"id": builtin["id"]}, admin.token))["deleteRole"]
    remove_used = (await client.execute(DELETE_ROLE, {"id": custom["id"]}, admin.token))["deleteRole"]
    stale = await client.execute(
        UPDATE_ROLE, {"id": custom["id"], "version": 9, "input": {"name": "X"}}, admin.token
    )

    assert error_pairs(change["updateRole"]) == [("id", "INVALID")]
    assert error_pairs(remove_builtin) == [("id", "INVALID")]
    assert error_pairs(remove_used) == [("id", "INVALID")]
    assert remove_used["errors"][0]["message"].startswith("1 member(s)")
    assert error_pairs(stale["updateRole"]) == [("version", "CONFLICT")]
    sales = next(
        r for r in (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"] if r["key"] == "sales"
    )
    await assign(client, admin, rep, sales)
    removed = (await client.execute(DELETE_ROLE, {"id": custom["id"]}, admin.token))["deleteRole"]
    assert removed["errors"] == []


async def test_assign_role_keeps_an_admin_and_is_audited(client):
    admin = await client.sign_up()
    roles = {r["key"]: r for r in (await client.execute(ROLES, {}, admin.token))["roles"]["nodes"]}
    from tests.admin.documents import create as _unused  # noqa: F401

    me = type("Me", (), {"user_id": admin.user_id})
    last = await client.execute(
        ASSIGN_ROLE, {"userId": me.user_id, "roleId": roles["viewer"]["id"]}, admin.token
    )
    assert error_pairs(last["assignRole"]) == [("userId", "LAST_ADMIN")]
    rep = await client.add_member(admin, "sales", "rep")
    await assign(client, admin, rep, roles["manager"])
    audit = (await client.execute(AUDIT, {"filter": {"action": "member.assign_role"}}, admin.token))[
        "auditLog"
    ]
    assert len(audit["edges"]) == 1
    stranger = await client.execute(ASSIGN_ROLE, {"userId": rep.user_id, "roleId": "VGVhbTox"}, admin.token)
    assert error_pairs(stranger["assignRole"]) == [("roleId", "NOT_FOUND")]


async def test_teams_nest_without_cycles(client):
    admin = await client.sign_up()
    sales = await create_team(client, admin, "Sales")
    east = await create_team(client, admin, "Sales East", sales["id"])
    north = await create_team(client, admin, "Sales East North", east["id"])

    cycle = await client.execute(
        UPDATE_TEAM, {"id": sales["id"], "version": 1, "input": {"parentId": north["id"]}}, admin.token
    )
    self_parent = await client.execute(
        UPDATE_TEAM, {"id": sales["id"], "version": 1, "input": {"parentId": sales["id"]}}, admin.token
    )
    duplicate = (await client.execute(CREATE_TEAM, {"input": {"name": "sales"}}, admin.token))["createTeam"]
    blank = (await client.execute(CREATE_TEAM, {"input": {"name": " "}}, admin.token))["createTeam"]
    moved = await client.execute(
        UPDATE_TEAM,
        {"id": north["id"], "version": 1, "input": {"parentId": None, "name": "North"}},
        admin.token,
    )
    listed = (await client.execute(TEAMS, {}, admin.token))["teams"]["nodes"]

    assert error_pairs(cycle["updateTeam"]) == [("parentId", "CYCLE")]
    assert error_pairs(self_parent["updateTeam"]) == [("parentId", "CYCLE")]
    assert error_pairs(duplicate) == [("name", "DUPLICATE")]
    assert error_pairs(blank) == [("name", "REQUIRED")]
    assert moved["updateTeam"]["team"] == {"id": north["id"], "name": "North", "parentId": None, "version": 2}
    assert [(t["name"], t["parentId"]) for t in listed] == [
        ("North", None),
        ("Sales", None),
        ("Sales East", sales["id"]),
    ]


async def test_team_membership_and_deletion_rules(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    sales = await create_team(client, admin, "Sales")
    east = await create_team(client, admin, "East", sales["id"])
    await set_team(client, admin, manager, east)

    denied = await client.refused(
        SET_TEAM, {"userId": admin.user_id, "teamId": east["id"]}, manager.token, "setMemberTeam"
    )
    create_denied = await client.refused(CREATE_TEAM, {"input": {"name": "X"}}, manager.token, "createTeam")
    parent_in_use = (await client.execute(DELETE_TEAM, {"id": sales["id"]}, admin.token))["deleteTeam"]
    members_in_use = (await client.execute(DELETE_TEAM, {"id": east["id"]}, admin.token))["deleteTeam"]
    await set_team(client, admin, manager, None)
    removed = (await client.execute(DELETE_TEAM, {"id": east["id"]}, admin.token))["deleteTeam"]

    assert denied == [(None, "PERMISSION_DENIED")]
    assert create_denied == [(None, "PERMISSION_DENIED")]
    assert error_pairs(parent_in_use) == [("id", "INVALID")]
    assert error_pairs(members_in_use) == [("id", "INVALID")]
    assert removed["errors"] == []
    actions = (await client.execute(AUDIT, {"filter": {"objectType": "user"}}, admin.token))["auditLog"]
    assert [e["node"]["action"] for e in actions["edges"]][:2] == ["member.set_team", "member.set_team"]


async def test_members_see_their_own_field_rules_in_me(client):
    admin = await client.sign_up()
    fields = {"contact": {"emails": "HIDDEN", "notes": "READ_ONLY"}}
    role = await create_role(client, admin, "limited", grants=grants("OWN", ["READ"], fields))
    member = await client.add_member(admin, "viewer", "member")
    await assign(client, admin, member, role)

    me = await client.execute(
        "{ me { permissions { objects { objectType scope hiddenFields readOnlyFields } } } }",
        {},
        member.token,
    )

    contact = next(o for o in me["me"]["permissions"]["objects"] if o["objectType"] == "contact")
    assert contact == {
        "objectType": "contact",
        "scope": "own",
        "hiddenFields": ["emails"],
        "readOnlyFields": ["notes"],
    }
