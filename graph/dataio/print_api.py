"""Printing: per-tenant templates and A4 PDFs of quotes, contracts, sales orders, delivery notes and work
orders (service tickets), stored as documents."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

import graph.dataio.print_records  # noqa: F401 - registers sales orders, delivery notes, work orders
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload
from graph.core.ids import decode_id
from graph.dataio import printing
from graph.documents.limits import default_limits
from graph.documents.types import Document


@strawberry.type(description="How one kind of record prints.")
class PrintTemplateType:
    kind: str = strawberry.field(description="quote, contract, sales_order, delivery_note or work_order.")
    title: str = strawberry.field(description="The heading before the number.")
    header: str | None = strawberry.field(description="A line at the top of every page.")
    footer: str | None = strawberry.field(
        description="A line at the bottom of every page, before the page number."
    )
    signatures: list[str] = strawberry.field(description="Signature blocks, e.g. Seller, Buyer.")
    chinese_amounts: bool = strawberry.field(
        description="Also write the total in Chinese capitals (always for CNY)."
    )


@strawberry.input(description="A print template.")
class SetPrintTemplateInput:
    kind: str = strawberry.field(description="quote, contract, sales_order, delivery_note or work_order.")
    title: str = strawberry.field(description="1-100 characters.")
    header: str | None = strawberry.field(default=None, description="At most 150 characters.")
    footer: str | None = strawberry.field(default=None, description="At most 120 characters.")
    signatures: list[str] = strawberry.field(
        default_factory=list, description="At most 4 labels of 60 characters."
    )
    chinese_amounts: bool = strawberry.field(default=False, description="Write the total in 大写 too.")


@strawberry.type(description="Result of changing a template.")
class PrintTemplatePayload:
    template: PrintTemplateType | None = strawberry.field(default=None, description="The template now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of printing.")
class PrintPayload:
    document: Document | None = strawberry.field(
        default=None, description="The PDF's document (a new version)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


def shaped(kind: str, values: dict) -> PrintTemplateType:  # type: ignore[type-arg]
    return PrintTemplateType(kind=kind, **values)


@strawberry.type
class PrintQuery:
    @strawberry.field(description="The tenant's template of a kind (defaults until one is set).")
    async def print_template(
        self,
        info: Info,
        kind: Annotated[
            str, strawberry.argument(description="quote, contract, sales_order, delivery_note or work_order.")
        ],
    ) -> PrintTemplateType:
        session = await info.context.session()
        return shaped(kind, await printing.template(session, info.context.actor.tenant_id, kind))


@strawberry.type
class PrintMutation:
    @strawberry.mutation(description="Set how a kind of record prints (manage_settings).")
    @mutation_payload(PrintTemplatePayload)
    async def set_print_template(
        self,
        info: Info,
        input: Annotated[SetPrintTemplateInput, strawberry.argument(description="The template.")],
    ) -> PrintTemplatePayload:
        values = {
            "title": input.title,
            "header": input.header,
            "footer": input.footer,
            "signatures": input.signatures,
            "chinese_amounts": input.chinese_amounts,
        }
        saved = await printing.set_template(
            await info.context.session(), info.context.actor, input.kind, values
        )
        return PrintTemplatePayload(template=shaped(input.kind, saved))

    @strawberry.mutation(
        description="Print a quote you may see to an A4 PDF, stored as a document linked to it."
    )
    @mutation_payload(PrintPayload)
    async def print_quote(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A Quote.")]
    ) -> PrintPayload:
        return await print_one(info, printing.QUOTE, decode_id(id, "Quote"))

    @strawberry.mutation(
        description="Print a contract you may see to an A4 PDF, stored as a document linked to it."
    )
    @mutation_payload(PrintPayload)
    async def print_contract(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A Contract.")]
    ) -> PrintPayload:
        return await print_one(info, printing.CONTRACT, decode_id(id, "Contract"))

    @strawberry.mutation(
        description="Print a sales order you may see to an A4 PDF (template `sales_order`), stored as a "
        "document linked to it."
    )
    @mutation_payload(PrintPayload)
    async def print_sales_order(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A SalesOrder.")]
    ) -> PrintPayload:
        return await print_one(info, printing.SALES_ORDER, decode_id(id, "SalesOrder"))

    @strawberry.mutation(
        description="Print the delivery note of a sales order you may see (template `delivery_note`): "
        "each line's ordered, delivered and open quantity and the delivery dates, no prices; stored as "
        "`<number>-delivery-note.pdf` linked to the order."
    )
    @mutation_payload(PrintPayload)
    async def print_delivery_note(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A SalesOrder.")]
    ) -> PrintPayload:
        return await print_one(info, printing.DELIVERY_NOTE, decode_id(id, "SalesOrder"))

    @strawberry.mutation(
        description="Print a service ticket you may see as a work order (template `work_order`): the "
        "customer, the request, priority, due date and signature blocks; stored linked to the ticket."
    )
    @mutation_payload(PrintPayload)
    async def print_work_order(
        self, info: Info, id: Annotated[relay.GlobalID, strawberry.argument(description="A Ticket.")]
    ) -> PrintPayload:
        return await print_one(info, printing.WORK_ORDER, decode_id(id, "Ticket"))


async def print_one(info: Info, object_type: str, record_id) -> PrintPayload:  # type: ignore[no-untyped-def]
    session, actor = await info.context.session(), info.context.actor
    services = info.context.services
    settings = services.settings
    defaults = default_limits(settings.document_max_file_bytes, settings.document_quota_bytes)
    document = await printing.print_record(
        session, actor, services.blobs, defaults, object_type, record_id, await info.context.locale()
    )
    return PrintPayload(document=Document.from_model(document))
