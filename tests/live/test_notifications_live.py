"""notificationsChanged over a real socket: a member hears their own new and read notifications, never
another member's, and never another tenant's."""

from __future__ import annotations

from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.notifications.support import MARK_READ, notify_members
from tests.support import GraphQLClient

NOTIFICATIONS_CHANGED = """
subscription { notificationsChanged { type notificationId unreadCount dropped notification { id kind subject read } } }
"""


async def test_notifications_changed_reaches_only_the_recipient(
    server_a: Server, http_a: GraphQLClient, services
) -> None:
    admin = await http_a.sign_up()
    rep = await http_a.add_member(admin, "sales", "rep")
    stranger = await http_a.sign_up("Elsewhere")
    mine = await NodeSubscriber.start(server_a.ws_url, bearer(rep.token), NOTIFICATIONS_CHANGED)
    theirs = await NodeSubscriber.start(server_a.ws_url, bearer(stranger.token), NOTIFICATIONS_CHANGED)
    try:
        assert (await mine.subscribed("notificationsChanged"))["unreadCount"] == 0
        await theirs.subscribed("notificationsChanged")

        await notify_members(services, admin.tenant_id, [admin.user_id], subject="For the admin only")
        await notify_members(services, admin.tenant_id, [rep.user_id], subject="Call Globex")
        change = await mine.change("notificationsChanged")
        assert change["type"] == "notification.created"
        assert change["notification"]["subject"] == "Call Globex"
        assert (change["unreadCount"], change["dropped"]) == (1, False)

        marked = await http_a.execute(MARK_READ, {"ids": [change["notificationId"]]}, rep.token)
        assert marked["markNotificationsRead"]["errors"] == []
        read = await mine.change("notificationsChanged")
        assert (read["type"], read["notification"], read["unreadCount"]) == ("notification.read", None, 0)
        await mine.nothing_within(0.5)
        await theirs.nothing_within(0.2)
    finally:
        await mine.stop()
        await theirs.stop()
