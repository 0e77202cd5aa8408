"""GraphQL documents and small factories shared by the lead tests."""

from __future__ import annotations

from typing import Any

from tests.crm.documents import ERRORS, error_pairs
from tests.support import GraphQLClient, Member

__all__ = ["error_pairs"]

LEAD_FIELDS = """
  id source firstName lastName fullName email phone title companyName region country notes
  status disqualifiedReason inPool version
  owner { id email }
  mergedInto { id }
  convertedAccount { id name }
  convertedContact { id firstName lastName }
  convertedOpportunity { id }
"""
DUPLICATE_FIELDS = "matchedOn lead { id } contact { id } account { id }"

CREATE_LEAD = f"""
mutation($input: CreateLeadInput!) {{
  createLead(input: $input) {{ lead {{ {LEAD_FIELDS} }} duplicates {{ {DUPLICATE_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_LEAD = f"""
mutation($id: ID!, $version: Int!, $input: UpdateLeadInput!) {{
  updateLead(id: $id, version: $version, input: $input) {{ lead {{ {LEAD_FIELDS} }} {ERRORS} }}
}}"""
CHANGE_STATUS = f"""
mutation($id: ID!, $version: Int!, $status: LeadStatus!, $reason: String) {{
  changeLeadStatus(id: $id, version: $version, status: $status, reason: $reason) {{
    lead {{ {LEAD_FIELDS} }} {ERRORS}
  }}
}}"""
CLAIM_LEAD = f"""
mutation($id: ID!) {{ claimLead(id: $id) {{ lead {{ {LEAD_FIELDS} }} {ERRORS} }} }}"""
RELEASE_LEAD = f"""
mutation($id: ID!) {{ releaseLead(id: $id) {{ lead {{ {LEAD_FIELDS} }} {ERRORS} }} }}"""
ASSIGN_LEAD = f"""
mutation($leadId: ID!, $userId: ID!) {{
  assignLead(leadId: $leadId, userId: $userId) {{ lead {{ {LEAD_FIELDS} }} {ERRORS} }}
}}"""
ASSIGN_POOL = f"""
mutation($limit: Int) {{ assignPoolLeads(limit: $limit) {{ leads {{ id owner {{ id }} }} {ERRORS} }} }}"""
MERGE_LEADS = f"""
mutation($survivorId: ID!, $duplicateIds: [ID!]!, $version: Int!) {{
  mergeLeads(survivorId: $survivorId, duplicateIds: $duplicateIds, version: $version) {{
    lead {{ {LEAD_FIELDS} }} {ERRORS}
  }}
}}"""
LEAD = f"query($id: ID!) {{ lead(id: $id) {{ {LEAD_FIELDS} }} }}"
LEADS = """
query($filter: LeadFilter, $orderBy: [LeadOrder!], $first: Int, $after: String) {
  leads(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { node { id lastName companyName status inPool owner { id email } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
LEAD_DUPLICATES = f"query($id: ID!) {{ leadDuplicates(id: $id) {{ nodes {{ {DUPLICATE_FIELDS} }} }} }}"
LEAD_SETTINGS = "{ leadSettings { maxOpenLeadsPerRep version } }"
UPDATE_LEAD_SETTINGS = f"""
mutation($version: Int!, $input: UpdateLeadSettingsInput!) {{
  updateLeadSettings(version: $version, input: $input) {{ settings {{ maxOpenLeadsPerRep version }} {ERRORS} }}
}}"""
RULE_FIELDS = "id name position source region version users { id }"
RULES = f"{{ leadAssignmentRules {{ nodes {{ {RULE_FIELDS} }} }} }}"
CREATE_RULE = f"""
mutation($input: CreateLeadAssignmentRuleInput!) {{
  createLeadAssignmentRule(input: $input) {{ rule {{ {RULE_FIELDS} }} {ERRORS} }}
}}"""
UPDATE_RULE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateLeadAssignmentRuleInput!) {{
  updateLeadAssignmentRule(id: $id, version: $version, input: $input) {{ rule {{ {RULE_FIELDS} }} {ERRORS} }}
}}"""
DELETE_RULE = f"""
mutation($id: ID!) {{ deleteLeadAssignmentRule(id: $id) {{ rule {{ id }} {ERRORS} }} }}"""


async def create_lead(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {"source": "web", "firstName": "Ada", "lastName": "Lovelace", **values}
    payload = (await client.execute(CREATE_LEAD, {"input": data}, member.token))["createLead"]
    assert payload["errors"] == [], payload
    return payload["lead"]


async def set_lead_cap(client: GraphQLClient, admin: Member, cap: int | None) -> None:
    version = (await client.execute(LEAD_SETTINGS, {}, admin.token))["leadSettings"]["version"]
    payload = (
        await client.execute(
            UPDATE_LEAD_SETTINGS, {"version": version, "input": {"maxOpenLeadsPerRep": cap}}, admin.token
        )
    )["updateLeadSettings"]
    assert payload["errors"] == [], payload


async def create_rule(
    client: GraphQLClient, admin: Member, user_ids: list[str], **values: Any
) -> dict[str, Any]:
    data = {"name": "Rule", "userIds": user_ids, **values}
    payload = (await client.execute(CREATE_RULE, {"input": data}, admin.token))["createLeadAssignmentRule"]
    assert payload["errors"] == [], payload
    return payload["rule"]


CONVERT_LEAD = f"""
mutation($id: ID!, $version: Int!, $input: ConvertLeadInput) {{
  convertLead(id: $id, version: $version, input: $input) {{
    lead {{ {LEAD_FIELDS} }}
    account {{ id name owner {{ id }} address {{ region country }} convertedFromLead {{ id }} }}
    contact {{
      id firstName lastName emails phones owner {{ id }} convertedFromLead {{ id }}
      accounts {{ account {{ id }} title isPrimary }}
    }}
    opportunity {{
      id name amount currency status owner {{ id }} account {{ id }} stage {{ name kind }}
      contacts {{ contact {{ id }} role isPrimary }}
    }}
    {ERRORS}
  }}
}}"""
