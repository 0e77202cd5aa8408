"""How campaigns read from SQL on the compiled path (graph/compiled): see graph/crm/compiled.py.

Each entry mirrors the resolver in graph/marketing/types.py and the loader it uses; the test suite's
verify mode compares both paths. Cost lines and everything under them go to the executor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, true

from graph.admin.lists import used_filters, used_orders
from graph.compiled.errors import CannotCompile
from graph.compiled.planner import Build, Selection, from_clause
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
from graph.identity.compiled import member_user
from graph.marketing.campaigns import campaign_scope, spending, visible_campaigns
from graph.marketing.inputs import (
    CAMPAIGN_FILTER_FIELDS,
    CAMPAIGN_ORDER_FIELDS,
    campaign_conditions,
    campaign_ordering,
)
from graph.marketing.models import CAMPAIGN, Campaign
from graph.money.service import shown_sql
from tenants.fields.query import refuse_hidden_filters


def money(attribute: str) -> Any:
    """quantize(value, currency) as Strawberry prints the Decimal."""
    return lambda _build, source, _selection: shown_sql(getattr(source, attribute), source.currency, true())


def actual_cost(_build: Build, source: Any, _selection: Selection) -> Any:
    """loaders.spent_by_campaign_id: the sum of the campaign's cost lines and approved claims (0 without
    any), rounded once."""
    rows = spending()
    spent = (
        select(func.sum(rows.c.amount))
        .where(rows.c.tenant_id == source.tenant_id, rows.c.campaign_id == source.id)
        .correlate(from_clause(source))
        .scalar_subquery()
    )
    return shown_sql(spent, source.currency, true())


register_type(
    CompiledType(
        name="Campaign",
        model=Campaign,
        object_type=CAMPAIGN,
        fields={
            "id": node_id("Campaign"),
            "name": column("name"),
            "goal": column("goal"),
            "plan": column("plan"),
            "channel": column("channel"),
            "status": lambda _build, source, _selection: func.upper(source.status),
            "startsOn": column("starts_on"),
            "endsOn": column("ends_on"),
            "currency": column("currency"),
            "budget": money("budget"),
            "actualCost": actual_cost,
            "createdAt": timestamp("created_at"),
            "updatedAt": timestamp("updated_at"),
            "version": column("version"),
            "owner": reference("User", lambda source: source.owner_id, visible=member_user),
        },
    )
)


def campaign_list(actor: Any, arguments: dict[str, Any]) -> Any:
    """The `campaigns` resolver's statement: scope, filter, ordering ending with the id. Custom-field
    conditions and sort keys read the definitions first: the executor serves them."""
    given, orders = arguments.get("filter"), arguments.get("order_by")
    if (given is not None and given.custom) or any(order.custom_field for order in orders or []):
        raise CannotCompile("custom-field conditions or sort keys")
    refuse_hidden_filters(actor, CAMPAIGN, used_filters(given, CAMPAIGN_FILTER_FIELDS))
    refuse_hidden_filters(actor, CAMPAIGN, used_orders(orders, CAMPAIGN_ORDER_FIELDS), "orderBy")
    statement = visible_campaigns(actor).where(*campaign_conditions(given))
    return statement.order_by(*campaign_ordering(orders))


register_root("campaign", NodeRoot(type_name="Campaign", object_type=CAMPAIGN, scope=campaign_scope))
register_root("campaigns", ConnectionRoot(type_name="Campaign", statement=campaign_list))
