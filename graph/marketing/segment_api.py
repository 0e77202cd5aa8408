"""Segment inputs, queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy import func
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.crm.filters import AccountFilter, ContactFilter
from graph.marketing import segments
from graph.marketing.models import Segment as SegmentRow
from graph.marketing.segment_types import Segment, segments_by_id
from graph.sales.leads.inputs import LeadFilter
from tenants.errors import DomainError, ErrorCode

T = TypeVar("T")

SegmentId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Segment.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


@strawberry.input(
    description="The records a segment holds and the list filter that selects them: give exactly one, "
    "written as the `filter` of the `accounts`, `contacts` or `leads` query (custom fields and tags "
    "included). Soft-deleted records (`deleted: true`) are refused."
)
class SegmentFilterInput:
    accounts: AccountFilter | None = strawberry.field(default=None, description="A segment of accounts.")
    contacts: ContactFilter | None = strawberry.field(default=None, description="A segment of contacts.")
    leads: LeadFilter | None = strawberry.field(default=None, description="A segment of leads.")


@strawberry.input(description="A new segment, owned by you.")
class CreateSegmentInput:
    name: str = strawberry.field(description="Name (max 200).")
    filter: SegmentFilterInput = strawberry.field(description="Which records and which filter.")
    frozen: bool = strawberry.field(
        default=False, description="true: keep the members the filter returns for you now (a snapshot)."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a segment; a new filter on a frozen segment takes a new snapshot.")
class UpdateSegmentInput:
    name: str | None = strawberry.field(default=UNSET, description="Name (max 200).")
    filter: SegmentFilterInput | None = strawberry.field(
        default=UNSET, description="The new filter, over the same records as before."
    )
    custom: JSON | None = custom_values_field()


@strawberry.type(description="Result of a segment mutation: the segment, or errors.")
class SegmentPayload:
    segment: Segment | None = strawberry.field(default=None, description="The segment after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of deleteSegment: the id of the deleted segment, or errors.")
class DeleteSegmentPayload:
    deleted_id: relay.GlobalID | None = strawberry.field(default=None, description="The Segment deleted.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


def chosen_filter(given: SegmentFilterInput) -> tuple[str, Any]:
    chosen = [
        (target, value)
        for target, value in (("account", given.accounts), ("contact", given.contacts), ("lead", given.leads))
        if value is not None
    ]
    if len(chosen) != 1:
        raise DomainError(ErrorCode.INVALID, "Give exactly one of accounts, contacts or leads.", "filter")
    return chosen[0]


@strawberry.type
class SegmentsQuery:
    @strawberry.field(description="Segments in your record scope, by name.")
    async def segments(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Segment]:
        statement = segments.visible_segments(info.context.actor)
        statement = statement.order_by(func.lower(SegmentRow.name), SegmentRow.id)
        session = await info.context.session()
        return await paginate(session, statement, Segment.from_model, first, after, before, last)

    @strawberry.field(description="One segment; null if missing or not yours to see.")
    async def segment(self, info: Info, id: SegmentId) -> Segment | None:
        try:
            segment_id = decode_id(id, "Segment")
        except DomainError:
            return None
        record = await info.context.loader("segments_by_id", segments_by_id).load(segment_id)
        return Segment.from_model(record) if record else None


@strawberry.type
class SegmentsMutation:
    @strawberry.mutation(description="Save a segment; its filter is checked as the list query checks it.")
    @mutation_payload(SegmentPayload)
    async def create_segment(self, info: Info, input: Input[CreateSegmentInput]) -> SegmentPayload:
        session, actor = await info.context.session(), info.context.actor
        target, given = chosen_filter(input.filter)
        custom = {} if input.custom is UNSET else {"custom": input.custom}
        segment = await segments.create_segment(
            session, actor, input.name, target, given, input.frozen, custom
        )
        return SegmentPayload(segment=Segment.from_model(segment))

    @strawberry.mutation(description="Rename a segment or change its filter.")
    @mutation_payload(SegmentPayload)
    async def update_segment(
        self, info: Info, id: SegmentId, version: Version, input: Input[UpdateSegmentInput]
    ) -> SegmentPayload:
        session, actor = await info.context.session(), info.context.actor
        values: dict[str, Any] = {}
        if input.name is not UNSET:
            values["name"] = input.name
        if input.filter is not UNSET:
            if input.filter is None:
                raise DomainError(ErrorCode.REQUIRED, "A segment always has a filter.", "filter")
            values["filter"] = chosen_filter(input.filter)
        if input.custom is not UNSET:
            values["custom"] = input.custom
        segment = await segments.update_segment(session, actor, decode_id(id, "Segment"), version, values)
        return SegmentPayload(segment=Segment.from_model(segment))

    @strawberry.mutation(
        description="Freeze a segment: its members become what the filter returns for you now."
    )
    @mutation_payload(SegmentPayload)
    async def freeze_segment(self, info: Info, id: SegmentId, version: Version) -> SegmentPayload:
        session, actor = await info.context.session(), info.context.actor
        segment = await segments.set_frozen(session, actor, decode_id(id, "Segment"), version, True)
        return SegmentPayload(segment=Segment.from_model(segment))

    @strawberry.mutation(description="Make a frozen segment dynamic again (its snapshot is dropped).")
    @mutation_payload(SegmentPayload)
    async def unfreeze_segment(self, info: Info, id: SegmentId, version: Version) -> SegmentPayload:
        session, actor = await info.context.session(), info.context.actor
        segment = await segments.set_frozen(session, actor, decode_id(id, "Segment"), version, False)
        return SegmentPayload(segment=Segment.from_model(segment))

    @strawberry.mutation(description="Delete a segment no campaign targets (INVALID_TRANSITION otherwise).")
    @mutation_payload(DeleteSegmentPayload)
    async def delete_segment(self, info: Info, id: SegmentId, version: Version) -> DeleteSegmentPayload:
        session, actor = await info.context.session(), info.context.actor
        deleted = await segments.delete_segment(session, actor, decode_id(id, "Segment"), version)
        return DeleteSegmentPayload(deleted_id=relay.GlobalID("Segment", str(deleted)))
