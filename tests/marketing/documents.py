"""GraphQL documents and helpers of the marketing tests."""

from __future__ import annotations

from typing import Any

from tests.support import error_pairs, ok

__all__ = ["error_pairs"]

CAMPAIGN_FIELDS = """
  id name goal plan channel status startsOn endsOn currency budget actualCost createdAt updatedAt version
  owner { id fullName }
"""
CREATE_CAMPAIGN = f"""
mutation($input: CreateCampaignInput!) {{
  createCampaign(input: $input) {{ campaign {{ {CAMPAIGN_FIELDS} }} errors {{ field code message }} }}
}}"""
UPDATE_CAMPAIGN = f"""
mutation($id: ID!, $version: Int!, $input: UpdateCampaignInput!) {{
  updateCampaign(id: $id, version: $version, input: $input) {{
    campaign {{ {CAMPAIGN_FIELDS} }} errors {{ field code message }}
  }}
}}"""
CHANGE_CAMPAIGN_STATUS = """
mutation($id: ID!, $version: Int!, $status: CampaignStatus!) {
  changeCampaignStatus(id: $id, version: $version, status: $status) {
    campaign { id status version } errors { field code message }
  }
}"""
ADD_COST = """
mutation($input: AddCampaignCostInput!) {
  addCampaignCost(input: $input) {
    cost { id description amount incurredOn }
    campaign { id actualCost version }
    errors { field code message }
  }
}"""
REMOVE_COST = """
mutation($id: ID!) {
  removeCampaignCost(id: $id) { campaign { id actualCost version } errors { field code message } }
}"""
CAMPAIGN = f"""
query($id: ID!) {{ campaign(id: $id) {{ {CAMPAIGN_FIELDS} }} }}"""
CAMPAIGN_COSTS = """
query($id: ID!) {
  campaign(id: $id) { id costs { nodes { id description amount incurredOn } } }
}"""
CAMPAIGNS = f"""
query($filter: CampaignFilter, $orderBy: [CampaignOrder!], $first: Int, $after: String) {{
  campaigns(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {{
    nodes {{ {CAMPAIGN_FIELDS} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
NODE = """
query($id: ID!) { node(id: $id) { id ... on Campaign { name } ... on CampaignCost { amount } } }"""


async def create_campaign(client, member, **values: Any) -> dict[str, Any]:
    given = {"name": "Spring fair", "channel": "event", **values}
    payload = await ok(client, member, CREATE_CAMPAIGN, {"input": given}, "createCampaign")
    return payload["campaign"]


async def add_cost(client, member, campaign_id: str, amount: str, **values: Any) -> dict[str, Any]:
    given = {"campaignId": campaign_id, "description": "Booth", "amount": amount, **values}
    return await ok(client, member, ADD_COST, {"input": given}, "addCampaignCost")
