"""GraphQL types of the segments: a saved filter whose members are connections under your record scope."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.loaders import by_id
from graph.core.nodes import resolve_by_ids
from graph.core.pagination import Connection, PageInfo, paginate
from graph.crm.types import Account, Contact
from graph.identity.types import User, owner
from graph.marketing import models as marketing_models
from graph.marketing import segments
from graph.sales.leads.types import Lead

# Nullable, so that one refused field does not null the segment and cancel its siblings mid-statement.
REFUSED = " Null, with a PERMISSION_DENIED error, when your role hides a field the filter reads."
EMPTY_PAGE = PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)
segments_by_id = by_id(marketing_models.Segment, marketing_models.SEGMENT, segments.segment_scope)


@strawberry.enum(description="Which records a segment holds.")
class SegmentTarget(Enum):
    ACCOUNT = "account"
    CONTACT = "contact"
    LEAD = "lead"


assert {target.value for target in SegmentTarget} == set(marketing_models.SEGMENT_TARGETS)


@strawberry.type(
    description="A saved filter over accounts, contacts or leads. Its members, for you, are what the "
    "list query (`accounts`, `contacts`, `leads`) returns for you with `filter`; a frozen segment keeps "
    "the ids it had when frozen, as far as your list still shows them."
)
class Segment(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = marketing_models.SEGMENT
    id: relay.NodeID[str]
    name: str = strawberry.field(description="What the segment is called.")
    target: SegmentTarget = strawberry.field(description="Which records it holds.")
    filter: JSON = strawberry.field(
        description="The list filter it stores, as the list query's `filter` variable would be written."
    )
    frozen: bool = strawberry.field(description="True: members are the snapshot taken at `frozenAt`.")
    frozen_at: datetime | None = strawberry.field(description="When the snapshot was taken.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    owner_id: strawberry.Private[uuid.UUID]
    row: strawberry.Private[marketing_models.Segment]

    @classmethod
    def from_model(cls, segment: marketing_models.Segment) -> Segment:
        return cls(
            id=str(segment.id),
            name=segment.name,
            target=SegmentTarget(segment.target),
            filter=segment.filter,
            frozen=segment.frozen,
            frozen_at=segment.frozen_at,
            created_at=segment.created_at,
            updated_at=segment.updated_at,
            version=segment.version,
            owner_id=segment.owner_id,
            row=segment,
            custom=segment.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Segment | None]:
        return await resolve_by_ids(info, "segments_by_id", segments_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The member who owns the segment.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(
        description="How many members you see (what `accounts`/`contacts`/`leads` pages through)."
    )
    async def member_count(self, info: Info) -> int:
        return await segments.member_count(await info.context.session(), info.context.actor, self.row)

    async def members(
        self, info: Info, target: str, to_node: Callable[[Any], Any], pages: tuple[Any, Any, Any, Any]
    ) -> Any:
        first, after, last, before = pages
        if self.row.target != target:
            # Empty whatever the cursors: they belong to the target's own connection.
            return Connection(edges=[], page_info=EMPTY_PAGE, _total=0)
        session = await info.context.session()
        statement = await segments.members_statement(session, info.context.actor, self.row)
        return await paginate(session, statement, to_node, first, after, before, last)

    @strawberry.field(description="The members of an ACCOUNT segment (empty for other targets)." + REFUSED)
    async def accounts(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Account] | None:
        return await self.members(info, "account", Account.from_model, (first, after, last, before))

    @strawberry.field(description="The members of a CONTACT segment (empty for other targets)." + REFUSED)
    async def contacts(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Contact] | None:
        return await self.members(info, "contact", Contact.from_model, (first, after, last, before))

    @strawberry.field(description="The members of a LEAD segment (empty for other targets)." + REFUSED)
    async def leads(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Lead] | None:
        return await self.members(info, "lead", Lead.from_model, (first, after, last, before))
