"""The campaign performance report (attribution and ROI): types and the root field."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from graph.admin.lists import custom_list, used_filters
from graph.core.context import Info
from graph.marketing import attribution
from graph.marketing.campaigns import visible_campaigns
from graph.marketing.inputs import CAMPAIGN_FILTER_FIELDS, CampaignFilter, campaign_conditions
from graph.marketing.models import CAMPAIGN
from graph.marketing.models import Campaign as CampaignRow
from graph.marketing.types import Campaign
from graph.money.service import quantize
from graph.money.types import MissingRate
from tenants.fields.query import refuse_hidden_filters

NO_RATE = " Null when an exchange rate it needs is missing (see missingRates)."


@strawberry.enum(description="Which touch of a lead or an opportunity gets the credit.")
class AttributionModel(Enum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"


@strawberry.interface(description="The figures of a campaign or a channel, in the tenant's base currency.")
class Performance:
    cost: Decimal | None = strawberry.field(description="Sum of the cost lines at each day's rate." + NO_RATE)
    leads: int = strawberry.field(description="Leads attributed (merged duplicates not counted again).")
    qualified_leads: int = strawberry.field(description="Of those, qualified or converted.")
    opportunities: int = strawberry.field(description="Opportunities attributed.")
    won_deals: int = strawberry.field(description="Of those, won.")
    won_amount: Decimal | None = strawberry.field(
        description="Amount of the won deals at the rate of the day each closed." + NO_RATE
    )
    cost_per_lead: Decimal | None = strawberry.field(
        description="cost / leads; null without leads." + NO_RATE
    )
    return_on_spend: Decimal | None = strawberry.field(
        description="wonAmount / cost as a ratio (1.5 = 150%), 4 decimals; null without cost." + NO_RATE
    )


def rounded(amount: Decimal | None, currency: str) -> Decimal | None:
    return quantize(amount, currency) if amount is not None else None


def figures(performance: attribution.Performance, currency: str) -> dict[str, object]:
    return {
        "cost": rounded(performance.cost, currency),
        "leads": performance.leads,
        "qualified_leads": performance.qualified_leads,
        "opportunities": performance.opportunities,
        "won_deals": performance.won_deals,
        "won_amount": rounded(performance.won_amount, currency),
        "cost_per_lead": rounded(performance.cost_per_lead, currency),
        "return_on_spend": performance.return_on_spend,
    }


@strawberry.type(description="One campaign's attribution and return.")
class CampaignPerformance(Performance):
    campaign: Campaign = strawberry.field(description="The campaign.")


@strawberry.type(description="One channel's attribution and return: the sums of its campaigns.")
class ChannelPerformance(Performance):
    channel: str = strawberry.field(description="Key of the `campaign_channels` option list.")


@strawberry.type(description="Attribution and ROI of the campaigns you may see.")
class CampaignPerformanceReport:
    currency: str = strawberry.field(description="The base currency of every amount.")
    model: AttributionModel = strawberry.field(description="Which touch got the credit.")
    campaigns: list[CampaignPerformance] = strawberry.field(description="Per campaign, by name.")
    channels: list[ChannelPerformance] = strawberry.field(description="Per channel, by key.")
    total: ChannelPerformance = strawberry.field(description="All campaigns together (channel `all`).")
    missing_rates: list[MissingRate] = strawberry.field(description="Rates to enter to complete the figures.")


@strawberry.type
class RoiQuery:
    @strawberry.field(
        description="Leads, opportunities and won deals attributed to your campaigns (first or last touch), "
        "with cost, cost per lead and return on spend, per campaign and per channel, in the base currency. "
        "Leads and opportunities are those your role lets you see."
    )
    async def campaign_performance(
        self,
        info: Info,
        model: Annotated[
            AttributionModel, strawberry.argument(description="Which touch gets the credit.")
        ] = AttributionModel.LAST_TOUCH,
        filter: Annotated[
            CampaignFilter | None, strawberry.argument(description="Which campaigns (default: all you see).")
        ] = None,
    ) -> CampaignPerformanceReport:
        session, actor = await info.context.session(), info.context.actor
        refuse_hidden_filters(actor, CAMPAIGN, used_filters(filter, CAMPAIGN_FILTER_FIELDS))
        custom, _ = await custom_list(info.context, CAMPAIGN, CampaignRow, filter, None)
        statement = visible_campaigns(actor).where(*campaign_conditions(filter), *custom)
        report = await attribution.campaign_performance(session, actor, model.value, statement)
        total = attribution.Performance()
        for _, performance in report.channels:
            total.add(performance)
        return CampaignPerformanceReport(
            currency=report.currency,
            model=model,
            campaigns=[
                CampaignPerformance(campaign=Campaign.from_model(row), **figures(p, report.currency))  # type: ignore[arg-type]
                for row, p in report.campaigns
            ],
            channels=[
                ChannelPerformance(channel=channel, **figures(p, report.currency))  # type: ignore[arg-type]
                for channel, p in report.channels
            ],
            total=ChannelPerformance(channel="all", **figures(total, report.currency)),  # type: ignore[arg-type]
            missing_rates=[MissingRate.from_missing(missing) for missing in report.missing],
        )
