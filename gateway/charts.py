"""`GET /reports/widgets/{id}/chart.png|svg`: a saved report or dashboard widget drawn as an image, for
emails and PDFs.

Authenticated like GraphQL (`Authorization: Bearer <session token or API key>`, the same credential
check, tenant wall and security policy) and computed as the caller: their record scope and field rules
shape the figures, and a widget they may not see (another tenant's, another member's unshared one) is 404,
one over records their role does not read 403. The image is drawn in a worker thread (matplotlib is CPU
work) after the transaction has ended, so no pooled connection waits for it.
"""

from __future__ import annotations

import uuid

import anyio
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.graphql_http import RequestRefused
from graph.reports import charts, saved
from graph.reports.catalog import ChartKind
from tenants.errors import DomainError, ErrorCode

ROUTE = "/reports/widgets/{widget_id}/chart.{image_format}"


async def chart_image(request: Request) -> Response:
    image_format = request.path_params["image_format"]
    if image_format not in charts.FORMATS:
        return JSONResponse({"error": "Ask for chart.png or chart.svg."}, status_code=404)
    try:
        widget_id = uuid.UUID(request.path_params["widget_id"])
    except ValueError:
        return JSONResponse({"error": "No such widget."}, status_code=404)
    graphql = request.app.graphql
    try:
        context = await graphql.get_context(request, None)
    except RequestRefused as refused:
        return JSONResponse({"error": refused.message, "code": refused.code}, status_code=refused.status)
    except HTTPException as refused:
        headers = {"WWW-Authenticate": "Bearer"} if refused.status_code == 401 else None
        return JSONResponse({"error": refused.reason}, status_code=refused.status_code, headers=headers)
    actor = context.actor_or_none
    if actor is None:
        return JSONResponse(
            {"error": "Send Authorization: Bearer <token>."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        session = await context.session()
        widget = await saved.get_widget(session, actor, widget_id)
        [outcome] = await saved.compute_widgets(session, actor, [widget])
        await context.finish(commit=True)
    except DomainError as error:
        await context.finish(commit=False)
        status = (
            404
            if error.code is ErrorCode.NOT_FOUND
            else 403
            if error.code is ErrorCode.PERMISSION_DENIED
            else 400
        )
        return JSONResponse({"error": error.message, "code": error.code.value}, status_code=status)
    except BaseException:
        await context.finish(commit=False)
        raise
    if outcome.error is not None:
        return JSONResponse(
            {"error": outcome.error.message, "code": outcome.error.code.value}, status_code=403
        )
    assert outcome.result is not None
    image = await anyio.to_thread.run_sync(
        charts.render, widget.name, ChartKind(widget.chart_kind), outcome.result, image_format
    )
    return Response(
        image, media_type=charts.FORMATS[image_format], headers={"Cache-Control": "private, no-store"}
    )


def chart_routes() -> list[Route]:
    return [Route(ROUTE, chart_image, methods=["GET"])]
