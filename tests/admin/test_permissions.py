"""Every administration mutation refuses a member without the capability it needs (a manager here: it has
export, audit log, approvals and reports, but not manage_fields / manage_roles / manage_users)."""

from __future__ import annotations

from tests.admin.documents import (
    ARCHIVE_FIELD,
    ASSIGN_ROLE,
    CREATE_FIELD,
    CREATE_ROLE,
    CREATE_TEAM,
    DEACTIVATE,
    DELETE_ROLE,
    DELETE_TEAM,
    MEMBERS,
    PURGE_FIELD,
    REACTIVATE,
    REASSIGN,
    RESTORE_FIELD,
    SET_TEAM,
    UPDATE_FIELD,
    UPDATE_ROLE,
    UPDATE_TEAM,
    create_role,
    create_team,
    define_field,
    grants,
)

DENIED = [(None, "PERMISSION_DENIED")]


async def test_admin_mutations_need_their_capability(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    definition = await define_field(client, admin, "account", "a", "TEXT")
    role = await create_role(client, admin, "custom")
    team = await create_team(client, admin, "Team")
    field_input = {"objectType": "account", "key": "b", "label": "B", "type": "TEXT"}
    attempts = [
        (CREATE_FIELD, {"input": field_input}, "createFieldDefinition"),
        (UPDATE_FIELD, {"id": definition["id"], "version": 1, "input": {"label": "x"}}, "updateFieldDefinition"),
        (ARCHIVE_FIELD, {"id": definition["id"]}, "archiveFieldDefinition"),
        (RESTORE_FIELD, {"id": definition["id"]}, "restoreFieldDefinition"),
        (PURGE_FIELD, {"id": definition["id"]}, "purgeFieldDefinition"),
        (CREATE_ROLE, {"input": {"key": "x1", "name": "X", "grants": grants(), "capabilities": []}}, "createRole"),
        (UPDATE_ROLE, {"id": role["id"], "version": 1, "input": {"name": "x"}}, "updateRole"),
        (DELETE_ROLE, {"id": role["id"]}, "deleteRole"),
        (ASSIGN_ROLE, {"userId": rep.user_id, "roleId": role["id"]}, "assignRole"),
        (CREATE_TEAM, {"input": {"name": "X"}}, "createTeam"),
        (UPDATE_TEAM, {"id": team["id"], "version": 1, "input": {"name": "x"}}, "updateTeam"),
        (DELETE_TEAM, {"id": team["id"]}, "deleteTeam"),
        (SET_TEAM, {"userId": rep.user_id, "teamId": team["id"]}, "setMemberTeam"),
        (DEACTIVATE, {"userId": rep.user_id}, "deactivateMember"),
        (REACTIVATE, {"userId": rep.user_id}, "reactivateMember"),
        (REASSIGN, {"from": rep.user_id, "to": admin.user_id}, "reassignRecords"),
    ]  # fmt: skip
    for document, variables, name in attempts:
        assert await client.refused(document, variables, manager.token, name) == DENIED, name
    members = await client.errors(MEMBERS, {}, manager.token)
    assert members[0]["extensions"]["code"] == "PERMISSION_DENIED"
