"""The shape every metric's figures come in: one SELECT per (kind, metric) over the area's own tables
and record scope (sales_facts.py, customer_facts.py, work_facts.py; catalogued in sources.py), in one
shape the engine groups, buckets and converts.

Every fact statement returns the columns
    owner_id  the member the figure belongs to (OWNER/TEAM grouping and the owner/team filters)
    day       the date that places it in the period and its time bucket, and the exchange-rate date
    currency  its currency, or NULL when it is not money (counts, hours, scores)
    num, den  what is summed: the figure, and for ratios and averages the denominator (else NULL)
    dim       the grouping's category (stage id, industry, priority, ...) as text, or NULL
and applies the area's own record-scope predicate (the one its lists use) plus the definition's
custom-field conditions on the area's table. Periods, owner and team filters are applied by the engine
on these columns, so every metric obeys them the same way.

The sales figures read the pipeline's close rollups (kept in the writing transaction, see README
Decisions) whenever the definition needs nothing a rollup row lacks (custom-field conditions, a
grouping other than owner or team); otherwise they scan the opportunities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Numeric,
    Select,
    String,
    Text,
    cast,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID

from graph.reports.catalog import Definition, Grouping
from tenants.models import Membership
from tenants.permissions import Actor

# Orders that count as sold (the targets' rule: confirmed and later, not cancelled or draft).
SOLD_ORDERS = ("confirmed", "partially_delivered", "delivered", "closed")
INACTIVE_DAYS = 90  # churn risk: no done activity for this long, or fewer won deals than the 90 days before
LOST_LOOKBACK_DAYS = 365  # lost customers: bought in this many days before the period, nothing in it


@dataclass(frozen=True)
class FactSource:
    """One metric of one kind: the object types it reads (each needs read permission), the built-in
    fields whose hiding hides the metric, the table custom conditions apply to, and the statement."""

    reads: tuple[str, ...]
    hidden_by: tuple[tuple[str, str], ...]
    model: Any
    build: Callable[[Actor, Definition, list[Any]], Select[Any]]
    dimensions: dict[Grouping, tuple[str, str] | None]  # grouping -> field it reads (None: no field)
    # A rollup a job rebuilds (its name in report_refreshes, its statement): read instead of `build` once
    # it has been built and the definition has no custom conditions; the report's asOf is its refresh.
    rollup: tuple[str, Callable[[Actor, Definition, list[Any]], Select[Any]]] | None = None


def day_of(moment: Any) -> Any:
    return cast(moment, Date)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def facts(
    owner: Any, day: Any, num: Any, *, currency: Any = None, den: Any = None, dim: Any = None
) -> list[Any]:
    """The columns of the fact shape, typed so that every fact statement unions with every other."""
    return [
        cast(owner, PgUUID(as_uuid=True)).label("owner_id"),
        cast(day, Date).label("day"),
        cast(currency if currency is not None else null(), String(3)).label("currency"),
        cast(num, Numeric).label("num"),
        cast(den if den is not None else null(), Numeric).label("den"),
        cast(dim if dim is not None else null(), Text).label("dim"),
    ]


def owner_conditions(actor: Actor, definition: Definition, owner: Any) -> list[ColumnElement[bool]]:
    """The definition's owner or team filter on an owner column: that member, or the team's members (a
    team or member of another tenant matches nobody). Record scope is applied by each source itself, so a
    filter can only narrow what the caller sees."""
    if definition.owner_id is not None:
        return [owner == definition.owner_id]
    if definition.team_id is not None:
        members = select(Membership.user_id).where(
            Membership.tenant_id == actor.tenant_id, Membership.team_id == definition.team_id
        )
        return [owner.in_(members)]
    return []


def during(moment: Any, definition: Definition) -> list[Any]:
    """The period on a timestamp column itself (its index serves it); the engine's filter on the fact's
    day stays the rule, this only spares scanning rows outside the period."""
    return [moment >= start_of(definition.starts_on), moment < start_of(definition.ends_on)]


def snapshot_day(definition: Definition) -> date:
    """The day a snapshot metric describes: the period's last day."""
    return definition.ends_on - timedelta(days=1)
