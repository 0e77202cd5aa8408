"""Live imports: `dataImportChanged(importId)`, one item per committed batch of an import or its undo.

The runner publishes `import.progress` with the import's id after each batch (graph/dataio/runner.py);
each event is re-read under the subscriber's tenant and rules (an import is seen by the member who
started it and by members holding manage_settings)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.ids import decode_id, encode_id
from graph.dataio.imports import import_scope
from graph.dataio.models import DataImport as DataImportRow
from graph.dataio.types import DataImport
from graph.live.context import Info, LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream, not_found
from tenants.errors import DomainError

PROGRESS = "import.progress"
ImportId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the DataImport to watch.")]


@strawberry.type(
    description="Progress of one import: `subscribed` first, then `import.progress` after each committed "
    "batch (and of its undo); `dropped` when events were lost: refetch `dataImport`."
)
class DataImportChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    import_id: relay.GlobalID | None = strawberry.field(description="The import; null for `dropped`.")
    data_import: DataImport | None = strawberry.field(description="The import as it stands now.")
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


async def visible_import(context: LiveContext, import_id: uuid.UUID) -> DataImport | None:
    session = await context.session()
    row = await session.scalar(
        select(DataImportRow).where(import_scope(context.actor), DataImportRow.id == import_id)
    )
    return DataImport.from_model(row) if row else None


@strawberry.type
class DataImportSubscription:
    @strawberry.subscription(
        description="Progress of an import you may see (NOT_FOUND otherwise). First item: `subscribed`."
    )
    async def data_import_changed(
        self, info: Info, import_id: ImportId
    ) -> AsyncGenerator[DataImportChange, None]:
        try:
            watched = decode_id(import_id, "DataImport")
        except DomainError:
            watched = uuid.UUID(int=0)  # matches nothing: NOT_FOUND at subscribe time

        def item(type_: str, found: DataImport | None) -> DataImportChange:
            return DataImportChange(
                type=type_, import_id=encode_id("DataImport", watched), data_import=found, dropped=False
            )

        async def subscribed(context: LiveContext) -> DataImportChange:
            found = await visible_import(context, watched)
            if found is None:
                raise not_found("import")
            return item(SUBSCRIBED, found)

        def accepts(event: Event) -> bool:
            return event.type == PROGRESS and event.id("import") == watched

        async def deliver(context: LiveContext, event: Event) -> Delivery[DataImportChange]:
            found = await visible_import(context, watched)
            return Delivery(item(event.type, found) if found else None)

        def dropped() -> DataImportChange:
            return DataImportChange(type=DROPPED_TYPE, import_id=None, data_import=None, dropped=True)

        async for change in live_stream(info, (), accepts, deliver, subscribed, dropped, per_user=True):
            yield change
