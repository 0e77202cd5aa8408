"""Import queries and mutations: saved mappings, starting an import or a dry run, progress, undo.

The rows are written by the `imports.run` job (`crm jobs run --job imports.run`, from cron), batch by
batch; `dataImport(id)` (or `node`) shows its progress.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, connection_of, paginate
from graph.dataio import imports
from graph.dataio.types import DataImport, DuplicateMode, ImportMapping


@strawberry.input(description="One file column and the field it fills.")
class ColumnMappingInput:
    column: str = strawberry.field(description="The column's header as in the file (1-200 characters).")
    field: str = strawberry.field(
        description="A built-in field (accounts: name, domain, industry, tags, street, city, region, "
        "postalCode, country, notes, owner; contacts: firstName, lastName, emails, phones, birthday, tags, "
        "notes, owner) or custom.<key>. Lists take values separated by ';'; owner takes a member's email; "
        "dates YYYY-MM-DD."
    )


@strawberry.input(description="A named mapping to keep for later imports.")
class SaveImportMappingInput:
    object_type: str = strawberry.field(description="account or contact.")
    name: str = strawberry.field(description="1-100 characters; saving the same name again replaces it.")
    columns: list[ColumnMappingInput] = strawberry.field(description="1 to 200 columns.")


@strawberry.input(description="What to import and how.")
class StartImportInput:
    document_id: relay.GlobalID = strawberry.field(
        description="An uploaded CSV or XLSX Document you may read."
    )
    object_type: str = strawberry.field(description="What each row becomes: account or contact.")
    columns: list[ColumnMappingInput] | None = strawberry.field(
        default=None, description="The mapping; or give mappingName."
    )
    mapping_name: str | None = strawberry.field(default=None, description="A saved mapping's name.")
    duplicates: DuplicateMode = strawberry.field(
        default=DuplicateMode.SKIP,
        description="Rows matching a visible record (accounts: company name; contacts: email or phone): "
        "SKIP them, UPDATE the record (needs update rights), or CREATE anyway.",
    )
    dry_run: bool = strawberry.field(
        default=True, description="True (default): check every row and report errors, write nothing."
    )
    encoding: str | None = strawberry.field(
        default=None,
        description="CSV text encoding: utf-8, gbk, gb18030 or utf-16; left out: detected (UTF-8 unless the "
        "bytes are not, then GB18030).",
    )


@strawberry.type(description="Result of saving a mapping.")
class ImportMappingPayload:
    mapping: ImportMapping | None = strawberry.field(default=None, description="The saved mapping.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of starting or undoing an import.")
class DataImportPayload:
    data_import: DataImport | None = strawberry.field(default=None, description="The import.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.input(description="Conditions on saved mappings.")
class ImportMappingFilter:
    object_type: str | None = strawberry.field(default=None, description="Only this object type's.")


def columns_of(columns: list[ColumnMappingInput] | None) -> list[dict[str, str]] | None:
    return None if columns is None else [{"column": c.column, "field": c.field} for c in columns]


@strawberry.type
class DataIoQuery:
    @strawberry.field(description="The imports you started (all of them with manage_settings), newest first.")
    async def data_imports(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[DataImport]:
        session = await info.context.session()
        statement = imports.visible_imports(info.context.actor)
        return await paginate(session, statement, DataImport.from_model, first, after, before, last)

    @strawberry.field(description="One import with its progress; null when it is not yours to see.")
    async def data_import(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A DataImport.")]
    ) -> DataImport | None:
        session = await info.context.session()
        found = await imports.get_import(session, info.context.actor, decode_id(id, "DataImport"))
        return DataImport.from_model(found)

    @strawberry.field(description="Saved column mappings of the object types you may import.")
    async def import_mappings(
        self,
        info: Info,
        filter: Annotated[
            ImportMappingFilter | None, strawberry.argument(description="Conditions; left out: all.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ImportMapping]:
        session = await info.context.session()
        rows = await imports.list_mappings(
            session, info.context.actor, filter.object_type if filter else None
        )
        found = [ImportMapping.from_model(row) for row in rows]
        return connection_of(found, lambda mapping: mapping.id, first, after, last, before)


@strawberry.type
class DataIoMutation:
    @strawberry.mutation(
        description="Save (or replace) a named column mapping for an object type you may create."
    )
    @mutation_payload(ImportMappingPayload)
    async def save_import_mapping(
        self,
        info: Info,
        input: Annotated[SaveImportMappingInput, strawberry.argument(description="The mapping.")],
    ) -> ImportMappingPayload:
        session, actor = await info.context.session(), info.context.actor
        saved = await imports.save_mapping(
            session, actor, input.object_type, input.name, columns_of(input.columns) or []
        )
        return ImportMappingPayload(mapping=ImportMapping.from_model(saved))

    @strawberry.mutation(
        description="Queue an import (or, by default, a dry run) of an uploaded file; `crm jobs run --job "
        "imports.run` does the rows in batches through the same rules as the API."
    )
    @mutation_payload(DataImportPayload)
    async def start_import(
        self, info: Info, input: Annotated[StartImportInput, strawberry.argument(description="The import.")]
    ) -> DataImportPayload:
        session, actor = await info.context.session(), info.context.actor
        started = await imports.start_import(
            session,
            actor,
            object_type=input.object_type,
            document_id=decode_id(input.document_id, "Document", "documentId"),
            columns=columns_of(input.columns),
            mapping_name=input.mapping_name,
            duplicate_mode=input.duplicates.value,
            dry_run=input.dry_run,
            encoding=input.encoding,
        )
        return DataImportPayload(data_import=DataImport.from_model(started))

    @strawberry.mutation(
        description="Undo a finished import: delete what it created and restore what it updated (records "
        "changed since are left alone and reported); runs as a job like the import."
    )
    @mutation_payload(DataImportPayload)
    async def undo_import(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A DataImport.")]
    ) -> DataImportPayload:
        session, actor = await info.context.session(), info.context.actor
        found = await imports.request_undo(session, actor, decode_id(id, "DataImport"))
        return DataImportPayload(data_import=DataImport.from_model(found))
