"""GraphQL documents and factories shared by the tenant-administration tests."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQLClient, Member

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
  fieldDefinitions(objectType: $objectType, archived: $archived) {{ {DEFINITION_FIELDS} }}
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


def error_pairs(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


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
