"""GraphQL documents and small helpers shared by the pipeline tests."""

from __future__ import annotations

from typing import Any

from tests.crm.documents import create_account, error_pairs
from tests.support import GraphQLClient, Member

ERRORS = "errors { field code message }"
STAGE_FIELDS = "id name position probability kind archivedAt version"
PIPELINE_FIELDS = f"id name isDefault version stages {{ {STAGE_FIELDS} }}"
OPPORTUNITY_FIELDS = """
  id name status amount currency expectedCloseOn probability probabilityOverridden nextStep lostReason
  stageEnteredAt closedAt version weightedAmount
  account { id name } owner { id email } pipeline { id name } stage { id name kind }
  contacts { contact { id lastName } role isPrimary }
  competitors { id name }
"""
HISTORY_FIELDS = "stageHistory { fromStage { name } toStage { name } actor { id } occurredAt probability }"

PIPELINES = f"{{ pipelines {{ nodes {{ {PIPELINE_FIELDS} }} }} }}"
PIPELINE = f"query($id: ID!) {{ pipeline(id: $id) {{ {PIPELINE_FIELDS} }} }}"
CREATE_PIPELINE = f"""
mutation($input: CreatePipelineInput!) {{ createPipeline(input: $input) {{ pipeline {{ {PIPELINE_FIELDS} }} {ERRORS} }} }}"""
RENAME_PIPELINE = f"""
mutation($id: ID!, $version: Int!, $name: String!) {{
  renamePipeline(id: $id, version: $version, name: $name) {{ pipeline {{ {PIPELINE_FIELDS} }} {ERRORS} }} }}"""
ADD_STAGE = f"""
mutation($pipelineId: ID!, $version: Int!, $input: AddPipelineStageInput!) {{
  addPipelineStage(pipelineId: $pipelineId, version: $version, input: $input) {{
    stage {{ {STAGE_FIELDS} pipeline {{ {PIPELINE_FIELDS} }} }} {ERRORS} }} }}"""
UPDATE_STAGE = f"""
mutation($id: ID!, $version: Int!, $input: UpdatePipelineStageInput!) {{
  updatePipelineStage(id: $id, version: $version, input: $input) {{ stage {{ {STAGE_FIELDS} }} {ERRORS} }} }}"""
REORDER_STAGES = f"""
mutation($pipelineId: ID!, $version: Int!, $stageIds: [ID!]!) {{
  reorderPipelineStages(pipelineId: $pipelineId, version: $version, stageIds: $stageIds) {{
    pipeline {{ {PIPELINE_FIELDS} }} {ERRORS} }} }}"""
ARCHIVE_STAGE = f"""
mutation($id: ID!, $version: Int!) {{
  archivePipelineStage(id: $id, version: $version) {{ stage {{ {STAGE_FIELDS} }} {ERRORS} }} }}"""

COMPETITOR_FIELDS = "id name strengths weaknesses archivedAt version"
CREATE_COMPETITOR = f"""
mutation($input: CreateCompetitorInput!) {{ createCompetitor(input: $input) {{ competitor {{ {COMPETITOR_FIELDS} }} {ERRORS} }} }}"""
UPDATE_COMPETITOR = f"""
mutation($id: ID!, $version: Int!, $input: UpdateCompetitorInput!) {{
  updateCompetitor(id: $id, version: $version, input: $input) {{ competitor {{ {COMPETITOR_FIELDS} }} {ERRORS} }} }}"""
ARCHIVE_COMPETITOR = f"""
mutation($id: ID!, $version: Int!) {{
  archiveCompetitor(id: $id, version: $version) {{ competitor {{ {COMPETITOR_FIELDS} }} {ERRORS} }} }}"""
COMPETITORS = f"query($all: Boolean!) {{ competitors(filter: {{includeArchived: $all}}) {{ nodes {{ {COMPETITOR_FIELDS} }} }} }}"

CREATE_OPPORTUNITY = f"""
mutation($input: CreateOpportunityInput!) {{
  createOpportunity(input: $input) {{ opportunity {{ {OPPORTUNITY_FIELDS} }} {ERRORS} }} }}"""
UPDATE_OPPORTUNITY = f"""
mutation($id: ID!, $version: Int!, $input: UpdateOpportunityInput!) {{
  updateOpportunity(id: $id, version: $version, input: $input) {{ opportunity {{ {OPPORTUNITY_FIELDS} }} {ERRORS} }} }}"""
MOVE = f"""
mutation($id: ID!, $stageId: ID!, $version: Int!, $lostReason: String, $probability: Int) {{
  moveOpportunity(id: $id, stageId: $stageId, version: $version, lostReason: $lostReason,
                  probability: $probability) {{
    opportunity {{ {OPPORTUNITY_FIELDS} {HISTORY_FIELDS} }} {ERRORS} }} }}"""
REOPEN = f"""
mutation($id: ID!, $version: Int!, $stageId: ID) {{
  reopenOpportunity(id: $id, version: $version, stageId: $stageId) {{
    opportunity {{ {OPPORTUNITY_FIELDS} }} {ERRORS} }} }}"""
OPPORTUNITY = f"query($id: ID!) {{ opportunity(id: $id) {{ {OPPORTUNITY_FIELDS} {HISTORY_FIELDS} }} }}"
OPPORTUNITIES = """
query($filter: OpportunityFilter, $orderBy: [OpportunityOrder!], $first: Int, $after: String) {
  opportunities(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount edges { cursor node { id name amount currency status } }
    pageInfo { hasNextPage endCursor } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def default_pipeline(client: GraphQLClient, member: Member) -> dict[str, Any]:
    pipelines = (await client.execute(PIPELINES, {}, member.token))["pipelines"]["nodes"]
    return next(p for p in pipelines if p["isDefault"])


def stage_named(pipeline: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in pipeline["stages"] if s["name"] == name)


async def create_opportunity(
    client: GraphQLClient, member: Member, account_id: str | None = None, **values: Any
) -> dict[str, Any]:
    if account_id is None:
        account_id = (await create_account(client, member, name="Deal account"))["id"]
    payload = (
        await client.execute(
            CREATE_OPPORTUNITY,
            {"input": {"name": "Deal", "accountId": account_id, "amount": "1000", **values}},
            member.token,
        )
    )["createOpportunity"]
    assert payload["errors"] == [], payload
    return payload["opportunity"]


async def move(
    client: GraphQLClient, member: Member, opportunity: dict[str, Any], stage_id: str, **extra: Any
) -> dict[str, Any]:
    variables = {"id": opportunity["id"], "stageId": stage_id, "version": opportunity["version"], **extra}
    return await client.mutate(MOVE, variables, member.token, "moveOpportunity")


async def moved(
    client: GraphQLClient, member: Member, opportunity: dict[str, Any], stage_id: str, **extra: Any
) -> dict[str, Any]:
    payload = await move(client, member, opportunity, stage_id, **extra)
    assert payload["errors"] == [], payload
    return payload["opportunity"]


__all__ = ["create_account", "error_pairs"]
