"""portfolioChanged over real sockets: a board hears what moves the projects it may see, nothing else."""

from __future__ import annotations

from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.projects.documents import add_member, create_project, create_task
from tests.projects.test_resources import SET_CAPACITY, WEEK, allocate
from tests.support import GraphQLClient, ok

PORTFOLIO_CHANGED = """
subscription { portfolioChanged { type projectId dropped project { name } } }
"""


async def test_portfolio_changed_hears_the_projects_the_subscriber_sees(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    dev = await http_a.add_member(admin, "sales", "dev")
    stranger = await http_a.sign_up("Other tenant")
    shared = await create_project(http_a, admin, name="Shared")
    hidden = await create_project(http_a, admin, name="Hidden")
    await add_member(http_a, admin, shared["id"], dev)
    board = await NodeSubscriber.start(server_a.ws_url, bearer(dev.token), PORTFOLIO_CHANGED, {})
    outside = await NodeSubscriber.start(server_a.ws_url, bearer(stranger.token), PORTFOLIO_CHANGED, {})
    try:
        assert (await board.subscribed("portfolioChanged"))["type"] == "subscribed"
        await outside.subscribed("portfolioChanged")

        await create_task(http_a, admin, hidden["id"], title="Not for dev")  # invisible to dev: silent
        await create_task(http_a, admin, shared["id"], title="Visible")
        await allocate(http_a, admin, shared, dev, "8", week=WEEK)
        await ok(http_a, admin, SET_CAPACITY, {"userId": dev.user_id, "hours": "30"}, "setMemberCapacity")

        changes = [await board.change("portfolioChanged") for _ in range(3)]
        assert [(c["type"], c["projectId"] is not None) for c in changes] == [
            ("task.created", True),
            ("resource.allocated", True),
            ("resource.capacity_set", False),
        ]
        assert changes[0]["project"] == {"name": "Shared"}
        await board.nothing_within(0.3)
        await outside.nothing_within(0.3)  # another tenant hears nothing
    finally:
        for subscriber in (board, outside):
            await subscriber.stop()
