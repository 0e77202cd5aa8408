"""GraphQL types and inputs of calendar items, visits and calendar occurrences."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import UNSET, relay

from graph.admin.access import Team
from graph.core.context import Info
from graph.core.errors import UserError
from graph.core.nodes import load_by_id, resolve_by_ids
from graph.crm import loaders as crm_loaders
from graph.crm.types import Account, Activity, Contact
from graph.identity.types import User, owner
from graph.workday.loaders import calendar_items_by_id, teams_by_id
from graph.workday.models import CALENDAR_KINDS, CALENDAR_STATUSES
from graph.workday.models import CalendarItem as CalendarItemRow


@strawberry.enum(description="What a calendar item is.")
class CalendarItemKind(Enum):
    MEETING = "meeting"
    CALL = "call"
    VISIT = "visit"
    TASK = "task"
    OTHER = "other"


@strawberry.enum(description="PLANNED until done (a visit with its outcome) or cancelled.")
class CalendarItemStatus(Enum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


assert {kind.value for kind in CalendarItemKind} == set(CALENDAR_KINDS)
assert {status.value for status in CalendarItemStatus} == set(CALENDAR_STATUSES)


@strawberry.type(description="A meeting, call, visit or task in a member's calendar, possibly recurring.")
class CalendarItem(relay.Node):
    id: relay.NodeID[str]
    kind: CalendarItemKind = strawberry.field(description="Meeting, call, visit, task or other.")
    title: str = strawberry.field(description="1-300 characters.")
    description: str | None = strawberry.field(description="Free text.")
    location: str | None = strawberry.field(description="Where, as written by the planner.")
    starts_at: datetime = strawberry.field(description="Start of the (first) occurrence.")
    ends_at: datetime = strawberry.field(description="End of the (first) occurrence.")
    all_day: bool = strawberry.field(description="An all-day item (times are ignored in exports).")
    recurrence: str | None = strawberry.field(description="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO.")
    time_zone: str = strawberry.field(
        description="IANA time zone the recurrence keeps its local time in, e.g. Europe/Berlin."
    )
    status: CalendarItemStatus = strawberry.field(description="Planned, done or cancelled.")
    purpose: str | None = strawberry.field(description="Visits: what the visit is for.")
    checked_in_at: datetime | None = strawberry.field(description="Visits: when the visitor checked in.")
    check_in_latitude: Decimal | None = strawberry.field(description="Visits: check-in latitude (WGS 84).")
    check_in_longitude: Decimal | None = strawberry.field(description="Visits: check-in longitude (WGS 84).")
    outcome: str | None = strawberry.field(description="Visits: what came of it.")
    version: int = strawberry.field(description="Pass to updates.")
    owner_id: strawberry.Private[uuid.UUID]
    team_id: strawberry.Private[uuid.UUID | None]
    account_id: strawberry.Private[uuid.UUID | None]
    contact_id: strawberry.Private[uuid.UUID | None]
    visit_activity_id: strawberry.Private[uuid.UUID | None]
    follow_up_activity_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CalendarItem | None]:
        """Items in your calendar scope (own, team or all, by role)."""
        return await resolve_by_ids(
            info, "calendar_items_by_id", calendar_items_by_id, node_ids, cls.from_model
        )

    @classmethod
    def from_model(cls, row: CalendarItemRow) -> CalendarItem:
        return cls(
            id=str(row.id),
            kind=CalendarItemKind(row.kind),
            title=row.title,
            description=row.description,
            location=row.location,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            all_day=row.all_day,
            recurrence=row.recurrence,
            time_zone=row.time_zone,
            status=CalendarItemStatus(row.status),
            purpose=row.purpose,
            checked_in_at=row.checked_in_at,
            check_in_latitude=row.check_in_latitude,
            check_in_longitude=row.check_in_longitude,
            outcome=row.outcome,
            version=row.version,
            owner_id=row.owner_id,
            team_id=row.team_id,
            account_id=row.account_id,
            contact_id=row.contact_id,
            visit_activity_id=row.visit_activity_id,
            follow_up_activity_id=row.follow_up_activity_id,
        )

    @strawberry.field(description="The member whose calendar it is.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(description="The team it is shared with (its members see it); null: not shared.")
    async def team(self, info: Info) -> Team | None:
        record = await load_by_id(info, "teams_by_id", teams_by_id, self.team_id)
        return Team.from_model(record) if record else None

    @strawberry.field(description="The account it is about; null when none or not yours to see.")
    async def account(self, info: Info) -> Account | None:
        record = await load_by_id(info, "accounts_by_id", crm_loaders.accounts_by_id, self.account_id)
        return Account.from_model(record) if record else None

    @strawberry.field(description="The contact it is about; null when none or not yours to see.")
    async def contact(self, info: Info) -> Contact | None:
        record = await load_by_id(info, "contacts_by_id", crm_loaders.contacts_by_id, self.contact_id)
        return Contact.from_model(record) if record else None

    @strawberry.field(description="Visits: the timeline activity holding the outcome.")
    async def visit_activity(self, info: Info) -> Activity | None:
        record = await load_by_id(
            info, "activities_by_id", crm_loaders.activities_by_id, self.visit_activity_id
        )
        return Activity.from_model(record) if record else None

    @strawberry.field(description="Visits: the planned follow-up task in the timeline.")
    async def follow_up_activity(self, info: Info) -> Activity | None:
        activity_id = self.follow_up_activity_id
        record = await load_by_id(info, "activities_by_id", crm_loaders.activities_by_id, activity_id)
        return Activity.from_model(record) if record else None


@strawberry.type(description="One occurrence of a calendar item inside the window asked for.")
class CalendarOccurrence:
    item: CalendarItem = strawberry.field(description="The item (for a recurring one, its definition).")
    starts_at: datetime = strawberry.field(description="When this occurrence starts.")
    ends_at: datetime = strawberry.field(description="When this occurrence ends.")


@strawberry.input(description="Conditions on calendar items.")
class CalendarItemFilter:
    owner_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this member's items.")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="Only items about it.")
    kind: CalendarItemKind | None = strawberry.field(default=None, description="Only this kind.")
    team_id: relay.GlobalID | None = strawberry.field(default=None, description="Only items shared with it.")


@strawberry.input(description="A new calendar item in your calendar.")
class CreateCalendarItemInput:
    kind: CalendarItemKind = strawberry.field(description="Meeting, call, visit, task or other.")
    title: str = strawberry.field(description="1-300 characters.")
    starts_at: datetime = strawberry.field(description="Start (of the first occurrence).")
    ends_at: datetime = strawberry.field(description="End; not before the start.")
    all_day: bool | None = strawberry.field(default=UNSET, description="All day (default false).")
    description: str | None = strawberry.field(default=UNSET, description="At most 20,000 characters.")
    location: str | None = strawberry.field(default=UNSET, description="At most 300 characters.")
    recurrence: str | None = strawberry.field(
        default=UNSET, description="RRULE with FREQ DAILY, WEEKLY, MONTHLY or YEARLY; at most 500 characters."
    )
    time_zone: str | None = strawberry.field(
        default=UNSET,
        description=(
            "IANA time zone the recurrence is expanded in (default: your notification preferences' time "
            "zone, else UTC)."
        ),
    )
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="An Account you can see.")
    contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A Contact you can see.")
    team_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Share with a Team (yours; any with all-items scope): its members see it."
    )
    purpose: str | None = strawberry.field(default=UNSET, description="Visits: what it is for.")


@strawberry.input(description="Fields to change on a planned item; those left out keep their value.")
class UpdateCalendarItemInput:
    kind: CalendarItemKind | None = strawberry.field(default=UNSET, description="New kind.")
    title: str | None = strawberry.field(default=UNSET, description="1-300 characters.")
    starts_at: datetime | None = strawberry.field(default=UNSET, description="New start.")
    ends_at: datetime | None = strawberry.field(default=UNSET, description="New end.")
    all_day: bool | None = strawberry.field(default=UNSET, description="All day.")
    description: str | None = strawberry.field(default=UNSET, description="Null clears it.")
    location: str | None = strawberry.field(default=UNSET, description="Null clears it.")
    recurrence: str | None = strawberry.field(default=UNSET, description="Null: no longer recurring.")
    time_zone: str | None = strawberry.field(default=UNSET, description="New IANA time zone (not null).")
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null clears it.")
    contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null clears it.")
    team_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null: no longer shared.")
    purpose: str | None = strawberry.field(default=UNSET, description="Null clears it.")


ITEM_IDS = {
    "account_id": ("Account", "accountId"),
    "contact_id": ("Contact", "contactId"),
    "team_id": ("Team", "teamId"),
}


@strawberry.type(description="Result of a calendar item mutation.")
class CalendarItemPayload:
    item: CalendarItem | None = strawberry.field(default=None, description="The item after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
