"""Tenant administration queries and mutations: custom fields, roles, teams, members."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.tools import merge_types

from graph.admin.access import AccessMutation, AccessQuery
from graph.admin.inputs import CreateFieldDefinitionInput, UpdateFieldDefinitionInput, definition_values
from graph.admin.types import FieldDefinition, FieldDefinitionPayload, PurgeFieldDefinitionPayload
from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, connection_of
from tenants.fields import definitions

DefinitionId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a FieldDefinition.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


@strawberry.type
class FieldsQuery:
    @strawberry.field(
        description="Custom fields of an object type, in form order (for forms: needs read on the type;"
        " fields your role hides are left out). `archived: true` lists archived ones (manage_fields)."
    )
    async def field_definitions(
        self,
        info: Info,
        object_type: Annotated[str, strawberry.argument(description="account, contact, activity, ...")],
        archived: Annotated[bool, strawberry.argument(description="Archived fields instead.")] = False,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[FieldDefinition]:
        session, actor = await info.context.session(), info.context.actor
        rows = await definitions.list_definitions(session, actor, object_type, archived=archived)
        found = [FieldDefinition.from_model(row) for row in rows]
        return connection_of(found, lambda definition: definition.id, first, after, last, before)


@strawberry.type
class FieldsMutation:
    @strawberry.mutation(description="Define a custom field (needs manage_fields).")
    @mutation_payload(FieldDefinitionPayload)
    async def create_field_definition(
        self,
        info: Info,
        input: Annotated[CreateFieldDefinitionInput, strawberry.argument(description="The field.")],
    ) -> FieldDefinitionPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await definitions.create_definition(session, actor, input.object_type, definition_values(input))
        return FieldDefinitionPayload(field_definition=FieldDefinition.from_model(row))

    @strawberry.mutation(
        description="Relabel, reorder, change rules or flags, or change the type to a compatible one"
        " (existing values are checked first; any misfit blocks the change and is counted)."
    )
    @mutation_payload(FieldDefinitionPayload)
    async def update_field_definition(
        self,
        info: Info,
        id: DefinitionId,
        version: Version,
        input: Annotated[UpdateFieldDefinitionInput, strawberry.argument(description="What to change.")],
    ) -> FieldDefinitionPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await definitions.update_definition(
            session, actor, decode_id(id, "FieldDefinition"), version, definition_values(input)
        )
        return FieldDefinitionPayload(field_definition=FieldDefinition.from_model(row))

    @strawberry.mutation(description="Delete a field: it is archived; its values stay, restorable.")
    @mutation_payload(FieldDefinitionPayload)
    async def archive_field_definition(self, info: Info, id: DefinitionId) -> FieldDefinitionPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await definitions.archive_definition(session, actor, decode_id(id, "FieldDefinition"))
        return FieldDefinitionPayload(field_definition=FieldDefinition.from_model(row))

    @strawberry.mutation(description="Bring an archived field back, with the values records kept.")
    @mutation_payload(FieldDefinitionPayload)
    async def restore_field_definition(self, info: Info, id: DefinitionId) -> FieldDefinitionPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await definitions.restore_definition(session, actor, decode_id(id, "FieldDefinition"))
        return FieldDefinitionPayload(field_definition=FieldDefinition.from_model(row))

    @strawberry.mutation(description="Remove an archived field and its values from every record, for good.")
    @mutation_payload(PurgeFieldDefinitionPayload)
    async def purge_field_definition(self, info: Info, id: DefinitionId) -> PurgeFieldDefinitionPayload:
        session, actor = await info.context.session(), info.context.actor
        cleared = await definitions.purge_definition(session, actor, decode_id(id, "FieldDefinition"))
        return PurgeFieldDefinitionPayload(records_cleared=cleared)


AdminQuery = merge_types("AdminQuery", (FieldsQuery, AccessQuery))
AdminMutation = merge_types("AdminMutation", (FieldsMutation, AccessMutation))
