"""projectChanged / tasksChanged / myApprovalsChanged over real sockets against a real uvicorn process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.approvals.test_approvals import decide, submitted_change
from tests.live.clients import NodeSubscriber, bearer
from tests.live.servers import Server
from tests.projects.documents import (
    CHANGE_PROJECT_STATUS,
    UPDATE_PROJECT,
    UPDATE_TASK,
    add_member,
    create_project,
    create_task,
    define_chain,
    ok,
    set_status,
)
from tests.support import GraphQLClient

PROJECT_CHANGED = """
subscription Watch($projectId: ID!) { projectChanged(projectId: $projectId) {
  type projectId version dropped project { id name status health { status } } } }
"""
TASKS_CHANGED = """
subscription Tasks($projectId: ID, $assigneeId: ID) { tasksChanged(projectId: $projectId, assigneeId: $assigneeId) {
  type taskId version task { id title status assignee { id } } } }
"""
MY_APPROVALS_CHANGED = """
subscription { myApprovalsChanged { type requestId awaitingMe request { id status title } } }
"""


def yesterday() -> str:
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


async def test_project_changed_follows_fields_status_and_computed_health(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    project = await create_project(http_a, admin)
    other = await create_project(http_a, admin, name="Elsewhere")
    watcher = await NodeSubscriber.start(
        server_a.ws_url, bearer(admin.token), PROJECT_CHANGED, {"projectId": project["id"]}
    )
    try:
        first = await watcher.subscribed("projectChanged")
        assert first["project"]["health"] == {"status": "ON_TRACK"}

        await create_task(http_a, admin, other["id"], dueDate=yesterday())  # another project: silent
        await ok(
            http_a,
            admin,
            UPDATE_PROJECT,
            {"id": project["id"], "version": 1, "input": {"name": "Renamed"}},
            "updateProject",
        )
        await ok(
            http_a,
            admin,
            CHANGE_PROJECT_STATUS,
            {"id": project["id"], "version": 2, "status": "ACTIVE"},
            "changeProjectStatus",
        )
        await create_task(http_a, admin, project["id"], title="Late", dueDate=yesterday())  # health moves
        await create_task(http_a, admin, project["id"], title="Undated")  # still off track: silent

        changes = [await watcher.change("projectChanged") for _ in range(3)]
        assert [(c["type"], c["version"]) for c in changes] == [
            ("project.updated", 2),
            ("project.status_changed", 3),
            ("project.health_changed", 3),
        ]
        assert changes[0]["project"]["name"] == "Renamed"
        assert changes[1]["project"]["status"] == "ACTIVE"
        assert changes[2]["project"]["health"] == {"status": "OFF_TRACK"}
        await watcher.nothing_within(0.3)
    finally:
        await watcher.stop()


async def test_tasks_changed_by_project_and_by_assignee(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    worker = await http_a.add_member(admin, "sales", "worker")
    outsider = await http_a.add_member(admin, "sales", "outsider")
    project = await create_project(http_a, admin)
    await add_member(http_a, admin, project["id"], worker)
    board = await NodeSubscriber.start(
        server_a.ws_url, bearer(admin.token), TASKS_CHANGED, {"projectId": project["id"]}
    )
    mine = await NodeSubscriber.start(
        server_a.ws_url, bearer(worker.token), TASKS_CHANGED, {"assigneeId": worker.user_id}
    )
    refused = await NodeSubscriber.start(
        server_a.ws_url, bearer(outsider.token), TASKS_CHANGED, {"projectId": project["id"]}
    )
    try:
        assert (await refused.next())["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        await board.subscribed("tasksChanged")
        await mine.subscribed("tasksChanged")

        task = await create_task(http_a, admin, project["id"], title="Wire it")
        task = (
            await ok(
                http_a,
                admin,
                UPDATE_TASK,
                {"id": task["id"], "version": 1, "input": {"assigneeId": worker.user_id}},
                "updateTask",
            )
        )["task"]
        task = await set_status(http_a, worker, task, "IN_PROGRESS")
        await ok(
            http_a,
            admin,
            UPDATE_TASK,
            {"id": task["id"], "version": 3, "input": {"assigneeId": None}},
            "updateTask",
        )

        on_board = [await board.change("tasksChanged") for _ in range(4)]
        assert [(c["type"], c["version"]) for c in on_board] == [
            ("task.created", 1),
            ("task.assigned", 2),
            ("task.status_changed", 3),
            ("task.assigned", 4),
        ]
        assert on_board[2]["task"]["status"] == "IN_PROGRESS"
        # The worker's own list: assigned, started, then unassigned (so it can leave the list).
        assert [(c["type"], c["version"]) for c in [await mine.change("tasksChanged") for _ in range(3)]] == [
            ("task.assigned", 2),
            ("task.status_changed", 3),
            ("task.assigned", 4),
        ]
        await mine.nothing_within(0.3)
    finally:
        for subscriber in (board, mine, refused):
            await subscriber.stop()


async def test_tasks_changed_needs_a_project_or_an_assignee(server_a: Server, http_a: GraphQLClient) -> None:
    admin = await http_a.sign_up()
    watcher = await NodeSubscriber.start(server_a.ws_url, bearer(admin.token), TASKS_CHANGED)
    try:
        error = (await watcher.next())["errors"][0]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("REQUIRED", "projectId")
    finally:
        await watcher.stop()


async def test_my_approvals_changed_reaches_the_requester_and_the_approvers_only(
    server_a: Server, http_a: GraphQLClient
) -> None:
    admin = await http_a.sign_up()
    boss = await http_a.add_member(admin, "manager", "boss")
    requester = await http_a.add_member(admin, "sales", "requester")
    bystander = await http_a.add_member(admin, "sales", "bystander")
    await define_chain(http_a, admin, {"name": "The boss", "rule": "ANY", "userIds": [boss.user_id]})
    project = await create_project(http_a, requester, budget="1000")
    feeds = {
        member.email: await NodeSubscriber.start(server_a.ws_url, bearer(member.token), MY_APPROVALS_CHANGED)
        for member in (boss, requester, bystander)
    }
    try:
        for feed in feeds.values():
            await feed.subscribed("myApprovalsChanged")
        change = await submitted_change(http_a, requester, project["id"])
        request_id = change["approval"]["id"]

        boss_sees = await feeds[boss.email].change("myApprovalsChanged")
        requester_sees = await feeds[requester.email].change("myApprovalsChanged")
        assert (boss_sees["type"], boss_sees["requestId"], boss_sees["awaitingMe"]) == (
            "approval.requested",
            request_id,
            True,
        )
        assert (requester_sees["type"], requester_sees["awaitingMe"]) == ("approval.requested", False)

        decided = await decide(http_a, boss, request_id)
        assert decided["errors"] == []
        for email in (boss.email, requester.email):
            after = await feeds[email].change("myApprovalsChanged")
            assert (after["type"], after["awaitingMe"], after["request"]["status"]) == (
                "approval.decided",
                False,
                "APPROVED",
            )
        await feeds[bystander.email].nothing_within(0.3)
    finally:
        for feed in feeds.values():
            await feed.stop()
