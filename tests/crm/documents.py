"""GraphQL documents and small factories shared by the CRM tests."""

from __future__ import annotations

from typing import Any

from tests.support import (
    GraphQLClient,
    Member,
    error_pairs,  # noqa: F401 - shared helpers, re-exported for the area's tests
)

ERRORS = "errors { field code message }"
ACCOUNT_FIELDS = """
  id name domain industry tags notes version createdAt updatedAt deletedAt
  address { street city region postalCode country }
  owner { id email }
  parent { id name }
"""
CONTACT_FIELDS = """
  id firstName lastName fullName nameOrder emails phones birthday tags notes version deletedAt
  owner { id }
  accounts { account { id name } title role isPrimary }
  primaryAccount { id name }
"""
ACTIVITY_FIELDS = """
  id kind subject body occurredAt dueAt done version
  account { id } contact { id } author { id }
"""

CREATE_ACCOUNT = f"""
mutation($input: CreateAccountInput!) {{
  createAccount(input: $input) {{ account {{ {ACCOUNT_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_ACCOUNT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateAccountInput!) {{
  updateAccount(id: $id, version: $version, input: $input) {{ account {{ {ACCOUNT_FIELDS} }} {ERRORS} }}
}}"""
DELETE_ACCOUNT = f"""
mutation($id: ID!, $version: Int!) {{
  deleteAccount(id: $id, version: $version) {{ account {{ id deletedAt version }} {ERRORS} }}
}}"""
RESTORE_ACCOUNT = f"""
mutation($id: ID!) {{ restoreAccount(id: $id) {{ account {{ id deletedAt version }} {ERRORS} }} }}"""
ACCOUNT = f"query($id: ID!) {{ account(id: $id) {{ {ACCOUNT_FIELDS} }} }}"
NODE = "query($id: ID!) { node(id: $id) { id ... on Account { name } ... on Contact { firstName } } }"
ACCOUNTS = """
query($filter: AccountFilter, $orderBy: [AccountOrder!], $first: Int, $after: String) {
  accounts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name tags } }
    pageInfo { hasNextPage endCursor }
  }
}"""

CREATE_CONTACT = f"""
mutation($input: CreateContactInput!) {{
  createContact(input: $input) {{ contact {{ {CONTACT_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_CONTACT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateContactInput!) {{
  updateContact(id: $id, version: $version, input: $input) {{ contact {{ {CONTACT_FIELDS} }} {ERRORS} }}
}}"""
DELETE_CONTACT = f"""
mutation($id: ID!, $version: Int!) {{
  deleteContact(id: $id, version: $version) {{ contact {{ id deletedAt version }} {ERRORS} }}
}}"""
RESTORE_CONTACT = f"""
mutation($id: ID!) {{ restoreContact(id: $id) {{ contact {{ id deletedAt }} {ERRORS} }} }}"""
LINK = f"""
mutation($input: LinkContactToAccountInput!) {{
  linkContactToAccount(input: $input) {{ contact {{ {CONTACT_FIELDS} }} {ERRORS} }}
}}"""
UNLINK = f"""
mutation($contactId: ID!, $accountId: ID!) {{
  unlinkContactFromAccount(contactId: $contactId, accountId: $accountId) {{
    contact {{ {CONTACT_FIELDS} }} {ERRORS}
  }}
}}"""
CONTACT = f"query($id: ID!) {{ contact(id: $id) {{ {CONTACT_FIELDS} }} }}"
CONTACTS = """
query($filter: ContactFilter, $orderBy: [ContactOrder!], $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id firstName lastName } }
    pageInfo { hasNextPage endCursor }
  }
}"""

CREATE_ACTIVITY = f"""
mutation($input: CreateActivityInput!) {{
  createActivity(input: $input) {{ activity {{ {ACTIVITY_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_ACTIVITY = f"""
mutation($id: ID!, $version: Int!, $input: UpdateActivityInput!) {{
  updateActivity(id: $id, version: $version, input: $input) {{ activity {{ {ACTIVITY_FIELDS} }} {ERRORS} }}
}}"""
COMPLETE_ACTIVITY = f"""
mutation($id: ID!, $version: Int!) {{
  completeActivity(id: $id, version: $version) {{ activity {{ {ACTIVITY_FIELDS} }} {ERRORS} }}
}}"""
DELETE_ACTIVITY = f"""
mutation($id: ID!, $version: Int!) {{
  deleteActivity(id: $id, version: $version) {{ activity {{ id }} {ERRORS} }}
}}"""
ACTIVITIES = """
query($filter: ActivityFilter, $orderBy: [ActivityOrder!], $first: Int, $after: String) {
  activities(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { id subject kind done } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def create_account(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    payload = (await client.execute(CREATE_ACCOUNT, {"input": {"name": "Acme", **values}}, member.token))[
        "createAccount"
    ]
    assert payload["errors"] == [], payload
    return payload["account"]


async def create_contact(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {"firstName": "Grace", "lastName": "Hopper", **values}
    payload = (await client.execute(CREATE_CONTACT, {"input": data}, member.token))["createContact"]
    assert payload["errors"] == [], payload
    return payload["contact"]


async def create_activity(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {"kind": "NOTE", "subject": "Hello", **values}
    payload = (await client.execute(CREATE_ACTIVITY, {"input": data}, member.token))["createActivity"]
    assert payload["errors"] == [], payload
    return payload["activity"]


async def link(client: GraphQLClient, member: Member, contact_id: str, account_id: str, **values: Any) -> Any:
    data = {"contactId": contact_id, "accountId": account_id, **values}
    payload = (await client.execute(LINK, {"input": data}, member.token))["linkContactToAccount"]
    assert payload["errors"] == [], payload
    return payload["contact"]
