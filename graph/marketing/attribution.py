"""Attribution and ROI: which campaign brought each lead and each opportunity, and what it returned.

The trail is the campaign touches (check-ins, walk-ins, responses). Per model:
- FIRST_TOUCH: a lead's earliest touch; an opportunity's earliest touch among those of the lead it was
  converted from and of its contacts;
- LAST_TOUCH: the latest such touch; for a lead, up to its conversion (later touches did not bring it);
  for an opportunity, up to its creation.
Per campaign: cost (cost lines at the rate of the day each arose), leads and qualified leads (qualified or
converted; leads merged into another are not counted again), opportunities, won deals and the won amount
(at the rate of the day each closed), all in the tenant's base currency. Cost per lead = cost / leads;
return on spend = won amount / cost. Each figure is rounded once; a channel's figures add the rounded
figures of its campaigns; a figure that needs a missing rate is null and `missingRates` says which.
Leads and opportunities are counted inside the caller's record scopes, campaigns inside theirs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Select, cast, func, select, union_all
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from graph.marketing.campaigns import spending, visible_campaigns
from graph.marketing.models import Campaign, CampaignTouch
from graph.money.service import (
    MissingRate,
    base_currency,
    missing_rates,
    parsed_needs,
    quantize,
    rate_need_sql,
    rate_to_base_sql,
)
from graph.sales.leads.leads import lead_scope
from graph.sales.leads.models import LEAD, Lead
from graph.sales.pipeline.models import OPPORTUNITY, Opportunity, OpportunityContact
from graph.sales.pipeline.opportunities import opportunity_scope
from tenants.permissions import Action, Actor

MODELS = ("first_touch", "last_touch")
QUALIFIED = ("qualified", "converted")
RATIO = Decimal("0.0001")


@dataclass
class Performance:
    """One campaign's or one channel's figures, in the base currency (None: a rate is missing)."""

    cost: Decimal | None = Decimal(0)
    leads: int = 0
    qualified_leads: int = 0
    opportunities: int = 0
    won_deals: int = 0
    won_amount: Decimal | None = Decimal(0)

    @property
    def cost_per_lead(self) -> Decimal | None:
        if self.cost is None or not self.leads:
            return None
        return self.cost / self.leads

    @property
    def return_on_spend(self) -> Decimal | None:
        if self.cost is None or self.won_amount is None or not self.cost:
            return None
        return (self.won_amount / self.cost).quantize(RATIO)

    def add(self, other: Performance) -> None:
        self.cost = None if self.cost is None or other.cost is None else self.cost + other.cost
        self.leads += other.leads
        self.qualified_leads += other.qualified_leads
        self.opportunities += other.opportunities
        self.won_deals += other.won_deals
        both = self.won_amount is not None and other.won_amount is not None
        self.won_amount = self.won_amount + other.won_amount if both else None  # type: ignore[operator]


@dataclass
class Report:
    currency: str
    campaigns: list[tuple[Campaign, Performance]]
    channels: list[tuple[str, Performance]]
    missing: list[MissingRate] = field(default_factory=list)


def chosen_touch(touches: Any, key: Any, model: str) -> Select[Any]:
    """Per `key`: the campaign of the first or last touch (ties broken by the touch id)."""
    order = touches.c.touched_at.asc() if model == "first_touch" else touches.c.touched_at.desc()
    return (
        select(touches.c[key].label("record_id"), touches.c.campaign_id)
        .ext(distinct_on(touches.c[key]))
        .order_by(touches.c[key], order, touches.c.touch_id)
    )


def lead_touches(actor: Actor) -> Any:
    """Touches of the leads in scope, up to each lead's conversion."""
    before_conversion = Lead.converted_at.is_(None) | (CampaignTouch.touched_at <= Lead.converted_at)
    return (
        select(
            Lead.id.label("lead_id"),
            CampaignTouch.campaign_id,
            CampaignTouch.touched_at,
            CampaignTouch.id.label("touch_id"),
        )
        .join(Lead, (Lead.tenant_id == CampaignTouch.tenant_id) & (Lead.id == CampaignTouch.lead_id))
        .where(lead_scope(actor), Lead.merged_into_id.is_(None), before_conversion)
        .subquery("lead_touches")
    )


def opportunity_touches(actor: Actor) -> Any:
    """Touches of the opportunities in scope, through their source lead and their contacts, up to their
    creation."""
    touch_columns = (CampaignTouch.campaign_id, CampaignTouch.touched_at, CampaignTouch.id.label("touch_id"))
    through_lead = (
        select(Opportunity.id.label("opportunity_id"), *touch_columns)
        .join(Lead, (Lead.tenant_id == CampaignTouch.tenant_id) & (Lead.id == CampaignTouch.lead_id))
        .join(
            Opportunity,
            (Opportunity.tenant_id == Lead.tenant_id) & (Opportunity.id == Lead.converted_opportunity_id),
        )
        .where(opportunity_scope(actor), CampaignTouch.touched_at <= Opportunity.created_at)
    )
    through_contacts = (
        select(Opportunity.id.label("opportunity_id"), *touch_columns)
        .join(
            OpportunityContact,
            (OpportunityContact.tenant_id == CampaignTouch.tenant_id)
            & (OpportunityContact.contact_id == CampaignTouch.contact_id),
        )
        .join(
            Opportunity,
            (Opportunity.tenant_id == OpportunityContact.tenant_id)
            & (Opportunity.id == OpportunityContact.opportunity_id),
        )
        .where(opportunity_scope(actor), CampaignTouch.touched_at <= Opportunity.created_at)
    )
    return union_all(through_lead, through_contacts).subquery("opportunity_touches")


def lead_figures(actor: Actor, model: str) -> Select[Any]:
    chosen = chosen_touch(lead_touches(actor), "lead_id", model).subquery()
    return (
        select(
            chosen.c.campaign_id,
            func.count(),
            func.count().filter(Lead.status.in_(QUALIFIED)),
        )
        .join(Lead, (Lead.tenant_id == actor.tenant_id) & (Lead.id == chosen.c.record_id))
        .group_by(chosen.c.campaign_id)
    )


def opportunity_figures(actor: Actor, model: str) -> Select[Any]:
    chosen = chosen_touch(opportunity_touches(actor), "opportunity_id", model).subquery()
    won = Opportunity.status == "won"
    closed_on = cast(Opportunity.closed_at, Date)
    rate = rate_to_base_sql(Opportunity.currency, closed_on)
    return (
        select(
            chosen.c.campaign_id,
            func.count(),
            func.count().filter(won),
            func.sum(Opportunity.amount * rate).filter(won),
            func.array_agg(rate_need_sql(Opportunity.currency, closed_on)).filter(won & rate.is_(None)),
        )
        .join(
            Opportunity, (Opportunity.tenant_id == actor.tenant_id) & (Opportunity.id == chosen.c.record_id)
        )
        .group_by(chosen.c.campaign_id)
    )


def cost_figures(campaign_ids: Any) -> Select[Any]:
    """Cost per campaign in the base currency: its cost lines and approved claims (`spending`)."""
    rows = spending()
    rate = rate_to_base_sql(rows.c.currency, rows.c.day)
    return (
        select(
            rows.c.campaign_id,
            func.sum(rows.c.amount * rate),
            func.array_agg(rate_need_sql(rows.c.currency, rows.c.day)).filter(rate.is_(None)),
        )
        .where(rows.c.campaign_id.in_(campaign_ids))
        .group_by(rows.c.campaign_id)
    )


async def campaign_performance(
    session: AsyncSession, actor: Actor, model: str, campaigns_statement: Select[Any] | None = None
) -> Report:
    """The report over the campaigns of `campaigns_statement` (default: every campaign in scope)."""
    actor.require(LEAD, Action.READ)
    actor.require(OPPORTUNITY, Action.READ)
    statement = campaigns_statement if campaigns_statement is not None else visible_campaigns(actor)
    campaigns = list(await session.scalars(statement.order_by(func.lower(Campaign.name), Campaign.id)))
    ids = [campaign.id for campaign in campaigns]
    currency = await base_currency(session, actor.tenant_id)
    figures = {campaign_id: Performance() for campaign_id in ids}
    needs: list[str] = []
    if ids:
        for campaign_id, exact, missing in await session.execute(cost_figures(ids)):
            needs += missing or []
            figures[campaign_id].cost = None if missing else quantize(exact or Decimal(0), currency)
        for campaign_id, leads, qualified in await session.execute(lead_figures(actor, model)):
            if campaign_id in figures:
                figures[campaign_id].leads, figures[campaign_id].qualified_leads = leads, qualified
        for campaign_id, count, won, amount, missing in await session.execute(
            opportunity_figures(actor, model)
        ):
            if campaign_id in figures:
                performance = figures[campaign_id]
                performance.opportunities, performance.won_deals = count, won
                performance.won_amount = None if missing else quantize(amount or Decimal(0), currency)
                needs += missing or []
    by_channel: dict[str, Performance] = defaultdict(Performance)
    for campaign in campaigns:
        by_channel[campaign.channel].add(figures[campaign.id])
    return Report(
        currency=currency,
        campaigns=[(campaign, figures[campaign.id]) for campaign in campaigns],
        channels=sorted(by_channel.items()),
        missing=missing_rates(currency, parsed_needs(needs)),
    )
