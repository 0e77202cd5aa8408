"""ticketsChanged over real sockets against a real uvicorn process: queue membership, record scope and
the tenant wall."""

from __future__ import annotations

from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.service.documents import UPDATE_TICKET, open_ticket
from tests.support import GraphQLClient, ok

TICKETS_CHANGED = """
subscription Queue($queue: TicketQueue) { ticketsChanged(queue: $queue) {
  type ticketId inQueue ticket { subject assignee { id } } } }
"""


async def test_queues_hear_their_tickets_and_nobody_hears_what_they_may_not_see(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    agent = await http_a.add_member(admin, "sales", "agent")
    stranger = await http_a.sign_up("Elsewhere")
    mine = await NodeSubscriber.start(
        server_a.ws_url, bearer(agent.token), TICKETS_CHANGED, {"queue": "MINE"}
    )
    everything = await NodeSubscriber.start(server_a.ws_url, bearer(admin.token), TICKETS_CHANGED, {})
    outsider = await NodeSubscriber.start(server_a.ws_url, bearer(stranger.token), TICKETS_CHANGED, {})
    try:
        for watcher in (mine, everything, outsider):
            await watcher.subscribed("ticketsChanged")

        ticket = await open_ticket(http_a, admin, subject="Noisy fan", assigneeId=agent.user_id)
        created = await mine.change("ticketsChanged")
        assert (created["type"], created["inQueue"]) == ("ticket.created", True)
        assert created["ticket"] == {"subject": "Noisy fan", "assignee": {"id": agent.user_id}}
        seen = await everything.change("ticketsChanged")
        assert (seen["type"], seen["inQueue"]) == ("ticket.created", None)

        await ok(
            http_a,
            admin,
            UPDATE_TICKET,
            {"id": ticket["id"], "version": ticket["version"], "input": {"assigneeId": None}},
            "updateTicket",
        )
        unassigned = await mine.change("ticketsChanged")  # an unassigned ticket stays visible to the agent
        assert (unassigned["type"], unassigned["inQueue"]) == ("ticket.updated", False)
        assert (await everything.change("ticketsChanged"))["type"] == "ticket.updated"
        await outsider.nothing_within(0.3)
    finally:
        for watcher in (mine, everything, outsider):
            await watcher.stop()
