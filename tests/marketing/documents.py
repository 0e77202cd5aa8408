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
query($id: ID!) { node(id: $id) { id ... on Campaign { name } ... on CampaignCost { amount } ... on Segment { name } } }"""


async def create_campaign(client, member, **values: Any) -> dict[str, Any]:
    given = {"name": "Spring fair", "channel": "event", **values}
    payload = await ok(client, member, CREATE_CAMPAIGN, {"input": given}, "createCampaign")
    return payload["campaign"]


async def add_cost(client, member, campaign_id: str, amount: str, **values: Any) -> dict[str, Any]:
    given = {"campaignId": campaign_id, "description": "Booth", "amount": amount, **values}
    return await ok(client, member, ADD_COST, {"input": given}, "addCampaignCost")


SEGMENT_FIELDS = "id name target filter frozen frozenAt version memberCount owner { id }"
CREATE_SEGMENT = f"""
mutation($input: CreateSegmentInput!) {{
  createSegment(input: $input) {{ segment {{ {SEGMENT_FIELDS} }} errors {{ field code message }} }}
}}"""
UPDATE_SEGMENT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateSegmentInput!) {{
  updateSegment(id: $id, version: $version, input: $input) {{
    segment {{ {SEGMENT_FIELDS} }} errors {{ field code message }}
  }}
}}"""
FREEZE_SEGMENT = f"""
mutation($id: ID!, $version: Int!) {{
  freezeSegment(id: $id, version: $version) {{ segment {{ {SEGMENT_FIELDS} }} errors {{ field code message }} }}
}}"""
UNFREEZE_SEGMENT = f"""
mutation($id: ID!, $version: Int!) {{
  unfreezeSegment(id: $id, version: $version) {{ segment {{ {SEGMENT_FIELDS} }} errors {{ field code message }} }}
}}"""
SEGMENT = f"""
query($id: ID!, $first: Int, $after: String) {{
  segment(id: $id) {{
    {SEGMENT_FIELDS}
    accounts(first: $first, after: $after) {{ nodes {{ id name }} pageInfo {{ hasNextPage endCursor }} }}
    contacts(first: $first, after: $after) {{ nodes {{ id fullName }} pageInfo {{ hasNextPage endCursor }} }}
    leads(first: $first, after: $after) {{ nodes {{ id fullName }} pageInfo {{ hasNextPage endCursor }} }}
  }}
}}"""
SEGMENTS = """
query { segments { nodes { id name } } }"""
LIST_OF = {
    "ACCOUNT": (
        "accounts",
        "query($filter: AccountFilter) { accounts(filter: $filter, first: 100) { nodes { id } } }",
    ),
    "CONTACT": (
        "contacts",
        "query($filter: ContactFilter) { contacts(filter: $filter, first: 100) { nodes { id } } }",
    ),
    "LEAD": ("leads", "query($filter: LeadFilter) { leads(filter: $filter, first: 100) { nodes { id } } }"),
}


async def create_segment(
    client, member, name: str = "VIPs", frozen: bool = False, **filter_: Any
) -> dict[str, Any]:
    variables = {"input": {"name": name, "filter": filter_, "frozen": frozen}}
    return (await ok(client, member, CREATE_SEGMENT, variables, "createSegment"))["segment"]


async def members(client, member, segment_id: str) -> list[str]:
    """The ids of a segment's members as `member` sees them, through every page."""
    found, after = [], None
    while True:
        variables = {"id": segment_id, "first": 2, "after": after}
        segment = (await client.execute(SEGMENT, variables, member.token))["segment"]
        page = segment[{"ACCOUNT": "accounts", "CONTACT": "contacts", "LEAD": "leads"}[segment["target"]]]
        found += [node["id"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def listed(client, member, segment: dict[str, Any]) -> list[str]:
    """What the list query returns for `member` with the segment's stored filter."""
    field, document = LIST_OF[segment["target"]]
    data = await client.execute(document, {"filter": segment["filter"]}, member.token)
    return [node["id"] for node in data[field]["nodes"]]


INVITE = """
mutation($input: InviteToCampaignInput!) {
  inviteToCampaign(input: $input) { count campaign { id } errors { field code message } }
}"""
INVITATION_FIELDS = """
  id status code qrPayload confirmedAt checkedInAt checkInMethod version
  contact { id } lead { id source inPool } checkedInBy { id }
"""
CONFIRM = f"""
mutation($id: ID!, $version: Int!) {{
  confirmInvitation(id: $id, version: $version) {{ invitation {{ {INVITATION_FIELDS} }} errors {{ field code message }} }}
}}"""
CHECK_IN = f"""
mutation($input: CheckInInput!) {{
  checkInInvitee(input: $input) {{ invitation {{ {INVITATION_FIELDS} }} errors {{ field code message }} }}
}}"""
WALK_IN = f"""
mutation($input: WalkInInput!) {{
  registerWalkIn(input: $input) {{
    invitation {{ {INVITATION_FIELDS} }} lead {{ id source inPool fullName }} errors {{ field code message }}
  }}
}}"""
NO_SHOWS = """
mutation($id: ID!) { markNoShows(campaignId: $id) { count errors { field code message } } }"""
RESPONSE = """
mutation($input: RecordCampaignResponseInput!) {
  recordCampaignResponse(input: $input) { count errors { field code message } }
}"""
BOARD = f"""
query($id: ID!, $statuses: [InvitationStatus!]) {{
  campaign(id: $id) {{
    eventBoard {{ invited confirmed checkedIn noShow walkIns }}
    invitations(statuses: $statuses, first: 100) {{ nodes {{ {INVITATION_FIELDS} }} }}
  }}
}}"""


async def invite(client, member, campaign_id: str, **values: Any) -> int:
    variables = {"input": {"campaignId": campaign_id, **values}}
    return (await ok(client, member, INVITE, variables, "inviteToCampaign"))["count"]


async def board(client, member, campaign_id: str, statuses: list[str] | None = None) -> dict[str, Any]:
    variables = {"id": campaign_id, "statuses": statuses}
    return (await client.execute(BOARD, variables, member.token))["campaign"]


async def start(client, member, campaign: dict[str, Any]) -> None:
    variables = {"id": campaign["id"], "version": campaign["version"], "status": "ACTIVE"}
    await ok(client, member, CHANGE_CAMPAIGN_STATUS, variables, "changeCampaignStatus")


PERFORMANCE_FIELDS = "cost leads qualifiedLeads opportunities wonDeals wonAmount costPerLead returnOnSpend"
PERFORMANCE = f"""
query($model: AttributionModel!, $filter: CampaignFilter) {{
  campaignPerformance(model: $model, filter: $filter) {{
    currency model
    campaigns {{ campaign {{ id name }} {PERFORMANCE_FIELDS} }}
    channels {{ channel {PERFORMANCE_FIELDS} }}
    total {{ channel {PERFORMANCE_FIELDS} }}
    missingRates {{ fromCurrency toCurrency neededFrom }}
  }}
}}"""


async def performance(client, member, model: str = "LAST_TOUCH", **filter_: Any) -> dict[str, Any]:
    variables = {"model": model, "filter": filter_ or None}
    return (await client.execute(PERFORMANCE, variables, member.token))["campaignPerformance"]


PRODUCT_FIELDS = "id name strengths weaknesses priceNote archivedAt version competitor { id name }"
CREATE_PRODUCT = f"""
mutation($input: CreateCompetitorProductInput!) {{
  createCompetitorProduct(input: $input) {{ product {{ {PRODUCT_FIELDS} }} errors {{ field code message }} }}
}}"""
UPDATE_PRODUCT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateCompetitorProductInput!) {{
  updateCompetitorProduct(id: $id, version: $version, input: $input) {{
    product {{ {PRODUCT_FIELDS} }} errors {{ field code message }}
  }}
}}"""
PRODUCTS = f"""
query($competitorId: ID, $all: Boolean!) {{
  competitorProducts(competitorId: $competitorId, includeArchived: $all) {{ nodes {{ {PRODUCT_FIELDS} }} }}
}}"""
WIN_LOSS = """
query {
  competitorWinLoss { competitors { competitor { name } met open won lost winRate lossReasons { reason count } } }
}"""

DELETE_SEGMENT = """
mutation($id: ID!, $version: Int!) { deleteSegment(id: $id, version: $version) { deletedId errors { field code } } }"""
