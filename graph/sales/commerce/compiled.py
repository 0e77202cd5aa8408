"""How sales orders read from SQL on the compiled path (graph/compiled; see graph/crm/compiled.py).

Each entry mirrors a resolver of `SalesOrder` (graph/sales/commerce/order_types.py): amounts rounded to
the currency's minor digits as `amount()` shows them (`shown_sql`), the customer through the same
tenant-wide account reference as `account_of`, the owner as a member. Lines, deliveries, payments,
the quote and custom fields are left to the executor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, true

from graph.compiled.errors import CannotCompile
from graph.compiled.registry import (
    CompiledType,
    ConnectionRoot,
    NodeRoot,
    column,
    node_id,
    reference,
    register_root,
    register_type,
    timestamp,
)
from graph.crm.models import ACCOUNT
from graph.identity.compiled import member_user
from graph.money.service import shown_sql
from graph.sales.commerce.models import SALES_ORDER, SalesOrder
from graph.sales.commerce.order_api import order_statement
from graph.sales.commerce.ordering import commerce_ordering
from graph.sales.commerce.orders import order_scope


def money(attribute: str) -> Any:
    return lambda _build, source, _selection: shown_sql(getattr(source, attribute), source.currency, true())


def outstanding(_build: Any, source: Any, _selection: Any) -> Any:
    return shown_sql(source.total - source.returned_amount - source.paid_amount, source.currency, true())


register_type(
    CompiledType(
        name="SalesOrder",
        model=SalesOrder,
        object_type=SALES_ORDER,
        fields={
            "id": node_id("SalesOrder"),
            "number": column("number"),
            "status": lambda _build, source, _selection: func.upper(source.status),
            "currency": column("currency"),
            "orderDate": column("order_date"),
            "grossTotal": money("gross_total"),
            "discountTotal": money("discount_total"),
            "netTotal": money("net_total"),
            "taxTotal": money("tax_total"),
            "total": money("total"),
            "paidAmount": money("paid_amount"),
            "returnedAmount": money("returned_amount"),
            "outstandingAmount": outstanding,
            "notes": column("notes"),
            "confirmedAt": timestamp("confirmed_at"),
            "closedAt": timestamp("closed_at"),
            "cancelledAt": timestamp("cancelled_at"),
            "version": column("version"),
            "createdAt": timestamp("created_at"),
            "updatedAt": timestamp("updated_at"),
            "owner": reference("User", lambda source: source.owner_id, visible=member_user),
            # account_of: the customer of an order you may see, whoever owns the account now.
            "account": reference("Account", lambda source: source.account_id, readable_as=ACCOUNT),
        },
    )
)


def order_list(actor: Any, arguments: dict[str, Any]) -> Any:
    """The salesOrders statement as its resolver builds it; custom-field conditions and sort keys read
    the definitions first, so they stay with the executor."""
    given, orders = arguments.get("filter"), arguments.get("order_by")
    if (given is not None and given.custom) or any(order.custom_field for order in orders or []):
        raise CannotCompile("custom-field conditions or sort keys")
    return order_statement(actor, given).order_by(*commerce_ordering(SalesOrder, orders, None))


register_root("salesOrder", NodeRoot(type_name="SalesOrder", object_type=SALES_ORDER, scope=order_scope))
register_root("salesOrders", ConnectionRoot(type_name="SalesOrder", statement=order_list))
