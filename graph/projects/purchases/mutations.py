"""Material and purchase mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects.inputs import Comment, Input, Version, given_values
from graph.projects.purchases import materials
from graph.projects.purchases.inputs import AddMaterialLineInput, MaterialLinePayload, ReceiveMaterialInput
from graph.projects.purchases.types import MaterialLine

LineId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a MaterialLine.")]


@strawberry.type
class PurchaseMutation:
    @strawberry.mutation(description="Add a material line to an open project (PLANNED).")
    @mutation_payload(MaterialLinePayload)
    async def add_material_line(self, info: Info, input: Input[AddMaterialLineInput]) -> MaterialLinePayload:
        session, actor = await info.context.session(), info.context.actor
        line = await materials.add_material_line(session, actor, given_values(input))
        return MaterialLinePayload(material_line=MaterialLine.from_model(line))

    @strawberry.mutation(
        description="Ask to buy a planned (or rejected) line: within the budget (else OVER_BUDGET), it opens "
        "an approval request on the tenant's `material_purchase` chain."
    )
    @mutation_payload(MaterialLinePayload)
    async def request_purchase(
        self, info: Info, id: LineId, version: Version, comment: Comment = None
    ) -> MaterialLinePayload:
        session, actor = await info.context.session(), info.context.actor
        line = await materials.request_purchase(
            session, actor, decode_id(id, "MaterialLine"), version, comment
        )
        return MaterialLinePayload(material_line=MaterialLine.from_model(line))

    @strawberry.mutation(description="Record an approved line as received; its cost joins the project's.")
    @mutation_payload(MaterialLinePayload)
    async def receive_material(
        self, info: Info, id: LineId, version: Version, input: Input[ReceiveMaterialInput]
    ) -> MaterialLinePayload:
        session, actor = await info.context.session(), info.context.actor
        line = await materials.receive_material(
            session, actor, decode_id(id, "MaterialLine"), version, given_values(input)
        )
        return MaterialLinePayload(material_line=MaterialLine.from_model(line))

    @strawberry.mutation(description="Cancel a planned or rejected line (kept, never counted).")
    @mutation_payload(MaterialLinePayload)
    async def cancel_material_line(self, info: Info, id: LineId, version: Version) -> MaterialLinePayload:
        session, actor = await info.context.session(), info.context.actor
        line = await materials.cancel_material_line(session, actor, decode_id(id, "MaterialLine"), version)
        return MaterialLinePayload(material_line=MaterialLine.from_model(line))
