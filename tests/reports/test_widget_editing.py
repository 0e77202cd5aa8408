"""Editing a saved report or dashboard widget (updateReportWidget): its name, chart kind, definition and
a saved report's sharing; the new definition checked as the editor and computed as each reader; who may
(as for deleting it); the exact error of each bad input with nothing written; stale versions; another
tenant."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import asyncpg

from tests.admin.documents import assign, create_role
from tests.reports.conftest import money, period
from tests.support import GraphQLClient, Member, relay_uuid

FIELDS = "id name chartKind version sharedWithRoles definition { kind metrics groupBy bucket relative }"
SAVE = f"""
mutation($input: SaveReportInput!) {{
  saveReport(input: $input) {{ widget {{ {FIELDS} }} errors {{ field code message }} }}
}}"""
UPDATE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateReportWidgetInput!) {{
  updateReportWidget(id: $id, version: $version, input: $input) {{
    widget {{ {FIELDS} }} errors {{ field code message }}
  }}
}}"""
CREATE_DASHBOARD = """
mutation($input: CreateDashboardInput!) {
  createDashboard(input: $input) { dashboard { id } errors { field code message } }
}"""
WIDGET = f"query($id: ID!) {{ node(id: $id) {{ ... on ReportWidget {{ {FIELDS} }} }} }}"
FIGURES = """
query($id: ID!) {
  node(id: $id) {
    ... on Dashboard {
      widgets { widget { name chartKind } result { kind series { metric key total } } error { code } }
    }
  }
}"""
CALLS = {"kind": "ACTIVITIES", "metrics": ["ACTIVITY_COUNT"], "relative": "LAST_7_DAYS"}
START, END = period()
WON_BY_REP = {
    "kind": "SALES_PERFORMANCE",
    "metrics": ["WON_AMOUNT"],
    "groupBy": "OWNER",
    "from": START,
    "to": END,
}
WON_AND_COUNT = {**WON_BY_REP, "metrics": ["WON_AMOUNT", "WON_COUNT"]}


async def dashboard(http: GraphQLClient, member: Member, name: str, roles: list[str] | None = None) -> str:
    variables = {"input": {"name": name, "sharedWithRoles": roles or []}}
    payload = (await http.execute(CREATE_DASHBOARD, variables, member.token))["createDashboard"]
    assert payload["errors"] == [], payload
    return payload["dashboard"]["id"]


async def save(
    http: GraphQLClient, member: Member, name: str, chart: str, definition: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    variables = {"input": {"name": name, "chartKind": chart, "definition": definition, **extra}}
    payload = (await http.execute(SAVE, variables, member.token))["saveReport"]
    assert payload["errors"] == [], payload
    return payload["widget"]


async def update(
    http: GraphQLClient, member: Member, widget: dict[str, Any], version: int | None = None, **values: Any
) -> dict[str, Any]:
    variables = {"id": widget["id"], "version": version or widget["version"], "input": values}
    return (await http.execute(UPDATE, variables, member.token))["updateReportWidget"]


async def refused(http: GraphQLClient, member: Member, widget: dict[str, Any], **values: Any) -> list:
    """The top-level refusals (code, field) of an update the caller may not make; its field is null."""
    variables = {"id": widget["id"], "version": widget["version"], "input": values}
    body = (await http.post(UPDATE, variables, member.token)).json()
    assert body["data"]["updateReportWidget"] is None, body
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in body["errors"]]


async def read(http: GraphQLClient, member: Member, widget: dict[str, Any]) -> dict[str, Any] | None:
    return (await http.execute(WIDGET, {"id": widget["id"]}, member.token))["node"]


def rae_won(seeded) -> str:  # type: ignore[no-untyped-def]
    return money(sum((d.in_usd for d in seeded.deals if d.owner == "rae" and d.outcome == "won"), 0))


async def test_the_owner_edits_a_widget_and_reads_the_new_figures(http, seeded, database_urls):
    rae = seeded.members["rae"]
    board = await dashboard(http, rae, "Rae's week")
    widget = await save(http, rae, "Calls", "TABLE", CALLS, dashboardId=board)

    edited = await update(http, rae, widget, name="  Won by rep ", chartKind="BAR", definition=WON_BY_REP)
    assert edited["errors"] == []
    changed = edited["widget"]
    assert (changed["name"], changed["chartKind"], changed["version"]) == (
        "Won by rep",
        "BAR",
        widget["version"] + 1,
    )
    assert changed["definition"] == {
        "kind": "SALES_PERFORMANCE",
        "metrics": ["WON_AMOUNT"],
        "groupBy": "OWNER",
        "bucket": "NONE",
        "relative": None,
    }
    # The dashboard computes the new definition, as its reader.
    [shown] = (await http.execute(FIGURES, {"id": board}, rae.token))["node"]["widgets"]
    assert shown["widget"] == {"name": "Won by rep", "chartKind": "BAR"} and shown["error"] is None
    assert shown["result"]["kind"] == "SALES_PERFORMANCE"
    assert [(s["metric"], s["key"], s["total"]) for s in shown["result"]["series"]] == [
        ("WON_AMOUNT", seeded.user_key("rae"), rae_won(seeded))
    ]

    # The chart kind alone, checked against the kept definition (one metric, no buckets: a pie may).
    pie = await update(http, rae, changed, chartKind="PIE")
    assert pie["errors"] == [] and pie["widget"]["chartKind"] == "PIE"
    assert pie["widget"]["definition"] == changed["definition"]
    assert pie["widget"]["version"] == changed["version"] + 1
    # The same values again change nothing, so the version stays.
    same = await update(http, rae, pie["widget"], name="Won by rep", chartKind="PIE")
    assert same["errors"] == [] and same["widget"]["version"] == pie["widget"]["version"]

    connection = await asyncpg.connect(database_urls.app)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", rae.tenant_id)
            rows = await connection.fetch(
                "select changes from audit_log where action = 'report_widget.update' and object_id = $1"
                " order by created_at",
                uuid.UUID(relay_uuid(widget["id"])),
            )
    finally:
        await connection.close()
    changes = [json.loads(row["changes"]) for row in rows]
    assert [sorted(change) for change in changes] == [["chart_kind", "definition", "name"], ["chart_kind"]]
    assert changes[0]["name"] == ["Calls", "Won by rep"]
    assert changes[1]["chart_kind"] == ["bar", "pie"]


async def test_bad_widget_edits_get_exact_errors_and_change_nothing(http, seeded):
    rae = seeded.members["rae"]
    board = await dashboard(http, rae, "Rae's checks")
    widget = await save(http, rae, "Won and count", "BAR", WON_AND_COUNT, dashboardId=board)
    pie = await save(http, rae, "Won pie", "PIE", WON_BY_REP, dashboardId=board)

    assert (await update(http, rae, widget, name=" ", chartKind=None))["errors"] == [
        {"field": "input.name", "code": "REQUIRED", "message": "Give a name."},
        {"field": "input.chartKind", "code": "REQUIRED", "message": "Give a chart kind."},
    ]
    assert (await update(http, rae, widget, name=None, definition=None))["errors"] == [
        {"field": "input.name", "code": "REQUIRED", "message": "Give a name."},
        {"field": "input.definition", "code": "REQUIRED", "message": "Give a definition."},
    ]
    pie_message = "A pie shows one metric without time buckets."
    # A chart kind alone is checked against the definition the widget keeps ...
    assert (await update(http, rae, widget, chartKind="PIE"))["errors"] == [
        {"field": "input.chartKind", "code": "INVALID", "message": pie_message}
    ]
    # ... and a definition alone against the chart kind it keeps.
    assert (await update(http, rae, pie, definition={**WON_BY_REP, "bucket": "MONTH"}))["errors"] == [
        {"field": "input.definition", "code": "INVALID", "message": pie_message}
    ]
    funnel = {**WON_BY_REP, "kind": "FUNNEL", "groupBy": "STAGE"}
    assert (await update(http, rae, widget, name="Funnel", definition=funnel))["errors"] == [
        {
            "field": "input.definition.metrics.0",
            "code": "INVALID",
            "message": "WON_AMOUNT is not a metric of FUNNEL reports; use one of REACHED, CONVERSION_RATE, "
            "STAGE_DAYS.",
        }
    ]
    assert (await update(http, rae, widget, sharedWithRoles=["sales"]))["errors"] == [
        {
            "field": "input.sharedWithRoles",
            "code": "INVALID",
            "message": "A dashboard's widgets are shared with the dashboard.",
        }
    ]
    assert (await update(http, rae, widget, version=widget["version"] + 5, name="Late"))["errors"] == [
        {
            "field": "version",
            "code": "CONFLICT",
            "message": "This report widget was changed by someone else since you read it; reload and retry.",
        }
    ]
    unknown = base64.b64encode(f"ReportWidget:{uuid.uuid4()}".encode()).decode()
    assert (await update(http, rae, {**widget, "id": unknown}, name="Ghost"))["errors"] == [
        {"field": "id", "code": "NOT_FOUND", "message": "No report widget with this id."}
    ]
    assert (await update(http, rae, {**widget, "id": board}, name="Board"))["errors"] == [
        {"field": "id", "code": "NOT_FOUND", "message": "Expected the id of a ReportWidget."}
    ]
    # Nothing of any of it was written.
    assert await read(http, rae, widget) == widget
    assert await read(http, rae, pie) == pie


async def test_a_definition_the_editors_role_may_not_compute_is_refused(http, seeded):
    role = await create_role(
        http,
        seeded.admin,
        "dialler",
        grants=[{"objectType": "activity", "actions": ["READ"], "scope": "OWN", "fields": []}],
    )
    dialler = await http.add_member(seeded.admin, "viewer", "dialler")
    await assign(http, seeded.admin, dialler, role)
    board = await dashboard(http, dialler, "Calls only")
    widget = await save(http, dialler, "Calls", "TABLE", CALLS, dashboardId=board)
    assert await refused(http, dialler, widget, name="Deals", definition=WON_BY_REP) == [
        ("PERMISSION_DENIED", "input.definition.kind")
    ]
    assert await read(http, dialler, widget) == widget


async def test_only_the_owner_or_an_admin_edits_a_widget(http, seeded):
    admin, rae, sam = seeded.admin, seeded.members["rae"], seeded.members["sam"]
    # A dashboard shared with sales: its readers change none of its widgets.
    floor = await dashboard(http, admin, "Sales floor", ["sales"])
    widget = await save(http, admin, "Calls", "TABLE", CALLS, dashboardId=floor)
    assert await read(http, rae, widget) == widget
    assert await refused(http, rae, widget, name="Mine now") == [("PERMISSION_DENIED", None)]
    assert await read(http, admin, widget) == widget
    assert (await update(http, admin, widget, name="Floor calls"))["errors"] == []

    # Rae's own saved report: hers to edit while unshared, sharing it is a tenant admin's, and another
    # rep does not even see it.
    own = await save(http, rae, "My calls", "TABLE", CALLS)
    renamed = await update(http, rae, own, name="My calls this week")
    assert renamed["errors"] == [] and renamed["widget"]["name"] == "My calls this week"
    assert await refused(http, rae, renamed["widget"], sharedWithRoles=["sales"]) == [
        ("PERMISSION_DENIED", None)
    ]
    assert (await update(http, sam, renamed["widget"], name="Taken"))["errors"] == [
        {"field": "id", "code": "NOT_FOUND", "message": "No report widget with this id."}
    ]
    assert await read(http, rae, own) == renamed["widget"]

    # The admin's saved report, shared with sales: sam reads it and changes nothing; the admin unshares it.
    shared = await save(http, admin, "Team calls", "TABLE", CALLS, sharedWithRoles=["sales"])
    assert shared["sharedWithRoles"] == ["sales"]
    assert await refused(http, sam, shared, chartKind="BAR") == [("PERMISSION_DENIED", None)]
    assert (await update(http, admin, shared, sharedWithRoles=None))["errors"] == [
        {
            "field": "input.sharedWithRoles",
            "code": "REQUIRED",
            "message": "Give the role keys to share with ([] to unshare).",
        }
    ]
    unshared = await update(http, admin, shared, sharedWithRoles=[])
    assert unshared["errors"] == [] and unshared["widget"]["sharedWithRoles"] == []
    assert await read(http, sam, shared) is None


async def test_another_tenant_cannot_edit_a_widget(http, seeded):
    board = await dashboard(http, seeded.admin, "Ours")
    widget = await save(http, seeded.admin, "Calls", "TABLE", CALLS, dashboardId=board)
    alone = await save(http, seeded.admin, "Alone", "TABLE", CALLS)
    stranger = await http.sign_up("Widget Thieves")
    for target in (widget, alone):
        assert (await update(http, stranger, target, name="Taken", chartKind="BAR"))["errors"] == [
            {"field": "id", "code": "NOT_FOUND", "message": "No report widget with this id."}
        ]
        assert await read(http, seeded.admin, target) == target
