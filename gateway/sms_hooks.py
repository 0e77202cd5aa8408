"""The SMS provider's delivery reports of campaign SMS: `POST /hooks/sms/status/{token}`.

The provider (Twilio's StatusCallback) posts a form with `MessageStatus` (and `ErrorCode` on failure) to
the URL the SMS asked for (CRM_SMS_STATUS_URL, `{token}` replaced). No login: the token, unguessable and
one per SMS, names the tenant and the recipient (graph/marketing/sms.py), so the report is applied inside
that tenant's wall only. 200 for a report taken (or one that changes nothing), 404 for an unknown token,
400 for a form without a status.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph.marketing.sending import record_delivery_report
from graph.marketing.sms import report_tenant
from tenants.errors import DomainError

MAX_FORM_BYTES = 16_384


async def delivery_report(request: Request) -> Response:
    token = request.path_params["token"]
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return JSONResponse({"error": "The report is too large."}, status_code=413)
    form = await request.form(max_files=0, max_fields=100)
    state = form.get("MessageStatus")
    if not isinstance(state, str) or not state.strip():
        return JSONResponse({"error": "Send MessageStatus."}, status_code=400)
    error_code = form.get("ErrorCode")
    try:
        tenant_id = report_tenant(token)
        async with request.app.state.services.db.transaction(tenant_id) as session:
            recipient = await record_delivery_report(
                session, token, state, error_code if isinstance(error_code, str) else None, datetime.now(UTC)
            )
            status = recipient.status
    except DomainError as error:
        return JSONResponse({"error": error.message, "code": error.code.value}, status_code=404)
    return JSONResponse({"status": status})


def sms_hook_routes() -> list[Route]:
    return [Route("/hooks/sms/status/{token}", delivery_report, methods=["POST"])]
