"""Sales figures in the fact shape (graph/reports/facts.py): won, forecast, collected, outstanding,
targets, and the funnel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Date,
    Numeric,
    Select,
    Text,
    and_,
    any_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from graph.money.models import ExchangeRate
from graph.reports.catalog import Definition, Grouping
from graph.reports.facts import SOLD_ORDERS, day_of, during, facts, start_of
from graph.reports.models import EVERY_OWNER, FunnelRollup
from graph.reports.models import OpportunityCloseSpanRollup as SpanRollup
from graph.reports.spans import DAY, WEEK, in_spans, spans
from graph.sales.commerce.contracts import contract_scope
from graph.sales.commerce.models import (
    CONTRACT,
    SALES_ORDER,
    Contract,
    Payment,
    SalesOrder,
    SalesOrderPayment,
    SalesTarget,
)
from graph.sales.commerce.orders import order_scope
from graph.sales.commerce.targets import target_scope
from graph.sales.pipeline.models import OPPORTUNITY, Opportunity, PipelineStage
from graph.sales.pipeline.models import OpportunityCloseRollup as CloseRollup
from graph.sales.pipeline.opportunities import opportunity_scope
from tenants.models import Tenant
from tenants.permissions import Action, Actor, Scope

# --- sales: won, collected, outstanding, targets, forecast ---------------------------------------------


def rollup_fits(definition: Definition) -> bool:
    return not definition.custom and definition.group_by in (Grouping.NONE, Grouping.OWNER, Grouping.TEAM)


def closed_rollups(
    actor: Actor, definition: Definition, status: str, measure: Callable[[Any], Any], *, money: bool = True
) -> Select[Any]:
    """Closed (or expected-to-close) deals from the close rollups, kept in the writing transaction: whole
    weeks and months from `opportunity_close_span_rollups` where they fit the period and buckets
    (graph/reports/spans.py), single days from `opportunity_close_rollups`. An amount is converted at its
    own day's rate, so a week or month row stands for its days only when one rate converts all of them
    (the base currency, or a rate on its first day that no rate changes inside it); otherwise that span's
    day rows are read instead. Record scope and the owner and team filters are predicates on the owner."""

    def rows(table: Any, *conditions: Any) -> Select[Any]:
        currency = table.currency if money else None
        return select(*facts(table.owner_id, table.day, measure(table), currency=currency)).where(
            opportunity_scope(actor, table), table.status == status, table.opportunity_count > 0, *conditions
        )

    chosen = spans(definition)
    days = [
        and_(CloseRollup.day >= first, CloseRollup.day < end) for grain, first, end in chosen if grain == DAY
    ]
    parts = [rows(CloseRollup, or_(false(), *days))]
    coarse = [
        and_(SpanRollup.grain == grain, SpanRollup.day >= first, SpanRollup.day < end)
        for grain, first, end in chosen
        if grain != DAY
    ]
    coarse_days = [
        and_(CloseRollup.day >= first, CloseRollup.day < end) for grain, first, end in chosen if grain != DAY
    ]
    if coarse and not money:
        parts.append(rows(SpanRollup, or_(*coarse)))
    elif coarse:
        # Whether one rate converts a span is asked once per (span, currency), not per row or day.
        present = (
            select(SpanRollup.grain, SpanRollup.day, SpanRollup.currency)
            .where(SpanRollup.tenant_id == actor.tenant_id, SpanRollup.status == status, or_(*coarse))
            .distinct()
            .subquery()
        )
        end = span_end(present.c.grain, present.c.day)
        whole = func.coalesce(one_rate(actor, present.c.currency, present.c.day, end), false())
        flags = select(*present.c, end.label("end"), whole.label("whole")).cte(nesting=True)
        parts.append(
            rows(SpanRollup, or_(*coarse), flags.c.whole).join(
                flags,
                (flags.c.grain == SpanRollup.grain)
                & (flags.c.day == SpanRollup.day)
                & (flags.c.currency == SpanRollup.currency),
            )
        )
        # The days of the spans one rate does not convert, at their own days' rates.
        parts.append(
            rows(CloseRollup, or_(*coarse_days), ~flags.c.whole).join(
                flags,
                (flags.c.currency == CloseRollup.currency)
                & (CloseRollup.day >= flags.c.day)
                & (CloseRollup.day < flags.c.end),
            )
        )
    combined = union_all(*parts).subquery()
    return select(*combined.c)


def span_end(grain: Any, first: Any) -> Any:
    """The day after a week or month span that starts on `first`."""
    return case((grain == WEEK, first + 7), else_=cast(first + func.make_interval(0, 1), Date))


def one_rate(actor: Actor, currency: Any, first: Any, end: Any) -> Any:
    """One exchange rate converts every day of [first, end) in `currency`: the base currency, or a rate in
    force on `first` that no rate effective inside the span changes (money.service.rate_to_base_sql
    converts at the latest rate effective on or before the day; a rate re-entered unchanged changes
    nothing)."""
    base = select(Tenant.base_currency).where(Tenant.id == actor.tenant_id).scalar_subquery()
    rates = [ExchangeRate.tenant_id == actor.tenant_id, ExchangeRate.currency == currency]
    earlier = aliased(ExchangeRate)
    in_force = (
        select(earlier.rate)
        .where(
            earlier.tenant_id == actor.tenant_id, earlier.currency == currency, earlier.effective_on <= first
        )
        .order_by(earlier.effective_on.desc())
        .limit(1)
        .correlate_except(earlier)  # the rollup row's currency and day, also inside `changed` below
        .scalar_subquery()
    )
    changed = exists().where(
        *rates,
        ExchangeRate.effective_on > first,
        ExchangeRate.effective_on < end,
        ExchangeRate.rate != in_force,
    )
    return or_(currency == base, and_(in_force.is_not(None), ~changed))


def won(count: bool) -> Callable[[Actor, Definition, list[Any]], Select[Any]]:
    def build(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
        if rollup_fits(definition):
            if count:
                return closed_rollups(
                    actor, definition, "won", lambda table: table.opportunity_count, money=False
                )
            return closed_rollups(actor, definition, "won", lambda table: table.amount)
        return select(
            *facts(
                Opportunity.owner_id,
                day_of(Opportunity.closed_at),
                literal(1) if count else Opportunity.amount,
                currency=None if count else Opportunity.currency,
            )
        ).where(
            opportunity_scope(actor),
            Opportunity.status == "won",
            *during(Opportunity.closed_at, definition),
            *custom,
        )

    return build


def forecast(weighted: bool) -> Callable[[Actor, Definition, list[Any]], Select[Any]]:
    """Open deals by expected close date: weighted (amount x probability) or best case (amount)."""

    def build(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
        if rollup_fits(definition):
            if weighted:
                return closed_rollups(actor, definition, "open", lambda table: table.weighted_amount / 100)
            return closed_rollups(actor, definition, "open", lambda table: table.amount)
        amount = Opportunity.amount * Opportunity.probability / 100 if weighted else Opportunity.amount
        return select(
            *facts(Opportunity.owner_id, Opportunity.expected_close_on, amount, currency=Opportunity.currency)
        ).where(
            opportunity_scope(actor),
            Opportunity.status == "open",
            Opportunity.expected_close_on.is_not(None),
            *custom,
        )

    return build


def collected(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Payments received (refunds are negative payments) on the contracts and orders the caller sees,
    credited to the record's owner, in its currency on the day received."""
    parts = [select(*facts(literal(None), literal(None), literal(0))).where(literal(False))]
    if actor.permissions.can(CONTRACT, Action.READ):
        parts.append(
            select(*facts(Contract.owner_id, Payment.received_on, Payment.amount, currency=Contract.currency))
            .join(Contract, (Contract.tenant_id == Payment.tenant_id) & (Contract.id == Payment.contract_id))
            .where(contract_scope(actor))
        )
    if actor.permissions.can(SALES_ORDER, Action.READ):
        parts.append(
            select(
                *facts(
                    SalesOrder.owner_id,
                    SalesOrderPayment.received_on,
                    SalesOrderPayment.amount,
                    currency=SalesOrder.currency,
                )
            )
            .join(
                SalesOrder,
                (SalesOrder.tenant_id == SalesOrderPayment.tenant_id)
                & (SalesOrder.id == SalesOrderPayment.order_id),
            )
            .where(order_scope(actor))
        )
    combined = union_all(*parts).subquery()
    return select(*combined.c)


def outstanding(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """What the sales of the period still owe now: signed contracts (amount less paid) by the day they
    were accepted, and sold orders (total less returns less paid) by their confirmation day."""
    parts = [select(*facts(literal(None), literal(None), literal(0))).where(literal(False))]
    if actor.permissions.can(CONTRACT, Action.READ):
        parts.append(
            select(
                *facts(
                    Contract.owner_id,
                    day_of(Contract.created_at),
                    Contract.amount - Contract.paid_amount,
                    currency=Contract.currency,
                )
            ).where(contract_scope(actor), Contract.status.in_(("active", "completed")))
        )
    if actor.permissions.can(SALES_ORDER, Action.READ):
        parts.append(
            select(
                *facts(
                    SalesOrder.owner_id,
                    day_of(SalesOrder.confirmed_at),
                    SalesOrder.total - SalesOrder.returned_amount - SalesOrder.paid_amount,
                    currency=SalesOrder.currency,
                )
            ).where(order_scope(actor), SalesOrder.status.in_(SOLD_ORDERS))
        )
    combined = union_all(*parts).subquery()
    return select(*combined.c)


def targets(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Reps' amount-won goals, placed on the first day of their period (team and tenant targets are
    not a rep's number and stay out). A goal without a currency is in the base currency."""
    return select(
        *facts(SalesTarget.user_id, SalesTarget.starts_on, SalesTarget.goal, currency=SalesTarget.currency)
    ).where(target_scope(actor), SalesTarget.level == "user", SalesTarget.metric == "amount_won")


# --- funnel --------------------------------------------------------------------------------------------


def cohort(actor: Actor, definition: Definition, custom: list[Any]) -> list[Any]:
    """The funnel's deals: created in the period (on the indexed timestamp), in scope, matching `custom`."""
    return [
        opportunity_scope(actor),
        Opportunity.created_at >= start_of(definition.starts_on),
        Opportunity.created_at < start_of(definition.ends_on),
        *custom,
    ]


def reached_rows(conditions: list[Any]) -> Select[Any]:
    """Per stage, the deals matching `conditions` that got that far (owner_id, day created, stage_id): an
    open or won stage is reached by entering it or any later non-lost stage (the pipeline funnel's rule);
    a lost stage only by entering it. Each deal's furthest non-lost stage is found once, then compared
    with every live stage of its pipeline."""
    entered = aliased(PipelineStage)
    furthest = (
        select(func.max(entered.position))
        .where(
            entered.tenant_id == Opportunity.tenant_id,
            entered.id == any_(Opportunity.entered_stage_ids),
            entered.kind != "lost",
        )
        .scalar_subquery()
    )
    deals = (
        select(
            Opportunity.tenant_id,
            Opportunity.owner_id,
            Opportunity.created_at,
            Opportunity.pipeline_id,
            Opportunity.entered_stage_ids,
            furthest.label("furthest"),
        )
        .where(*conditions)
        .subquery()
    )
    stage = aliased(PipelineStage)
    got_there = case(
        (stage.kind == "lost", stage.id == any_(deals.c.entered_stage_ids)),
        else_=deals.c.furthest >= stage.position,
    )
    return (
        select(deals.c.owner_id, day_of(deals.c.created_at).label("day"), stage.id.label("stage_id"))
        .join(stage, (stage.tenant_id == deals.c.tenant_id) & (stage.pipeline_id == deals.c.pipeline_id))
        .where(stage.archived_at.is_(None), got_there)
    )


def reached(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Per stage, the cohort's deals that got that far (reached_rows)."""
    rows = reached_rows(cohort(actor, definition, custom)).subquery()
    return select(*facts(rows.c.owner_id, rows.c.day, literal(1), dim=cast(rows.c.stage_id, Text)))


def stay_rows(conditions: list[Any]) -> Select[Any]:
    """Finished stays of the deals matching `conditions` (owner_id, day created, stage_id, days)."""
    stay = (
        func.unnest(Opportunity.stay_stage_ids, Opportunity.stay_seconds)
        .table_valued("stage_id", "seconds")
        .render_derived()
    )
    return (
        select(
            Opportunity.owner_id,
            day_of(Opportunity.created_at).label("day"),
            stay.c.stage_id,
            (cast(stay.c.seconds, Numeric) / 86400).label("days"),
        )
        .select_from(Opportunity)
        .join(stay, true())
        .where(*conditions)
    )


def stage_days(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Finished stays of the cohort's deals, in days, averaged per stage."""
    rows = stay_rows(cohort(actor, definition, custom)).subquery()
    return select(
        *facts(rows.c.owner_id, rows.c.day, rows.c.days, den=literal(1), dim=cast(rows.c.stage_id, Text))
    )


def funnel_rollup(measure: str) -> Callable[[Actor, Definition, list[Any]], Select[Any]]:
    """The funnel from the rollup the `reports.refresh` job rebuilds (`funnel_rollups`, in spans of
    creation days: graph/reports/spans.py), read when the definition has no custom-field conditions
    (those need the deals themselves, so the engine scans them as `reached` and `stage_days` do). Record
    scope, the owner and team filters stay predicates on the rollup's owner; a caller who sees every
    owner and filters on none reads the rows summed over every owner (EVERY_OWNER), a tenth of them with
    ten members."""

    def build(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
        if measure == "reached":
            figures = facts(
                FunnelRollup.owner_id,
                FunnelRollup.day,
                FunnelRollup.reached,
                dim=cast(FunnelRollup.stage_id, Text),
            )
            present = FunnelRollup.reached > 0
        else:
            figures = facts(
                FunnelRollup.owner_id,
                FunnelRollup.day,
                FunnelRollup.stay_days,
                den=FunnelRollup.stays,
                dim=cast(FunnelRollup.stage_id, Text),
            )
            present = FunnelRollup.stays > 0
        # Whoever sees every owner, unfiltered by owner or team, reads the rows of every owner together.
        everyone = (
            actor.permissions.scope(OPPORTUNITY) is Scope.ALL
            and definition.owner_id is None
            and definition.team_id is None
        )
        owners = FunnelRollup.owner_id == EVERY_OWNER if everyone else FunnelRollup.owner_id != EVERY_OWNER
        return select(*figures).where(
            opportunity_scope(actor, FunnelRollup),
            owners,
            in_spans(FunnelRollup.grain, FunnelRollup.day, definition),
            present,
        )

    return build
