"""What prints besides quotes and contracts: sales orders, their delivery notes, and service tickets as
work orders (工单), each from the tenant's template of its kind and in the reader's language.

A delivery note lists each order line's ordered, delivered and still open quantity and the deliveries
recorded so far, without prices (it travels with the goods); it is stored beside the order's own print
(`<number>-delivery-note.pdf`, linked to the order). A work order shows what the technician needs: the
customer, the request, its priority and due time, and signature blocks for the technician and customer.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.dataio.pdf import PrintedDocument
from graph.dataio.printing import (
    DELIVERY_NOTE,
    PRINTABLES,
    SALES_ORDER,
    WORK_ORDER,
    Printable,
    column_headings,
    labelled,
    priced_totals,
    record_context,
    words,
)
from graph.sales.commerce.models import SALES_ORDER as SALES_ORDER_TYPE
from graph.sales.commerce.models import SalesOrderDelivery
from graph.sales.commerce.orders import get_order, order_lines
from graph.service.models import TICKET
from graph.service.tickets import get_ticket
from tenants import i18n
from tenants.permissions import Actor


def quantity(value: Decimal, locale: str) -> str:
    return format_decimal(value.normalize(), locale=i18n.babel_locale(locale))


async def order_document(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, locale: str
) -> tuple[Any, PrintedDocument]:
    order = await get_order(session, actor, order_id)
    layout, issuer, customer = await record_context(session, actor, SALES_ORDER, order.account_id, locale)

    def money(amount: Decimal) -> str:
        return i18n.format_money(amount, order.currency, locale)

    lines = [
        (
            line.description,
            quantity(line.quantity, locale),
            line.unit or "",
            money(line.unit_price),
            money(line.total_amount),
        )
        for line in await order_lines(session, order.id)
    ]
    printed = PrintedDocument(
        title=layout["title"],
        number=order.number,
        issuer=issuer,
        header=layout["header"],
        footer=layout["footer"],
        facts=labelled(
            [
                ("Customer", customer),
                ("Date", i18n.format_day(order.order_date, locale)),
                ("Status", i18n.term(order.status.upper(), locale)),
            ],
            locale,
        ),
        lines=lines,
        totals=priced_totals(order, money, locale),
        amount_in_words=words(order.total, order.currency, layout["chinese_amounts"], locale),
        signatures=layout["signatures"],
        terms=order.notes,
        headings=column_headings(locale),
        date_label=i18n.term("Date", locale),
    )
    return order, printed


async def delivery_note_document(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, locale: str
) -> tuple[Any, PrintedDocument]:
    order = await get_order(session, actor, order_id)
    layout, issuer, customer = await record_context(session, actor, DELIVERY_NOTE, order.account_id, locale)
    lines = [
        (
            line.description,
            quantity(line.quantity, locale),
            line.unit or "",
            quantity(line.delivered_quantity, locale),
            quantity(max(line.quantity - line.delivered_quantity, Decimal(0)), locale),
        )
        for line in await order_lines(session, order.id)
    ]
    delivered_on = sorted(
        set(
            await session.scalars(
                select(SalesOrderDelivery.delivered_on).where(SalesOrderDelivery.order_id == order.id)
            )
        )
    )
    printed = PrintedDocument(
        title=layout["title"],
        number=order.number,
        issuer=issuer,
        header=layout["header"],
        footer=layout["footer"],
        facts=labelled(
            [
                ("Customer", customer),
                ("Order date", i18n.format_day(order.order_date, locale)),
                ("Delivered on", ", ".join(i18n.format_day(day, locale) for day in delivered_on) or "—"),
            ],
            locale,
        ),
        lines=lines,
        totals=[],
        signatures=layout["signatures"],
        headings=(
            "#",
            *(i18n.term(word, locale) for word in ("Description", "Ordered", "Unit", "Delivered", "Open")),
        ),
        date_label=i18n.term("Date", locale),
    )
    return order, printed


async def work_order_document(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, locale: str
) -> tuple[Any, PrintedDocument]:
    ticket = await get_ticket(session, actor, ticket_id)
    layout, issuer, customer = await record_context(session, actor, WORK_ORDER, ticket.account_id, locale)
    due = ticket.resolution_due_at
    printed = PrintedDocument(
        title=layout["title"],
        number=ticket.number,
        issuer=issuer,
        header=layout["header"],
        footer=layout["footer"],
        facts=labelled(
            [
                ("Customer", customer or "—"),
                ("Subject", ticket.subject),
                ("Priority", i18n.term(ticket.priority.upper(), locale)),
                ("Status", i18n.term(ticket.status.upper(), locale)),
                ("Opened", i18n.format_day(ticket.created_at.date(), locale)),
                ("Due", i18n.format_day(due.date(), locale) if due else "—"),
            ],
            locale,
        ),
        lines=[],
        totals=[],
        signatures=layout["signatures"],
        terms=ticket.description,
        headings=(),
        date_label=i18n.term("Date", locale),
    )
    return ticket, printed


PRINTABLES[SALES_ORDER] = Printable(order_document, SALES_ORDER_TYPE)
PRINTABLES[DELIVERY_NOTE] = Printable(delivery_note_document, SALES_ORDER_TYPE, "-delivery-note")
PRINTABLES[WORK_ORDER] = Printable(work_order_document, TICKET)
