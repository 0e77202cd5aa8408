"""GraphQL documents and factories shared by the tenant-administration tests."""

from __future__ import annotations

from typing import Any

from tests.support import (
    GraphQLClient,
    Member,
    error_pairs,  # noqa: F401 - shared helpers, re-exported for the area's tests
)

ERRORS = "errors { field code message }"
DEFINITION_FIELDS = """
  id objectType key label description type required default unique position searchable filterable
  archivedAt version
  validation { min max minLength maxLength pattern options { key label } optionList maxSelected
               currency targetType scale }
"""
CREATE_FIELD = f"""
mutation($input: CreateFieldDefinitionInput!) {{
  createFieldDefinition(input: $input) {{ fieldDefinition {{ {DEFINITION_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_FIELD = f"""
mutation($id: ID!, $version: Int!, $input: UpdateFieldDefinitionInput!) {{
  updateFieldDefinition(id: $id, version: $version, input: $input) {{
    fieldDefinition {{ {DEFINITION_FIELDS} }} {ERRORS}
  }}
}}"""
ARCHIVE_FIELD = f"""
mutation($id: ID!) {{ archiveFieldDefinition(id: $id) {{ fieldDefinition {{ id archivedAt }} {ERRORS} }} }}"""
RESTORE_FIELD = f"""
mutation($id: ID!) {{ restoreFieldDefinition(id: $id) {{ fieldDefinition {{ id archivedAt }} {ERRORS} }} }}"""
PURGE_FIELD = f"""
mutation($id: ID!) {{ purgeFieldDefinition(id: $id) {{ recordsCleared {ERRORS} }} }}"""
FIELDS = f"""
query($objectType: String!, $archived: Boolean! = false) {{
  fieldDefinitions(objectType: $objectType, archived: $archived) {{ nodes {{ {DEFINITION_FIELDS} indexed }} }}
}}"""
VALUES = """
  customFields
  fieldValues {
    key label type
    value {
      __typename
      ... on TextValue { text }
      ... on IntegerValue { integer }
      ... on DecimalValue { decimal }
      ... on MoneyValue { amount currency }
      ... on DateValue { date }
      ... on DateTimeValue { dateTime }
      ... on BooleanValue { boolean }
      ... on OptionValue { key label }
      ... on OptionsValue { options { key label } }
      ... on UserValue { userId user { id } }
      ... on RecordValue { objectType recordId }
    }
  }
"""
CREATE_ACCOUNT = f"""
mutation($input: CreateAccountInput!) {{
  createAccount(input: $input) {{ account {{ id version name {VALUES} }} {ERRORS} }}
}}"""
UPDATE_ACCOUNT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateAccountInput!) {{
  updateAccount(id: $id, version: $version, input: $input) {{ account {{ id version {VALUES} }} {ERRORS} }}
}}"""
CREATE_CONTACT = f"""
mutation($input: CreateContactInput!) {{
  createContact(input: $input) {{ contact {{ id version {VALUES} }} {ERRORS} }}
}}"""
UPDATE_CONTACT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateContactInput!) {{
  updateContact(id: $id, version: $version, input: $input) {{ contact {{ id version {VALUES} }} {ERRORS} }}
}}"""
CREATE_ACTIVITY = f"""
mutation($input: CreateActivityInput!) {{
  createActivity(input: $input) {{ activity {{ id version {VALUES} }} {ERRORS} }}
}}"""
ACCOUNT = f"query($id: ID!) {{ account(id: $id) {{ id {VALUES} }} }}"


async def define_field(
    client: GraphQLClient, admin: Member, object_type: str, key: str, field_type: str, **values: Any
) -> dict[str, Any]:
    data = {"objectType": object_type, "key": key, "label": key.title(), "type": field_type, **values}
    payload = (await client.execute(CREATE_FIELD, {"input": data}, admin.token))["createFieldDefinition"]
    assert payload["errors"] == [], payload
    return payload["fieldDefinition"]


async def create(client: GraphQLClient, member: Member, object_type: str, **values: Any) -> dict[str, Any]:
    document, name, base = {
        "account": (CREATE_ACCOUNT, "createAccount", {"name": "Acme"}),
        "contact": (CREATE_CONTACT, "createContact", {"firstName": "Grace", "lastName": "Hopper"}),
    }[object_type]
    payload = (await client.execute(document, {"input": {**base, **values}}, member.token))[name]
    assert payload["errors"] == [], payload
    return payload[object_type]


ROLE_FIELDS = (
    "id key name isBuiltin version capabilities grants { objectType actions scope fields { field access } }"
)
CREATE_ROLE = f"""
mutation($input: CreateRoleInput!) {{ createRole(input: $input) {{ role {{ {ROLE_FIELDS} }} {ERRORS} }} }}"""
UPDATE_ROLE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateRoleInput!) {{
  updateRole(id: $id, version: $version, input: $input) {{ role {{ {ROLE_FIELDS} }} {ERRORS} }}
}}"""
DELETE_ROLE = f"mutation($id: ID!) {{ deleteRole(id: $id) {{ role {{ id }} {ERRORS} }} }}"
ROLES = f"query {{ roles {{ nodes {{ {ROLE_FIELDS} memberCount }} }} }}"
ASSIGN_ROLE = f"""
mutation($userId: ID!, $roleId: ID!) {{
  assignRole(userId: $userId, roleId: $roleId) {{ member {{ userId roleKey teamId isActive }} {ERRORS} }}
}}"""
CREATE_TEAM = f"""
mutation($input: TeamInput!) {{ createTeam(input: $input) {{ team {{ id name parentId version }} {ERRORS} }} }}"""
UPDATE_TEAM = f"""
mutation($id: ID!, $version: Int!, $input: TeamInput!) {{
  updateTeam(id: $id, version: $version, input: $input) {{ team {{ id name parentId version }} {ERRORS} }}
}}"""
DELETE_TEAM = f"mutation($id: ID!) {{ deleteTeam(id: $id) {{ team {{ id }} {ERRORS} }} }}"
TEAMS = "query { teams { nodes { id name parentId version } } }"
SET_TEAM = f"""
mutation($userId: ID!, $teamId: ID) {{
  setMemberTeam(userId: $userId, teamId: $teamId) {{ member {{ userId teamId }} {ERRORS} }}
}}"""
MEMBERS = "query { tenantMembers { nodes { userId roleKey teamId isActive user { email } } } }"
DEACTIVATE = f"""
mutation($userId: ID!) {{ deactivateMember(userId: $userId) {{ member {{ userId isActive }} {ERRORS} }} }}"""
REACTIVATE = f"""
mutation($userId: ID!) {{ reactivateMember(userId: $userId) {{ member {{ userId isActive }} {ERRORS} }} }}"""
REASSIGN = f"""
mutation($from: ID!, $to: ID!) {{
  reassignRecords(fromUserId: $from, toUserId: $to) {{ reassigned {{ objectType count }} {ERRORS} }}
}}"""
ALL_ACTIONS = ["READ", "CREATE", "UPDATE", "DELETE"]


def grants(
    scope: str = "ALL", actions: list[str] | None = None, fields: dict[str, dict[str, str]] | None = None
):
    """A grant of the same actions and scope on accounts, contacts and activities, with field rules."""
    fields = fields or {}
    return [
        {
            "objectType": object_type,
            "actions": actions or ALL_ACTIONS,
            "scope": scope,
            "fields": [{"field": f, "access": a} for f, a in fields.get(object_type, {}).items()],
        }
        for object_type in ("account", "contact", "activity")
    ]


async def create_role(client: GraphQLClient, admin: Member, key: str, **values: Any) -> dict[str, Any]:
    data = {"key": key, "name": key.title(), "grants": grants(), "capabilities": [], **values}
    payload = (await client.execute(CREATE_ROLE, {"input": data}, admin.token))["createRole"]
    assert payload["errors"] == [], payload
    return payload["role"]


async def assign(client: GraphQLClient, admin: Member, member: Member, role: dict[str, Any]) -> None:
    payload = (
        await client.execute(ASSIGN_ROLE, {"userId": member.user_id, "roleId": role["id"]}, admin.token)
    )["assignRole"]
    assert payload["errors"] == [], payload


async def create_team(
    client: GraphQLClient, admin: Member, name: str, parent: str | None = None
) -> dict[str, Any]:
    payload = (await client.execute(CREATE_TEAM, {"input": {"name": name, "parentId": parent}}, admin.token))[
        "createTeam"
    ]
    assert payload["errors"] == [], payload
    return payload["team"]


async def set_team(client: GraphQLClient, admin: Member, member: Member, team: dict[str, Any] | None) -> None:
    variables = {"userId": member.user_id, "teamId": team["id"] if team else None}
    payload = (await client.execute(SET_TEAM, variables, admin.token))["setMemberTeam"]
    assert payload["errors"] == [], payload
