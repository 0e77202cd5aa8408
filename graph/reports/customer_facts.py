"""Customer figures in the fact shape: new, lost and at-risk customers by owner or account category."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from graph.crm.accounts import account_scope
from graph.crm.models import ACCOUNT, Account, Activity
from graph.reports.catalog import Definition, Grouping, TimeBucket
from graph.reports.facts import INACTIVE_DAYS, LOST_LOOKBACK_DAYS, day_of, facts, snapshot_day, start_of
from graph.reports.models import EVERY_OWNER, CustomerRollup, CustomerSpanRollup
from graph.reports.spans import in_ranges, in_spans, spans_before, spans_between
from graph.sales.leads.models import Lead
from graph.sales.pipeline.models import Opportunity
from tenants.permissions import Actor, Scope, record_scope_clause

# --- customers -----------------------------------------------------------------------------------------


def account_dimension(grouping: Grouping) -> Any:
    if grouping is Grouping.INDUSTRY:
        return Account.industry
    if grouping is Grouping.REGION:
        return Account.region
    if grouping is Grouping.SOURCE:
        return (
            select(Lead.source)
            .where(Lead.tenant_id == Account.tenant_id, Lead.converted_account_id == Account.id)
            .order_by(Lead.created_at)
            .limit(1)
            .scalar_subquery()
        )
    return None


def won_days() -> Any:
    """Every won deal's account and closing day (the whole tenant: a customer is new once, whoever sees
    the deal), for the customer metrics to count accounts by."""
    return select(Opportunity.account_id, day_of(Opportunity.closed_at).label("day")).where(
        Opportunity.status == "won"
    )


def live_accounts(actor: Actor, custom: list[Any]) -> list[Any]:
    return [account_scope(actor), Account.deleted_at.is_(None), *custom]


def new_customers(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Accounts whose first won deal closed in the period, on that day."""
    deals = won_days().subquery()
    firsts = (
        select(deals.c.account_id, func.min(deals.c.day).label("day")).group_by(deals.c.account_id).subquery()
    )
    return (
        select(*facts(Account.owner_id, firsts.c.day, literal(1), dim=account_dimension(definition.group_by)))
        .join(firsts, firsts.c.account_id == Account.id)
        .where(*live_accounts(actor, custom))
    )


def lost_customers(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Accounts that won a deal in the year before the period and none in it (on the period's last day)."""
    start = definition.starts_on
    deals = won_days().subquery()
    bought_before = exists(
        select(deals.c.account_id).where(
            deals.c.account_id == Account.id,
            deals.c.day >= start - timedelta(days=LOST_LOOKBACK_DAYS),
            deals.c.day < start,
        )
    )
    deals_now = won_days().subquery()
    bought_in_period = exists(
        select(deals_now.c.account_id).where(
            deals_now.c.account_id == Account.id,
            deals_now.c.day >= start,
            deals_now.c.day < definition.ends_on,
        )
    )
    return select(
        *facts(
            Account.owner_id,
            literal(snapshot_day(definition)),
            literal(1),
            dim=account_dimension(definition.group_by),
        )
    ).where(*live_accounts(actor, custom), bought_before, ~bought_in_period)


def churn_risk(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Customers (a won deal by the period's end) at risk on its last day: no done activity in the last
    90 days, or fewer deals won in those 90 days than in the 90 before (declining orders)."""
    end = definition.ends_on
    recent = end - timedelta(days=INACTIVE_DAYS)
    earlier = recent - timedelta(days=INACTIVE_DAYS)
    deals = won_days().subquery()

    def won_between(low: date | None, high: date) -> Any:
        conditions = [deals.c.account_id == Account.id, deals.c.day < high]
        if low is not None:
            conditions.append(deals.c.day >= low)
        return select(func.count()).where(*conditions).scalar_subquery()

    touched = exists(
        select(Activity.id).where(
            Activity.tenant_id == Account.tenant_id,
            Activity.account_id == Account.id,
            Activity.done.is_(True),
            Activity.occurred_at >= start_of(recent),
            Activity.occurred_at < start_of(end),
        )
    )
    return select(
        *facts(
            Account.owner_id,
            literal(snapshot_day(definition)),
            literal(1),
            dim=account_dimension(definition.group_by),
        )
    ).where(
        *live_accounts(actor, custom),
        won_between(None, end) > 0,
        or_(~touched, won_between(recent, end) < won_between(earlier, recent)),
    )


# --- the same three from the customer rollups --------------------------------------------------------


def won_between_days(days: Any, low: date | None, high: date) -> Any:
    """How many of a sorted date array fall in [low, high): `width_bucket` counts the elements up to a
    date by binary search (duplicates included), so a customer's row answers without a subquery."""
    upto_high = func.width_bucket(literal(high - timedelta(days=1)), days)
    if low is None:
        return upto_high
    return upto_high - func.width_bucket(literal(low - timedelta(days=1)), days)


def rollup_dimension(grouping: Grouping) -> Any:
    return {
        Grouping.INDUSTRY: CustomerRollup.industry,
        Grouping.REGION: CustomerRollup.region,
        Grouping.SOURCE: CustomerRollup.source,
    }.get(grouping)


SPAN_GROUPINGS = {Grouping.INDUSTRY: "industry", Grouping.REGION: "region", Grouping.SOURCE: "source"}


def customer_rollup(metric: str) -> Callable[[Actor, Definition, list[Any]], Select[Any]]:
    """New, lost and at-risk customers from the snapshot the `reports.refresh` job rebuilds, read when
    the definition has no custom-field conditions (those need the accounts themselves, so the engine
    scans). Counts per span (`customer_span_rollups`) instead of a row per customer, so the rows read
    follow the period's spans and the categories shown, not the customers:
    - new: customers whose first win falls in the period's spans, on the span's first day;
    - at risk at the period's end: the running total of the at-risk changes up to its end (whole
      years, then months, weeks and days: spans.spans_before);
    - lost (a win in the year before the period, none in it): the customers whose last win lies in that
      year, plus those who won in that year, not in the period, and again after it: one `customer_rollups`
      row each, found by the index on the last win (none when the period reaches the latest win).
    Record scope and the owner and team filters are predicates on the owner; a caller who sees every
    owner, filtering and grouping by none, reads the rows of every owner together (EVERY_OWNER)."""

    def build(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
        start, end = definition.starts_on, definition.ends_on
        table = CustomerSpanRollup
        everyone = (
            actor.permissions.scope(ACCOUNT) is Scope.ALL
            and definition.owner_id is None
            and definition.team_id is None
            and definition.group_by not in (Grouping.OWNER, Grouping.TEAM)
        )
        grouping = SPAN_GROUPINGS.get(definition.group_by)
        chosen = [
            table.tenant_id == actor.tenant_id,
            record_scope_clause(actor, ACCOUNT, table.owner_id),
            table.owner_id == EVERY_OWNER if everyone else table.owner_id.is_distinct_from(EVERY_OWNER),
            table.grouping == (grouping or "none"),
        ]
        category = table.category if grouping else None
        snapshot: Any = literal(snapshot_day(definition))
        if metric == "new":
            counted = select(*facts(table.owner_id, table.day, table.customers, dim=category)).where(
                *chosen, table.figure == "new", in_spans(table.grain, table.day, definition)
            )
            return counted
        if metric == "churn":
            # A change on day d holds for a period ending on d (exclusive): the changes up to `end`,
            # summed per owner and category; a sum of 0 is nobody at risk, no figure (as the scan has none).
            running = func.sum(table.customers)
            return (
                select(*facts(table.owner_id, snapshot, running, dim=category))
                .where(
                    *chosen,
                    table.figure == "risk",
                    in_ranges(table.grain, table.day, spans_before(end + timedelta(days=1))),
                )
                .group_by(table.owner_id, table.category)
                .having(running != 0)
            )
        lookback = start - timedelta(days=LOST_LOOKBACK_DAYS)
        last_in_lookback = select(*facts(table.owner_id, snapshot, table.customers, dim=category)).where(
            *chosen,
            table.figure == "last",
            in_ranges(table.grain, table.day, spans_between(lookback, start, TimeBucket.NONE)),
        )
        won = CustomerRollup.won_days
        back_after = select(
            *facts(CustomerRollup.owner_id, snapshot, literal(1), dim=rollup_dimension(definition.group_by))
        ).where(
            CustomerRollup.tenant_id == actor.tenant_id,
            record_scope_clause(actor, ACCOUNT, CustomerRollup.owner_id),
            CustomerRollup.last_won_on >= end,
            won_between_days(won, lookback, start) > 0,
            won_between_days(won, start, end) == 0,
        )
        combined = union_all(last_in_lookback, back_after).subquery()
        return select(*combined.c)

    return build
