"""Campaign queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry
from strawberry import relay

import graph.marketing.documents  # noqa: F401 - registers the area's document link targets
from graph.admin.lists import custom_page, used_filters, used_orders
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection
from graph.marketing import campaigns, deletion, loaders
from graph.marketing.inputs import (
    CAMPAIGN_FILTER_FIELDS,
    CAMPAIGN_ORDER_FIELDS,
    AddCampaignCostInput,
    CampaignCostPayload,
    CampaignFilter,
    CampaignOrder,
    CampaignPayload,
    CreateCampaignInput,
    UpdateCampaignInput,
    campaign_conditions,
    campaign_ordering,
    given_values,
)
from graph.marketing.models import CAMPAIGN
from graph.marketing.models import Campaign as CampaignRow
from graph.marketing.types import Campaign, CampaignCost, CampaignStatus
from tenants.errors import DomainError
from tenants.fields.query import refuse_hidden_filters

T = TypeVar("T")

CampaignId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Campaign.")]
CostId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a CampaignCost.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


@strawberry.type(description="Result of deleteCampaign: the id of the deleted campaign, or errors.")
class DeleteCampaignPayload:
    deleted_id: relay.GlobalID | None = strawberry.field(default=None, description="The Campaign deleted.")
    errors: list[UserError] = payload_errors()


@strawberry.type
class CampaignsQuery:
    @strawberry.field(description="Campaigns in your record scope.")
    async def campaigns(
        self,
        info: Info,
        filter: Annotated[CampaignFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[CampaignOrder] | None, strawberry.argument(description="Sort keys; default CREATED_AT ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Campaign]:
        actor = info.context.actor
        refuse_hidden_filters(actor, CAMPAIGN, used_filters(filter, CAMPAIGN_FILTER_FIELDS))
        refuse_hidden_filters(actor, CAMPAIGN, used_orders(order_by, CAMPAIGN_ORDER_FIELDS), "orderBy")
        statement = campaigns.visible_campaigns(actor).where(*campaign_conditions(filter))
        return await custom_page(
            info,
            CAMPAIGN,
            CampaignRow,
            statement,
            filter,
            order_by,
            campaign_ordering,
            Campaign.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One campaign; null if missing or not yours to see.")
    async def campaign(self, info: Info, id: CampaignId) -> Campaign | None:
        try:
            campaign_id = decode_id(id, "Campaign")
        except DomainError:
            return None
        record = await info.context.loader("campaigns_by_id", loaders.campaigns_by_id).load(campaign_id)
        return Campaign.from_model(record) if record else None


@strawberry.type
class CampaignsMutation:
    @strawberry.mutation(description="Create a campaign (PLANNED); budget and costs in its currency.")
    @mutation_payload(CampaignPayload)
    async def create_campaign(self, info: Info, input: Input[CreateCampaignInput]) -> CampaignPayload:
        session, actor = await info.context.session(), info.context.actor
        campaign = await campaigns.create_campaign(session, actor, given_values(input))
        return CampaignPayload(campaign=Campaign.from_model(campaign))

    @strawberry.mutation(description="Change the given fields of a campaign.")
    @mutation_payload(CampaignPayload)
    async def update_campaign(
        self, info: Info, id: CampaignId, version: Version, input: Input[UpdateCampaignInput]
    ) -> CampaignPayload:
        session, actor = await info.context.session(), info.context.actor
        campaign = await campaigns.update_campaign(
            session, actor, decode_id(id, "Campaign"), version, given_values(input)
        )
        return CampaignPayload(campaign=Campaign.from_model(campaign))

    @strawberry.mutation(
        description="Move a campaign: PLANNED -> ACTIVE -> COMPLETED, or PLANNED/ACTIVE -> CANCELLED."
    )
    @mutation_payload(CampaignPayload)
    async def change_campaign_status(
        self,
        info: Info,
        id: CampaignId,
        version: Version,
        status: Annotated[CampaignStatus, strawberry.argument(description="The new status.")],
    ) -> CampaignPayload:
        session, actor = await info.context.session(), info.context.actor
        campaign = await campaigns.change_campaign_status(
            session, actor, decode_id(id, "Campaign"), version, status.value
        )
        return CampaignPayload(campaign=Campaign.from_model(campaign))

    @strawberry.mutation(
        description="Delete a campaign with its cost lines, invitations, touches and unsent messages. "
        "INVALID_TRANSITION when it brought won deals, has approved or pending expense claims, or sent "
        "messages: cancel or complete it instead."
    )
    @mutation_payload(DeleteCampaignPayload)
    async def delete_campaign(self, info: Info, id: CampaignId, version: Version) -> DeleteCampaignPayload:
        session, actor = await info.context.session(), info.context.actor
        deleted = await deletion.delete_campaign(session, actor, decode_id(id, "Campaign"), version)
        return DeleteCampaignPayload(deleted_id=relay.GlobalID("Campaign", str(deleted)))

    @strawberry.mutation(description="Record an actual cost of a campaign not yet completed or cancelled.")
    @mutation_payload(CampaignCostPayload)
    async def add_campaign_cost(self, info: Info, input: Input[AddCampaignCostInput]) -> CampaignCostPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        campaign_id = decode_id(input.campaign_id, "Campaign", "campaignId")
        campaign, cost = await campaigns.add_cost(session, actor, campaign_id, values)
        return CampaignCostPayload(cost=CampaignCost.from_model(cost), campaign=Campaign.from_model(campaign))

    @strawberry.mutation(description="Remove a cost line of a campaign that is not completed or cancelled.")
    @mutation_payload(CampaignPayload)
    async def remove_campaign_cost(self, info: Info, id: CostId) -> CampaignPayload:
        session, actor = await info.context.session(), info.context.actor
        campaign = await campaigns.remove_cost(session, actor, decode_id(id, "CampaignCost"))
        return CampaignPayload(campaign=Campaign.from_model(campaign))
