"""Documents can be linked to quotes, contracts and sales orders (their printed copies, delivery notes);
a contract's signed copy is its SIGNED_COPY link."""

from graph.documents.targets import register_link_target
from graph.sales.commerce.contracts import contract_scope
from graph.sales.commerce.models import CONTRACT, QUOTE, SALES_ORDER, Contract, Quote, SalesOrder
from graph.sales.commerce.orders import order_scope
from graph.sales.commerce.quotes import quote_scope

register_link_target(QUOTE, "Quote", Quote, quote_scope)
register_link_target(CONTRACT, "Contract", Contract, contract_scope)
register_link_target(SALES_ORDER, "SalesOrder", SalesOrder, order_scope)
