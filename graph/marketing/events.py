"""The event board of a campaign: invitations, confirmations, check-ins, no-shows and walk-ins.

invited -> confirmed -> checked_in; invited or confirmed -> no_show (when the event is over). Check-in is
by the invitee's code, by the QR payload that carries it, or by a staff member picking the invitation.
A walk-in (someone nobody invited) becomes a lead in the pool, its source the `campaign` lead source,
linked to the campaign by a touch. Check-ins and walk-ins are touches: the attribution trail.

Who: the board is read by whoever sees the campaign; every change needs update rights on it, in scope.
Invitees are the contacts or leads the inviter sees (a segment's members are evaluated for the inviter).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.core.ids import decode_id
from graph.core.rules import check_version, flush_versioned
from graph.crm.contacts import contact_scope
from graph.crm.models import Contact
from graph.marketing.campaigns import campaign_scope, get_campaign, require_open
from graph.marketing.models import CAMPAIGN, Campaign, CampaignInvitation, CampaignTouch
from graph.marketing.segments import get_segment, member_ids
from graph.sales.leads.intake import create_lead
from graph.sales.leads.leads import lead_scope
from graph.sales.leads.models import Lead
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.permissions import Action, Actor

MAX_INVITEES = 500  # ids per call; a segment has no cap (one INSERT ... SELECT)
QR_PREFIX = "CRMCHECKIN1"
WALK_IN_SOURCE = "campaign"


def invitation_scope(actor: Actor) -> ColumnElement[bool]:
    """Invitations of the campaigns the actor sees."""
    in_scope = select(Campaign.id).where(campaign_scope(actor))
    return (CampaignInvitation.tenant_id == actor.tenant_id) & CampaignInvitation.campaign_id.in_(in_scope)


def board_statement(actor: Actor, campaign_id: uuid.UUID, statuses: Sequence[str] | None) -> Select[Any]:
    """The campaign's invitations in the order they were made (the board's list)."""
    statement = select(CampaignInvitation).where(
        invitation_scope(actor), CampaignInvitation.campaign_id == campaign_id
    )
    if statuses:
        statement = statement.where(CampaignInvitation.status.in_(statuses))
    return statement.order_by(CampaignInvitation.created_at, CampaignInvitation.id)


def board_counts(campaign_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """Per campaign and status: invitees, and walk-ins among them."""
    return (
        select(
            CampaignInvitation.campaign_id,
            CampaignInvitation.status,
            func.count(),
            func.count().filter(CampaignInvitation.check_in_method == "walk_in"),
        )
        .where(CampaignInvitation.campaign_id.in_(campaign_ids))
        .group_by(CampaignInvitation.campaign_id, CampaignInvitation.status)
    )


def new_code_sql() -> Any:
    """16 hex digits (64 random bits) from gen_random_uuid(): unique per tenant by index."""
    return func.upper(func.substr(func.replace(cast(func.gen_random_uuid(), String), "-", ""), 1, 16))


def qr_payload(campaign_global_id: str, code: str) -> str:
    return f"{QR_PREFIX}:{campaign_global_id}:{code}"


async def editable_campaign(session: AsyncSession, actor: Actor, campaign_id: uuid.UUID) -> Campaign:
    actor.require(CAMPAIGN, Action.UPDATE)
    campaign = await get_campaign(session, actor, campaign_id, "campaignId", lock=True)
    require_open(campaign)
    return campaign


async def invite(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    *,
    segment_id: uuid.UUID | None = None,
    contact_ids: Sequence[uuid.UUID] = (),
    lead_ids: Sequence[uuid.UUID] = (),
) -> tuple[Campaign, int]:
    """Invite a segment's members (as the inviter sees them) and/or given contacts and leads; those already
    invited are left as they are. Returns the campaign and how many invitations were added."""
    campaign = await editable_campaign(session, actor, campaign_id)
    if len(contact_ids) + len(lead_ids) > MAX_INVITEES:
        raise DomainError(
            ErrorCode.INVALID, f"Invite at most {MAX_INVITEES} records by id at once.", "contactIds"
        )
    if segment_id is None and not contact_ids and not lead_ids:
        raise DomainError(ErrorCode.REQUIRED, "Give a segment, contacts or leads to invite.", "segmentId")
    batches: list[tuple[str, Any]] = []
    if segment_id is not None:
        segment = await get_segment(session, actor, segment_id, "segmentId")
        if segment.target == "account":
            raise DomainError(
                ErrorCode.INVALID, "Invite a segment of contacts or leads, not of accounts.", "segmentId"
            )
        batches.append((f"{segment.target}_id", await member_ids(session, actor, segment)))
    if contact_ids:
        await require_visible(session, actor, Contact, contact_scope(actor), contact_ids, "contactIds")
        batches.append(("contact_id", ids_statement(contact_ids)))
    if lead_ids:
        await require_visible(session, actor, Lead, lead_scope(actor), lead_ids, "leadIds")
        batches.append(("lead_id", ids_statement(lead_ids)))
    added = 0
    for column, ids in batches:
        added += await insert_invitations(session, actor, campaign, column, ids)
    await audit.record(session, actor, "campaign.invite", CAMPAIGN, campaign.id, {"invited": [None, added]})
    return campaign, added


def ids_statement(ids: Sequence[uuid.UUID]) -> Any:
    return select(func.unnest(literal(list(dict.fromkeys(ids)), ARRAY(PG_UUID(as_uuid=True)))))


async def require_visible(
    session: AsyncSession,
    actor: Actor,
    model: Any,
    scope: Any,
    ids: Sequence[uuid.UUID],
    field: str,
    *,
    listed: bool = True,
) -> None:
    """Each id a live record in the actor's scope; the first that is not is NOT_FOUND at its place
    (`contactIds.2`, or the field itself when `listed` is false)."""
    object_type = "contact" if model is Contact else "lead"
    actor.require(object_type, Action.READ)
    conditions = [scope, model.id.in_(ids)]
    if model is Contact:
        conditions.append(Contact.deleted_at.is_(None))
    found = set(await session.scalars(select(model.id).where(*conditions)))
    for index, record_id in enumerate(ids):
        if record_id not in found:
            raise not_found(object_type, f"{field}.{index}" if listed else field)


async def insert_invitations(
    session: AsyncSession, actor: Actor, campaign: Campaign, column: str, ids: Any
) -> int:
    """One INSERT ... SELECT; an invitee already on the board is skipped (its unique index)."""
    source = ids.subquery()
    rows = select(
        literal(actor.tenant_id),
        func.gen_random_uuid(),
        literal(campaign.id),
        source.c[0],
        new_code_sql(),
    )
    statement = (
        insert(CampaignInvitation)
        .from_select(["tenant_id", "id", "campaign_id", column, "code"], rows)
        .on_conflict_do_nothing(index_elements=["tenant_id", "campaign_id", column])
    )
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def get_invitation(
    session: AsyncSession, actor: Actor, invitation_id: uuid.UUID, field: str = "id"
) -> tuple[Campaign, CampaignInvitation]:
    invitation = await session.scalar(
        select(CampaignInvitation)
        .where(CampaignInvitation.tenant_id == actor.tenant_id, CampaignInvitation.id == invitation_id)
        .with_for_update()
    )
    if invitation is None:
        raise not_found("invitation", field)
    try:
        campaign = await editable_campaign(session, actor, invitation.campaign_id)
    except DomainError as error:
        if error.code is ErrorCode.NOT_FOUND:
            raise not_found("invitation", field) from None
        raise DomainError(error.code, str(error), field if error.field else None) from None
    return campaign, invitation


async def confirm(
    session: AsyncSession, actor: Actor, invitation_id: uuid.UUID, version: int
) -> CampaignInvitation:
    _, invitation = await get_invitation(session, actor, invitation_id)
    check_version(invitation, version, "invitation")
    if invitation.status != "invited":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"An invitation {invitation.status} cannot be confirmed.", "id"
        )
    invitation.status, invitation.confirmed_at = "confirmed", datetime.now(UTC)
    await flush_versioned(session, "invitation")
    await audit.record(
        session,
        actor,
        "campaign.confirm",
        CAMPAIGN,
        invitation.campaign_id,
        {"invitation": [None, str(invitation.id)]},
    )
    return invitation


def parse_qr(payload: str, campaign_id: uuid.UUID) -> str:
    """The code in a QR payload (`CRMCHECKIN1:<campaign global id>:<code>`) made for this campaign."""
    parts = payload.strip().split(":")
    if len(parts) != 3 or parts[0] != QR_PREFIX:
        raise DomainError(ErrorCode.INVALID, "This is not a check-in QR code.", "qrPayload")
    try:
        made_for = decode_id(relay.GlobalID.from_id(parts[1]), "Campaign", "qrPayload")
    except (DomainError, ValueError):
        made_for = None
    if made_for != campaign_id:
        raise DomainError(ErrorCode.INVALID, "This QR code is for another campaign.", "qrPayload")
    return parts[2]


async def check_in(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, how: Mapping[str, Any]
) -> CampaignInvitation:
    """`how`: exactly one of code, qr_payload, invitation_id (a staff member picked it from the board)."""
    given = {key: value for key, value in how.items() if value is not None}
    if len(given) != 1:
        raise DomainError(ErrorCode.INVALID, "Give exactly one of code, qrPayload or invitationId.", "code")
    ((key, value),) = given.items()
    campaign = await editable_campaign(session, actor, campaign_id)
    if key == "invitation_id":
        method, condition, field = "staff", CampaignInvitation.id == value, "invitationId"
    else:
        code = parse_qr(value, campaign.id) if key == "qr_payload" else value
        method, field = ("qr", "qrPayload") if key == "qr_payload" else ("code", "code")
        condition = CampaignInvitation.code == code.strip().upper()
    invitation = await session.scalar(
        select(CampaignInvitation)
        .where(
            CampaignInvitation.tenant_id == actor.tenant_id,
            CampaignInvitation.campaign_id == campaign.id,
            condition,
        )
        .with_for_update()
    )
    if invitation is None:
        raise not_found("invitation", field)
    if invitation.status not in ("invited", "confirmed"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"This invitation is already {invitation.status.replace('_', ' ')}.",
            field,
        )
    now = datetime.now(UTC)
    invitation.status, invitation.checked_in_at = "checked_in", now
    invitation.check_in_method, invitation.checked_in_by_id = method, actor.user_id
    await flush_versioned(session, "invitation")
    add_touch(session, actor, campaign, "checked_in", now, invitation.contact_id, invitation.lead_id)
    await audit.record(
        session, actor, "campaign.check_in", CAMPAIGN, campaign.id, {"invitation": [None, str(invitation.id)]}
    )
    return invitation


def add_touch(
    session: AsyncSession,
    actor: Actor,
    campaign: Campaign,
    kind: str,
    at: datetime,
    contact_id: uuid.UUID | None,
    lead_id: uuid.UUID | None,
) -> CampaignTouch:
    touch = CampaignTouch(
        tenant_id=actor.tenant_id,
        id=new_id(),
        campaign_id=campaign.id,
        contact_id=contact_id,
        lead_id=lead_id,
        kind=kind,
        touched_at=at,
        created_by_id=actor.user_id,
    )
    session.add(touch)
    return touch


async def mark_no_shows(session: AsyncSession, actor: Actor, campaign_id: uuid.UUID) -> tuple[Campaign, int]:
    """Everyone invited or confirmed who has not checked in did not come (the event is over)."""
    actor.require(CAMPAIGN, Action.UPDATE)
    campaign = await get_campaign(session, actor, campaign_id, "campaignId", lock=True)
    if campaign.status not in ("active", "completed"):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"A {campaign.status} campaign has no event to miss.", "campaignId"
        )
    result = await session.execute(
        update(CampaignInvitation)
        .where(
            CampaignInvitation.tenant_id == actor.tenant_id,
            CampaignInvitation.campaign_id == campaign.id,
            CampaignInvitation.status.in_(("invited", "confirmed")),
        )
        .values(status="no_show", version=CampaignInvitation.version + 1, updated_at=func.now())
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    await audit.record(session, actor, "campaign.no_shows", CAMPAIGN, campaign.id, {"noShows": [None, count]})
    return campaign, count


async def walk_in(
    session: AsyncSession, actor: Actor, campaign_id: uuid.UUID, values: Mapping[str, Any]
) -> tuple[CampaignInvitation, Lead]:
    """Someone nobody invited came: a pool lead (the leads' own intake: checks, duplicates, assignment
    rules), checked in on the board, touched by the campaign."""
    campaign = await editable_campaign(session, actor, campaign_id)
    lead, _ = await create_lead(session, actor, {**values, "source": WALK_IN_SOURCE})
    now = datetime.now(UTC)
    invitation = CampaignInvitation(
        tenant_id=actor.tenant_id,
        id=new_id(),
        campaign_id=campaign.id,
        lead_id=lead.id,
        status="checked_in",
        code=secrets.token_hex(8).upper(),
        checked_in_at=now,
        check_in_method="walk_in",
        checked_in_by_id=actor.user_id,
    )
    session.add(invitation)
    add_touch(session, actor, campaign, "walk_in", now, None, lead.id)
    await session.flush()
    await audit.record(
        session, actor, "campaign.walk_in", CAMPAIGN, campaign.id, {"lead": [None, str(lead.id)]}
    )
    return invitation, lead


async def record_response(
    session: AsyncSession,
    actor: Actor,
    campaign_id: uuid.UUID,
    contact_id: uuid.UUID | None,
    lead_id: uuid.UUID | None,
) -> CampaignTouch:
    """A lead or contact responded to the campaign (a reply, a form, a call): a touch for attribution."""
    if (contact_id is None) == (lead_id is None):
        raise DomainError(ErrorCode.INVALID, "Give exactly one of contactId or leadId.", "contactId")
    campaign = await editable_campaign(session, actor, campaign_id)
    if contact_id is not None:
        await require_visible(
            session, actor, Contact, contact_scope(actor), [contact_id], "contactId", listed=False
        )
    else:
        await require_visible(session, actor, Lead, lead_scope(actor), [lead_id], "leadId", listed=False)  # type: ignore[list-item]
    touch = add_touch(session, actor, campaign, "response", datetime.now(UTC), contact_id, lead_id)
    await session.flush()
    await audit.record(
        session, actor, "campaign.response", CAMPAIGN, campaign.id, {"touch": [None, str(touch.id)]}
    )
    return touch


def decode_ids(values: Sequence[Any] | None, type_name: str, field: str) -> list[uuid.UUID]:
    return [decode_id(value, type_name, f"{field}.{index}") for index, value in enumerate(values or [])]
