"""Live ticket queues: `ticketsChanged(queue)`.

Events come from graph/service/tickets.py and the escalation job (`ticket.created`, `ticket.updated`,
`ticket.status_changed`, `ticket.reopened`, `ticket.messaged`, `ticket.merged`, `ticket.escalated`); each is
re-read through the ticket loader under the subscriber's record scope, so nobody hears of a ticket they
may not see. `inQueue` says whether the ticket now belongs to the watched queue, so a screen adds or
removes the row without a refetch (a reassignment away from you arrives with `inQueue: false`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.ids import encode_id
from graph.live.context import Info, LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream
from graph.service import clock, loaders, sla
from graph.service.filters import UNFINISHED, TicketQueue
from graph.service.models import TICKET
from graph.service.models import Ticket as TicketModel
from graph.service.types import Ticket
from tenants.models import Membership

TICKET_EVENTS = frozenset(
    {
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.reopened",
        "ticket.messaged",
        "ticket.merged",
        "ticket.escalated",
    }
)


@strawberry.type(
    description="One change to a ticket you may see, re-read for you when delivered. `type` is `subscribed` "
    "first, then the event (`ticket.created`, `ticket.updated`, `ticket.status_changed`, `ticket.reopened`, "
    "`ticket.messaged`, `ticket.merged`, `ticket.escalated`); `dropped` when events were lost: refetch."
)
class TicketChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    ticket_id: relay.GlobalID | None = strawberry.field(
        description="The ticket; null for `subscribed`/`dropped`."
    )
    version: int | None = strawberry.field(description="The ticket's version the change produced.")
    in_queue: bool | None = strawberry.field(
        description="Whether the ticket now belongs to the watched queue (null without a queue)."
    )
    ticket: Ticket | None = strawberry.field(description="The ticket as you may see it now.")
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


def dropped_change() -> TicketChange:
    return TicketChange(
        type=DROPPED_TYPE, ticket_id=None, version=None, in_queue=None, ticket=None, dropped=True
    )


async def belongs(context: LiveContext, ticket: TicketModel, queue: TicketQueue) -> bool:
    """Python twin of filters.ticket_conditions for one queue."""
    actor, unfinished = context.actor, ticket.status in UNFINISHED
    if queue is TicketQueue.MINE:
        return unfinished and ticket.assignee_id == actor.user_id
    if queue is TicketQueue.UNASSIGNED:
        return unfinished and ticket.assignee_id is None
    if queue is TicketQueue.AT_RISK:
        return sla.at_risk(ticket, clock.now())
    if queue is TicketQueue.BREACHED:
        return unfinished and sla.breached(ticket, clock.now())
    if not unfinished or ticket.assignee_id is None or actor.team_id is None:
        return False
    team = await (await context.session()).scalar(
        select(Membership.team_id).where(
            Membership.tenant_id == actor.tenant_id, Membership.user_id == ticket.assignee_id
        )
    )
    return team == actor.team_id


QueueArgument = Annotated[
    TicketQueue | None, strawberry.argument(description="The queue whose membership `inQueue` reports.")
]


@strawberry.type
class TicketSubscription:
    @strawberry.subscription(
        description="Changes to every ticket you may see (your record scope applies), for queue screens. "
        "First item: `subscribed`."
    )
    async def tickets_changed(
        self, info: Info, queue: QueueArgument = None
    ) -> AsyncGenerator[TicketChange, None]:
        async def subscribed(_context: LiveContext) -> TicketChange:
            return TicketChange(
                type=SUBSCRIBED, ticket_id=None, version=None, in_queue=None, ticket=None, dropped=False
            )

        async def deliver(context: LiveContext, event: Event) -> Delivery[TicketChange]:
            ticket_id: uuid.UUID | None = event.id("ticket")
            record = (
                await context.loader("tickets_by_id", loaders.tickets_by_id).load(ticket_id)
                if ticket_id
                else None
            )
            if record is None:
                return Delivery(None)
            return Delivery(
                TicketChange(
                    type=event.type,
                    ticket_id=encode_id("Ticket", record.id),
                    version=event.version,
                    in_queue=await belongs(context, record, queue) if queue is not None else None,
                    ticket=Ticket.from_model(record),
                    dropped=False,
                )
            )

        async for change in live_stream(
            info,
            (TICKET,),
            lambda event: event.type in TICKET_EVENTS,
            deliver,
            subscribed,
            dropped_change,
            per_user=queue in (TicketQueue.MINE, TicketQueue.MY_TEAM),
        ):
            yield change
