"""Editing a saved dashboard: rename, describe, (un)share, reorder its widgets; who may (the owner of an
unshared one, a tenant admin for a shared one; never a member it is only shared with), the typed error of
each bad input with nothing half-written, stale versions, and the tenant wall (API and SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from tests.support import GraphQLClient, Member

FIELDS = "id name description sharedWithRoles version"
CREATE = f"""
mutation($input: CreateDashboardInput!) {{
  createDashboard(input: $input) {{ dashboard {{ {FIELDS} }} errors {{ field code message }} }}
}}"""
UPDATE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateDashboardInput!) {{
  updateDashboard(id: $id, version: $version, input: $input) {{
    dashboard {{ {FIELDS} }} errors {{ field code message }}
  }}
}}"""
REORDER = f"""
mutation($id: ID!, $version: Int!, $widgetIds: [ID!]!) {{
  reorderDashboardWidgets(id: $id, version: $version, widgetIds: $widgetIds) {{
    dashboard {{ {FIELDS} }} errors {{ field code message }}
  }}
}}"""
SAVE = """
mutation($input: SaveReportInput!) {
  saveReport(input: $input) { widget { id name position version } errors { field code message } }
}"""
DELETE_WIDGET = """
mutation($id: ID!, $version: Int!) {
  deleteReportWidget(id: $id, version: $version) { widget { id } errors { field code message } }
}"""
READ = f"""
query($id: ID!) {{
  node(id: $id) {{ ... on Dashboard {{ {FIELDS} widgets {{ widget {{ id name position }} }} }} }}
}}"""
COUNT = {
    "kind": "ACTIVITIES",
    "metrics": ["ACTIVITY_COUNT"],
    "relative": "LAST_7_DAYS",
}


@dataclass
class Office:
    admin: Member
    rae: Member
    sam: Member
    manager: Member


@pytest.fixture(scope="module")
async def office(http: GraphQLClient) -> Office:
    admin = await http.sign_up("Board Co")
    return Office(
        admin,
        await http.add_member(admin, "sales", "rae"),
        await http.add_member(admin, "sales", "sam"),
        await http.add_member(admin, "manager", "manager"),
    )


async def create(http: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    payload = (await http.execute(CREATE, {"input": {"name": "Board", **values}}, member.token))[
        "createDashboard"
    ]
    assert payload["errors"] == [], payload
    return payload["dashboard"]


async def add_widget(
    http: GraphQLClient, member: Member, dashboard: dict[str, Any], name: str
) -> dict[str, Any]:
    variables = {
        "input": {"name": name, "chartKind": "TABLE", "definition": COUNT, "dashboardId": dashboard["id"]}
    }
    payload = (await http.execute(SAVE, variables, member.token))["saveReport"]
    assert payload["errors"] == [], payload
    return payload["widget"]


async def update(http, member, dashboard, version=None, **values) -> dict[str, Any]:
    variables = {"id": dashboard["id"], "version": version or dashboard["version"], "input": values}
    return (await http.execute(UPDATE, variables, member.token))["updateDashboard"]


async def reorder(http, member, dashboard, ids, version=None) -> dict[str, Any]:
    variables = {"id": dashboard["id"], "version": version or dashboard["version"], "widgetIds": ids}
    return (await http.execute(REORDER, variables, member.token))["reorderDashboardWidgets"]


async def read(http: GraphQLClient, member: Member, dashboard: dict[str, Any]) -> dict[str, Any] | None:
    return (await http.execute(READ, {"id": dashboard["id"]}, member.token))["node"]


def order(node: dict[str, Any]) -> list[tuple[str, int]]:
    return [(w["widget"]["name"], w["widget"]["position"]) for w in node["widgets"]]


def refusals(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in body["errors"]]


async def test_the_owner_renames_describes_and_reorders_their_dashboard(http, office):
    rae = office.rae
    board = await create(http, rae, name="Week", description="My numbers")
    assert (board["description"], board["sharedWithRoles"]) == ("My numbers", [])
    widgets = {name: await add_widget(http, rae, board, name) for name in ("Calls", "Visits", "Mails")}

    renamed = await update(http, rae, board, name="  Monday review ")
    assert renamed["errors"] == []
    assert renamed["dashboard"]["name"] == "Monday review"
    assert renamed["dashboard"]["description"] == "My numbers"  # left out: kept
    assert renamed["dashboard"]["version"] == board["version"] + 1
    cleared = await update(http, rae, renamed["dashboard"], description=None)
    assert cleared["dashboard"]["description"] is None
    assert cleared["dashboard"]["name"] == "Monday review"

    wanted = [widgets["Mails"]["id"], widgets["Calls"]["id"], widgets["Visits"]["id"]]
    reordered = await reorder(http, rae, cleared["dashboard"], wanted)
    assert reordered["errors"] == []
    assert reordered["dashboard"]["version"] == cleared["dashboard"]["version"] + 1
    assert order(await read(http, rae, board)) == [("Mails", 0), ("Calls", 1), ("Visits", 2)]

    # A widget added after a deletion goes last, not onto the position the deletion left behind.
    deleted = await http.execute(
        DELETE_WIDGET, {"id": widgets["Mails"]["id"], "version": widgets["Mails"]["version"] + 1}, rae.token
    )
    assert deleted["deleteReportWidget"]["errors"] == []
    await add_widget(http, rae, board, "Deals")
    assert order(await read(http, rae, board)) == [("Calls", 1), ("Visits", 2), ("Deals", 3)]


async def test_bad_edits_get_exact_errors_and_change_nothing(http, office):
    rae = office.rae
    board = await create(http, rae, name="Plain", description="Kept")
    first, second = [await add_widget(http, rae, board, name) for name in ("One", "Two")]
    other_board = await create(http, rae, name="Elsewhere")
    foreign = await add_widget(http, rae, other_board, "Foreign")
    ids = [first["id"], second["id"]]

    assert (await update(http, rae, board, name=" ", description="x" * 2001))["errors"] == [
        {"field": "input.name", "code": "REQUIRED", "message": "Give a name."},
        {"field": "input.description", "code": "TOO_LONG", "message": "Use at most 2000 characters."},
    ]
    assert (await update(http, rae, board, name="Fine", sharedWithRoles=None))["errors"] == [
        {
            "field": "input.sharedWithRoles",
            "code": "REQUIRED",
            "message": "Give the role keys to share with ([] to unshare).",
        }
    ]
    assert (await update(http, rae, board, version=board["version"] + 5, name="Late"))["errors"] == [
        {
            "field": "version",
            "code": "CONFLICT",
            "message": "This dashboard was changed by someone else since you read it; reload and retry.",
        }
    ]
    every = "List every widget of this dashboard exactly once (2), in the new order."
    for given in (
        [first["id"]],
        [first["id"], first["id"]],
        [first["id"], foreign["id"]],
        [*ids, foreign["id"]],
        [],
    ):
        assert (await reorder(http, rae, board, given))["errors"] == [
            {"field": "widgetIds", "code": "INVALID", "message": every}
        ]
    assert (await reorder(http, rae, board, [second["id"], board["id"]]))["errors"] == [
        {"field": "widgetIds.1", "code": "NOT_FOUND", "message": "Expected the id of a ReportWidget."}
    ]
    assert (await reorder(http, rae, board, ids[::-1], version=board["version"] + 5))["errors"][0][
        "code"
    ] == ("CONFLICT")
    # Nothing of any of it was written.
    node = await read(http, rae, board)
    assert (node["name"], node["description"], node["version"]) == ("Plain", "Kept", board["version"])
    assert order(node) == [("One", 0), ("Two", 1)]


async def test_only_the_owner_or_an_admin_edits_and_sharing_needs_an_admin(http, office):
    rae, sam, admin = office.rae, office.sam, office.admin
    private = await create(http, rae, name="Rae's own")
    widget = await add_widget(http, rae, private, "Calls")
    # Another rep does not see it, so there is nothing to edit.
    assert (await update(http, sam, private, name="Taken"))["errors"] == [
        {"field": "id", "code": "NOT_FOUND", "message": "No dashboard with this id."}
    ]
    assert (await reorder(http, sam, private, [widget["id"]]))["errors"][0]["code"] == "NOT_FOUND"
    # Sharing is a tenant admin's.
    body = (
        await http.post(
            UPDATE,
            {"id": private["id"], "version": private["version"], "input": {"sharedWithRoles": ["sales"]}},
            rae.token,
        )
    ).json()
    assert body["data"]["updateDashboard"] is None and refusals(body) == [("PERMISSION_DENIED", None)]

    shared = await create(http, admin, name="Floor", sharedWithRoles=["sales", "manager"])
    first, second = [await add_widget(http, admin, shared, name) for name in ("A", "B")]
    for member in (rae, office.manager):  # they read it ...
        assert (await read(http, member, shared))["name"] == "Floor"
        for document, variables in (
            (UPDATE, {"id": shared["id"], "version": shared["version"], "input": {"name": "Mine now"}}),
            (
                REORDER,
                {"id": shared["id"], "version": shared["version"], "widgetIds": [second["id"], first["id"]]},
            ),
        ):  # ... and change nothing
            body = (await http.post(document, variables, member.token)).json()
            assert refusals(body) == [("PERMISSION_DENIED", None)], body
    node = await read(http, admin, shared)
    assert (node["name"], node["version"], order(node)) == ("Floor", shared["version"], [("A", 0), ("B", 1)])

    # The admin renames it, reorders it and narrows its sharing: the manager no longer reads it.
    changed = await update(http, admin, shared, name="Sales floor", sharedWithRoles=["sales", "sales"])
    assert changed["errors"] == [] and changed["dashboard"]["sharedWithRoles"] == ["sales"]
    assert (await reorder(http, admin, changed["dashboard"], [second["id"], first["id"]]))["errors"] == []
    assert order(await read(http, rae, shared)) == [("B", 0), ("A", 1)]
    assert await read(http, office.manager, shared) is None
    unknown = await update(
        http, admin, shared, version=changed["dashboard"]["version"] + 1, sharedWithRoles=["x"]
    )
    assert unknown["errors"] == [
        {"field": "input.sharedWithRoles.0", "code": "INVALID", "message": "There is no role 'x'."}
    ]


async def test_another_tenant_cannot_edit_a_dashboard(http, office, database_urls):
    board = await create(http, office.admin, name="Ours", description="Private")
    widget = await add_widget(http, office.admin, board, "Calls")
    stranger = await http.sign_up("Other Board Co")
    assert (await update(http, stranger, board, name="Taken"))["errors"][0]["code"] == "NOT_FOUND"
    assert (await reorder(http, stranger, board, [widget["id"]]))["errors"][0]["code"] == "NOT_FOUND"
    connection = await asyncpg.connect(database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", stranger.tenant_id)
            assert (
                await connection.fetchval("select count(*) from dashboards where description is not null")
                == 0
            )
            assert await connection.execute("update dashboards set description = 'taken'") == "UPDATE 0"
            assert await connection.execute("update report_widgets set position = 9") == "UPDATE 0"
        async with connection.transaction():  # the rows are there for their own tenant (the test can fail)
            await connection.execute("select set_config('app.tenant_id', $1, true)", office.admin.tenant_id)
            assert (
                await connection.fetchval("select count(*) from dashboards where description = 'Private'")
                == 1
            )
    finally:
        await connection.close()
    node = await read(http, office.admin, board)
    assert (node["name"], node["description"], order(node)) == ("Ours", "Private", [("Calls", 0)])
