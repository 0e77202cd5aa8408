"""GraphQL types of the event board: invitations and their counts per status."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.loaders import by_id
from graph.core.nodes import live_node, load_by_id, resolve_by_ids
from graph.crm import loaders as crm_loaders
from graph.crm.types import Contact
from graph.identity.types import User, owner
from graph.marketing import models as marketing_models
from graph.marketing.events import invitation_scope, qr_payload
from graph.sales.leads import loaders as lead_loaders
from graph.sales.leads.types import Lead

invitations_by_id = by_id(marketing_models.CampaignInvitation, marketing_models.CAMPAIGN, invitation_scope)


@strawberry.enum(description="Where an invitee stands: INVITED -> CONFIRMED -> CHECKED_IN, or NO_SHOW.")
class InvitationStatus(Enum):
    INVITED = "invited"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    NO_SHOW = "no_show"


@strawberry.enum(description="How someone was checked in.")
class CheckInMethod(Enum):
    CODE = "code"
    QR = "qr"
    STAFF = "staff"
    WALK_IN = "walk_in"


assert {status.value for status in InvitationStatus} == set(marketing_models.INVITATION_STATUSES)
assert {method.value for method in CheckInMethod} == set(marketing_models.CHECK_IN_METHODS)


@strawberry.type(description="One invitee of a campaign's event: a contact or a lead.")
class CampaignInvitation(relay.Node):
    id: relay.NodeID[str]
    status: InvitationStatus = strawberry.field(description="Where the invitee stands.")
    code: str = strawberry.field(description="The invitee's check-in code (16 characters, unique).")
    qr_payload: str = strawberry.field(description="What the invitee's QR code holds (checkIn(qrPayload)).")
    confirmed_at: datetime | None = strawberry.field(description="When the invitee confirmed.")
    checked_in_at: datetime | None = strawberry.field(description="When the invitee was checked in.")
    check_in_method: CheckInMethod | None = strawberry.field(description="How the invitee was checked in.")
    created_at: datetime = strawberry.field(description="When the invitation was made (UTC).")
    version: int = strawberry.field(description="Pass to confirmInvitation; a stale one is a CONFLICT.")
    contact_id: strawberry.Private[uuid.UUID | None]
    lead_id: strawberry.Private[uuid.UUID | None]
    checked_in_by_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, row: marketing_models.CampaignInvitation) -> CampaignInvitation:
        campaign_global_id = str(relay.GlobalID("Campaign", str(row.campaign_id)))
        return cls(
            id=str(row.id),
            status=InvitationStatus(row.status),
            code=row.code,
            qr_payload=qr_payload(campaign_global_id, row.code),
            confirmed_at=row.confirmed_at,
            checked_in_at=row.checked_in_at,
            check_in_method=CheckInMethod(row.check_in_method) if row.check_in_method else None,
            created_at=row.created_at,
            version=row.version,
            contact_id=row.contact_id,
            lead_id=row.lead_id,
            checked_in_by_id=row.checked_in_by_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CampaignInvitation | None]:
        return await resolve_by_ids(info, "invitations_by_id", invitations_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The invited contact (null for a lead, or if hidden from you).")
    async def contact(self, info: Info) -> Contact | None:
        found = await live_node(info, "contacts_by_id", crm_loaders.contacts_by_id, self.contact_id)
        return Contact.from_model(found) if found else None

    @strawberry.field(description="The invited lead, or the lead a walk-in became (null if hidden from you).")
    async def lead(self, info: Info) -> Lead | None:
        found = await load_by_id(info, "leads_by_id", lead_loaders.leads_by_id, self.lead_id)
        return Lead.from_model(found) if found else None

    @strawberry.field(description="The member who checked the invitee in.")
    async def checked_in_by(self, info: Info) -> User | None:
        return await owner(info, self.checked_in_by_id) if self.checked_in_by_id else None


@strawberry.type(description="How many invitees of a campaign stand where.")
class EventBoard:
    invited: int = strawberry.field(description="Invited, not yet confirmed.")
    confirmed: int = strawberry.field(description="Confirmed, not yet checked in.")
    checked_in: int = strawberry.field(description="Checked in (walk-ins included).")
    no_show: int = strawberry.field(description="Did not come.")
    walk_ins: int = strawberry.field(description="Checked in without an invitation (became pool leads).")
