"""A saved report or dashboard widget as a file, for emails, PDFs and spreadsheets:
`GET /reports/widgets/{id}/chart.png|svg` (an image) and `GET /reports/widgets/{id}/data.csv|xlsx` (its
series as a table, written by the data area's export writer: CSV with a BOM, formula-safe cells).

Authenticated like GraphQL (`Authorization: Bearer <session token or API key>`, the same credential
check, tenant wall and security policy) and computed as the caller: their record scope and field rules
shape the figures, and a widget they may not see (another tenant's, another member's unshared one) is 404,
one over records their role does not read 403. A table needs the `export` capability, like every export,
and is audited (`report_widget.export`). Files are made in a worker thread after the transaction has
ended, so no pooled connection waits for them.
"""

from __future__ import annotations

import uuid

import anyio
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.graphql_http import RequestRefused
from graph.reports import charts, files, saved
from graph.reports.catalog import ChartKind
from graph.reports.models import ReportWidget
from graph.reports.results import ReportResult
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Capability

STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.PERMISSION_DENIED: 403}
NO_STORE = {"Cache-Control": "private, no-store"}


def refused(message: str, status: int, code: str | None = None) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=headers)


async def computed(request: Request, exporting: bool) -> tuple[ReportWidget, ReportResult] | Response:
    """The widget named in the path computed as the request's credential, or the refusal to send."""
    try:
        widget_id = uuid.UUID(request.path_params["widget_id"])
    except ValueError:
        return refused("No such widget.", 404, ErrorCode.NOT_FOUND.value)
    try:
        context = await request.app.graphql.get_context(request, None)
    except RequestRefused as error:
        return refused(error.message, error.status, error.code)
    except HTTPException as error:
        return refused(error.reason, error.status_code)
    actor = context.actor_or_none
    if actor is None:
        return refused("Send Authorization: Bearer <token>.", 401)
    try:
        session = await context.session()
        widget = await saved.get_widget(session, actor, widget_id)
        if exporting:
            actor.require_capability(Capability.EXPORT)
        [outcome] = await saved.compute_widgets(session, actor, [widget])
        if outcome.error is not None:
            raise outcome.error
        if exporting:
            await audit.record(session, actor, "report_widget.export", "report_widget", widget.id, {})
        await context.finish(commit=True)
    except DomainError as error:
        await context.finish(commit=False)
        return refused(error.message, STATUS.get(error.code, 400), error.code.value)
    except BaseException:
        await context.finish(commit=False)
        raise
    assert outcome.result is not None
    return widget, outcome.result


async def chart_image(request: Request) -> Response:
    image_format = request.path_params["image_format"]
    if image_format not in charts.FORMATS:
        return refused("Ask for chart.png or chart.svg.", 404)
    answer = await computed(request, exporting=False)
    if isinstance(answer, Response):
        return answer
    widget, result = answer
    image = await anyio.to_thread.run_sync(
        charts.render, widget.name, ChartKind(widget.chart_kind), result, image_format
    )
    return Response(image, media_type=charts.FORMATS[image_format], headers=NO_STORE)


async def data_table(request: Request) -> Response:
    file_format = request.path_params["file_format"]
    if file_format not in files.FORMATS:
        return refused("Ask for data.csv or data.xlsx.", 404)
    answer = await computed(request, exporting=True)
    if isinstance(answer, Response):
        return answer
    widget, result = answer
    content = await anyio.to_thread.run_sync(files.table_bytes, result, file_format)
    disposition = f'attachment; filename="report-{widget.id}.{file_format}"'
    return Response(
        content,
        media_type=files.FORMATS[file_format],
        headers={**NO_STORE, "Content-Disposition": disposition},
    )


def chart_routes() -> list[Route]:
    return [
        Route("/reports/widgets/{widget_id}/chart.{image_format}", chart_image, methods=["GET"]),
        Route("/reports/widgets/{widget_id}/data.{file_format}", data_table, methods=["GET"]),
    ]
