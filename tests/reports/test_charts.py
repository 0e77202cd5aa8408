"""Files of a saved widget: the chart image (PNG, SVG) and the table (CSV, XLSX through the export writer),
computed as the caller, authenticated and tenant-isolated."""

from __future__ import annotations

import csv
import io
import struct

from tests.crm.documents import create_account
from tests.reports.conftest import period
from tests.reports.test_dashboards import SAVE
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named

CHART = "/reports/widgets/{id}/chart.{format}"


async def saved_report(http, member, chart_kind="BAR"):
    start, end = period()
    definition = {
        "kind": "SALES_PERFORMANCE",
        "metrics": ["WON_AMOUNT"],
        "groupBy": "OWNER",
        "from": start,
        "to": end,
    }
    payload = (
        await http.execute(
            SAVE, {"input": {"name": "Won", "chartKind": chart_kind, "definition": definition}}, member.token
        )
    )["saveReport"]
    assert payload["errors"] == [], payload
    return payload["widget"]["id"]


def raw(global_id: str) -> str:
    from tests.support import relay_uuid

    return relay_uuid(global_id)


async def get(http, widget_id, image_format, token=None):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await http.http.get(CHART.format(id=raw(widget_id), format=image_format), headers=headers)


async def test_a_saved_report_as_png_and_svg(http, seeded):
    rae = seeded.members["rae"]
    widget_id = await saved_report(http, rae)
    png = await get(http, widget_id, "png", rae.token)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.content[16:24])
    assert (width, height) == (800, 450)
    svg = await get(http, widget_id, "svg", rae.token)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and b"Won (USD)" in svg.content and b"Rae" in svg.content
    # Rae's own bar only: Sam's name is not drawn.
    assert b"Sam" not in svg.content
    pie = await get(http, await saved_report(http, rae, "PIE"), "png", rae.token)
    assert pie.status_code == 200


async def test_the_chart_route_is_authenticated_and_tenant_isolated(http, seeded):
    rae = seeded.members["rae"]
    widget_id = await saved_report(http, rae)
    anonymous = await get(http, widget_id, "png")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert (await get(http, widget_id, "png", "crms_not-a-token")).status_code == 401
    # Another member's unshared report, and another tenant, find nothing.
    assert (await get(http, widget_id, "png", seeded.members["sam"].token)).status_code == 404
    stranger = await http.sign_up("Far away")
    assert (await get(http, widget_id, "svg", stranger.token)).status_code == 404
    assert (await get(http, widget_id, "gif", rae.token)).status_code == 404
    broken = await http.http.get(
        CHART.format(id="not-a-uuid", format="png"), headers={"authorization": f"Bearer {rae.token}"}
    )
    assert broken.status_code == 404


async def test_a_widget_as_a_spreadsheet_through_the_export_writer(http, seeded):
    admin = await http.sign_up("Tables")
    pipeline = await default_pipeline(http, admin)
    account = await create_account(http, admin, name="Sly", industry="=SUM(A1)")
    await moved(
        http,
        admin,
        await create_opportunity(http, admin, account["id"], amount="250"),
        stage_named(pipeline, "Won")["id"],
    )
    start, end = period()
    definition = {
        "kind": "CUSTOMERS",
        "metrics": ["NEW_CUSTOMERS"],
        "groupBy": "INDUSTRY",
        "from": start,
        "to": end,
    }
    payload = (
        await http.execute(
            SAVE, {"input": {"name": "New", "chartKind": "TABLE", "definition": definition}}, admin.token
        )
    )["saveReport"]
    widget_id = raw(payload["widget"]["id"])
    response = await http.http.get(
        f"/reports/widgets/{widget_id}/data.csv", headers={"authorization": f"Bearer {admin.token}"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["metric", "group", start, "total"],
        ["NEW_CUSTOMERS", "'=SUM(A1)", "1", "1"],  # a formula-looking label is written as text
        ["NEW_CUSTOMERS", "all", "", "1"],
    ]
    xlsx = await http.http.get(
        f"/reports/widgets/{widget_id}/data.xlsx", headers={"authorization": f"Bearer {admin.token}"}
    )
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # Exports need the export capability: a sales rep's own saved report is not theirs to download.
    rae = seeded.members["rae"]
    own = raw(await saved_report(http, rae))
    denied = await http.http.get(
        f"/reports/widgets/{own}/data.csv", headers={"authorization": f"Bearer {rae.token}"}
    )
    assert (denied.status_code, denied.json()["code"]) == (403, "PERMISSION_DENIED")
