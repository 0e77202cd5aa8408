"""Export queries and mutations: ask for an export of a list, its settings, a download link.

The file is written by the `exports.run` job (`crm jobs run --job exports.run`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.crm.filters import AccountFilter, AccountOrder, ContactFilter, ContactOrder
from graph.dataio import exports
from graph.dataio.types import DataExport, ExportFormat
from graph.sales.leads.inputs import LeadFilter, LeadOrder
from tenants.errors import DomainError, ErrorCode


@strawberry.input(description="What to export, why, as which file; the list's own filter and sort.")
class RequestExportInput:
    object_type: str = strawberry.field(description="account, contact or lead.")
    purpose: str = strawberry.field(description="Why (1-500 characters); kept in the audit log.")
    format: ExportFormat = strawberry.field(default=ExportFormat.CSV, description="CSV (default) or XLSX.")
    account_filter: AccountFilter | None = strawberry.field(default=None, description="As accounts(filter).")
    account_order_by: list[AccountOrder] | None = strawberry.field(
        default=None, description="As `accounts(orderBy:)`."
    )
    contact_filter: ContactFilter | None = strawberry.field(default=None, description="As contacts(filter).")
    contact_order_by: list[ContactOrder] | None = strawberry.field(
        default=None, description="As `contacts(orderBy:)`."
    )
    lead_filter: LeadFilter | None = strawberry.field(default=None, description="As leads(filter).")
    lead_order_by: list[LeadOrder] | None = strawberry.field(default=None, description="As leads(orderBy).")


@strawberry.type(description="Result of asking for an export.")
class DataExportPayload:
    data_export: DataExport | None = strawberry.field(default=None, description="The export.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="The tenant's export rule.")
class ExportSettingsType:
    approval_threshold: int = strawberry.field(
        description="Exports of more rows than this wait for the data_export approval chain."
    )


@strawberry.type(description="Result of changing the export rule.")
class ExportSettingsPayload:
    settings: ExportSettingsType | None = strawberry.field(default=None, description="The rule now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="A short-lived link to an export's file.")
class ExportLink:
    url: str = strawberry.field(description="GET it before expiresAt; relative URLs are on this server.")
    expires_at: datetime = strawberry.field(description="When the link stops working (UTC).")


def list_arguments(input: RequestExportInput) -> tuple[object, object]:
    given = {
        "account": (input.account_filter, input.account_order_by),
        "contact": (input.contact_filter, input.contact_order_by),
        "lead": (input.lead_filter, input.lead_order_by),
    }
    for object_type, (filter_value, order_value) in given.items():
        if object_type != input.object_type and (filter_value is not None or order_value is not None):
            raise DomainError(
                ErrorCode.INVALID,
                f"Give only the {input.object_type} list's filter and sort.",
                "objectType",
            )
    return given.get(input.object_type, (None, None))


@strawberry.type
class DataExportQuery:
    @strawberry.field(description="Exports you asked for (all of them with manage_settings), newest first.")
    async def data_exports(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[DataExport]:
        session = await info.context.session()
        statement = exports.visible_exports(info.context.actor)
        return await paginate(session, statement, DataExport.from_model, first, after, before, last)

    @strawberry.field(description="The tenant's export rule (for members with the export capability).")
    async def export_settings(self, info: Info) -> ExportSettingsType:
        actor = info.context.actor
        actor.require_capability(exports.Capability.EXPORT)
        threshold = await exports.approval_threshold(await info.context.session(), actor.tenant_id)
        return ExportSettingsType(approval_threshold=threshold)

    @strawberry.field(
        description="A link to your finished export's file, valid CRM_DOWNLOAD_URL_SECONDS; each is audited."
    )
    async def export_download_url(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A DataExport.")]
    ) -> ExportLink:
        services = info.context.services
        url, expires_at = await exports.download_url(
            await info.context.session(),
            info.context.actor,
            services.blobs,
            decode_id(id, "DataExport"),
            timedelta(seconds=services.settings.download_url_seconds),
        )
        return ExportLink(url=url, expires_at=expires_at)


@strawberry.type
class DataExportMutation:
    @strawberry.mutation(
        description="Ask for an export of a list (capability export); above the tenant's threshold it waits "
        "for approval. Filter and sort work as on the list; hidden fields are never exported."
    )
    @mutation_payload(DataExportPayload)
    async def request_export(
        self, info: Info, input: Annotated[RequestExportInput, strawberry.argument(description="The export.")]
    ) -> DataExportPayload:
        session, actor = await info.context.session(), info.context.actor
        given_filter, order_by = list_arguments(input)
        export = await exports.request_export(
            session,
            actor,
            object_type=input.object_type,
            file_format=input.format.value,
            purpose=input.purpose,
            given_filter=given_filter,
            order_by=order_by,  # type: ignore[arg-type]
        )
        return DataExportPayload(data_export=DataExport.from_model(export))

    @strawberry.mutation(description="Set how many rows an export may have unapproved (manage_settings).")
    @mutation_payload(ExportSettingsPayload)
    async def set_export_settings(
        self,
        info: Info,
        approval_threshold: Annotated[int, strawberry.argument(description="0 to 100,000,000 rows.")],
    ) -> ExportSettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        threshold = await exports.set_approval_threshold(session, actor, approval_threshold)
        return ExportSettingsPayload(settings=ExportSettingsType(approval_threshold=threshold))
