"""Documents can be linked to quotes and contracts; a contract's signed copy is its SIGNED_COPY link."""

from graph.documents.targets import register_link_target
from graph.sales.commerce.contracts import contract_scope
from graph.sales.commerce.models import CONTRACT, QUOTE, Contract, Quote
from graph.sales.commerce.quotes import quote_scope

register_link_target(QUOTE, "Quote", Quote, quote_scope)
register_link_target(CONTRACT, "Contract", Contract, contract_scope)
