"""Deleting a campaign: only one that holds no history other records or people depend on.

Refused (INVALID_TRANSITION, "cancel or complete it instead": a completed or cancelled campaign is the
archive, it keeps its figures and takes no more changes) while the campaign
- brought won deals: a touch of it precedes a won opportunity, through the lead it was converted from or
  one of its contacts (what attribution credits; ROI would silently lose that won amount);
- has expense claims approved or awaiting a decision (money someone spent or asked back for);
- has messages that went out or are going out (who received what, and their unsubscribe links, stay).
Otherwise the campaign goes with everything that only exists for it: its cost lines, invitations,
touches (the leads it brought keep their `source`, e.g. `campaign`, but are no longer attributed to any
campaign) and unsent messages; draft or rejected expense claims lose the link (FK ON DELETE SET NULL);
linked materials stay in the document library without the link; a segment it targeted stays. Needs the
delete right on campaigns and the campaign in the caller's record scope; audited with what went.
"""

from __future__ import annotations

import uuid

from sqlalchemy import exists, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, snapshot
from graph.documents.targets import drop_links_to
from graph.marketing.campaigns import AUDITED_FIELDS, CLAIM_SOURCES, get_campaign
from graph.marketing.models import (
    CAMPAIGN,
    Campaign,
    CampaignCost,
    CampaignInvitation,
    CampaignMessage,
    CampaignTouch,
)
from graph.sales.leads.models import Lead
from graph.sales.pipeline.models import Opportunity, OpportunityContact
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor

ARCHIVE_INSTEAD = "cancel or complete it instead (that keeps it as the record)."


def brought_won_deals(campaign: Campaign) -> exists:
    """A touch of the campaign before a won opportunity was opened, through its lead or its contacts."""
    won_after_touch = (Opportunity.status == "won") & (CampaignTouch.touched_at <= Opportunity.created_at)
    mine = (CampaignTouch.tenant_id == campaign.tenant_id) & (CampaignTouch.campaign_id == campaign.id)
    through_lead = (
        select(literal(1))
        .select_from(CampaignTouch)
        .join(Lead, (Lead.tenant_id == CampaignTouch.tenant_id) & (Lead.id == CampaignTouch.lead_id))
        .join(
            Opportunity,
            (Opportunity.tenant_id == Lead.tenant_id) & (Opportunity.id == Lead.converted_opportunity_id),
        )
        .where(mine, won_after_touch)
    )
    through_contacts = (
        select(literal(1))
        .select_from(CampaignTouch)
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
        .where(mine, won_after_touch)
    )
    return exists(union_all(through_lead, through_contacts).subquery().select())


async def has_open_claims(session: AsyncSession, campaign: Campaign) -> bool:
    claims = [source(True) for source in CLAIM_SOURCES]
    if not claims:
        return False
    rows = union_all(*claims).subquery("claims")
    found = await session.scalar(
        select(rows.c.campaign_id)
        .where(rows.c.tenant_id == campaign.tenant_id, rows.c.campaign_id == campaign.id)
        .limit(1)
    )
    return found is not None


def messages_went_out(campaign: Campaign) -> exists:
    return exists(
        select(literal(1)).where(
            CampaignMessage.tenant_id == campaign.tenant_id,
            CampaignMessage.campaign_id == campaign.id,
            # Delivered SMS count as sent: a delivery report moves them out of `sent_count`.
            or_(
                CampaignMessage.status == "sending",
                CampaignMessage.sent_count > 0,
                CampaignMessage.delivered_count > 0,
            ),
        )
    )


async def count_of(session: AsyncSession, model: type, campaign: Campaign) -> int:
    found = await session.scalar(
        select(func.count()).where(model.tenant_id == campaign.tenant_id, model.campaign_id == campaign.id)
    )
    return int(found or 0)


async def delete_campaign(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, version: int
) -> uuid.UUID:
    actor.require(CAMPAIGN, Action.DELETE)
    campaign = await get_campaign(session, actor, campaign_id, lock=True)
    check_version(campaign, version, "campaign")
    won, went_out = (
        await session.execute(select(brought_won_deals(campaign), messages_went_out(campaign)))
    ).one()
    if won:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"This campaign brought won deals; {ARCHIVE_INSTEAD}", "id"
        )
    if await has_open_claims(session, campaign):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Expense claims approved or awaiting a decision are booked against it; {ARCHIVE_INSTEAD}",
            "id",
        )
    if went_out:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"Its messages went out to people; {ARCHIVE_INSTEAD}", "id"
        )
    removed = {
        "cost_lines": await count_of(session, CampaignCost, campaign),
        "invitations": await count_of(session, CampaignInvitation, campaign),
        "touches": await count_of(session, CampaignTouch, campaign),
        "messages": await count_of(session, CampaignMessage, campaign),
        "material_links": await drop_links_to(session, actor.tenant_id, CAMPAIGN, campaign.id),
    }
    before = snapshot(campaign, AUDITED_FIELDS)
    await session.delete(campaign)
    await session.flush()
    changes = audit.diff(before, {}) | {"removed": [removed, None]}
    await audit.record(session, actor, "campaign.delete", CAMPAIGN, campaign.id, changes)
    return campaign.id
