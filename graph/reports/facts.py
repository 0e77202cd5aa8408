"""Where each metric's figures come from: one SELECT per (kind, metric) over the area's own tables and
record scope, in one shape the engine groups, buckets and converts.

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
    Date,
    Numeric,
    Select,
    String,
    Text,
    any_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.orm import aliased

from graph.crm.accounts import account_scope
from graph.crm.models import ACCOUNT, ACTIVITY, Account, Activity
from graph.projects.access import in_visible_projects, project_scope
from graph.projects.models import PROJECT, TIME_ENTRY, Project, TimeEntry
from graph.projects.purchases.models import MATERIAL, MaterialLine
from graph.reports.catalog import Definition, Grouping, Metric, ReportKind
from graph.reports.models import ActivityDayRollup
from graph.sales.commerce.contracts import contract_scope
from graph.sales.commerce.models import (
    CONTRACT,
    SALES_ORDER,
    SALES_TARGET,
    Contract,
    Payment,
    SalesOrder,
    SalesOrderPayment,
    SalesTarget,
)
from graph.sales.commerce.orders import order_scope
from graph.sales.commerce.targets import target_scope
from graph.sales.leads.models import Lead
from graph.sales.pipeline.models import OPPORTUNITY, Opportunity, PipelineStage
from graph.sales.pipeline.models import OpportunityCloseRollup as CloseRollup
from graph.sales.pipeline.opportunities import opportunity_scope
from graph.service.models import TICKET, Survey, Ticket
from graph.service.tickets import ticket_scope
from graph.workday.calendar import calendar_scope
from graph.workday.models import CALENDAR_ITEM, CalendarItem
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor, record_scope_clause

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


def during(moment: Any, definition: Definition) -> list[Any]:
    """The period on a timestamp column itself (its index serves it); the engine's filter on the fact's
    day stays the rule, this only spares scanning rows outside the period."""
    return [moment >= start_of(definition.starts_on), moment < start_of(definition.ends_on)]


def snapshot_day(definition: Definition) -> date:
    """The day a snapshot metric describes: the period's last day."""
    return definition.ends_on - timedelta(days=1)


# --- sales: won, collected, outstanding, targets, forecast ---------------------------------------------


def rollup_fits(definition: Definition) -> bool:
    return not definition.custom and definition.group_by in (Grouping.NONE, Grouping.OWNER, Grouping.TEAM)


def closed_rollups(actor: Actor, status: str, measure: Any, *, money: bool = True) -> Select[Any]:
    currency = CloseRollup.currency if money else None
    return select(*facts(CloseRollup.owner_id, CloseRollup.day, measure, currency=currency)).where(
        opportunity_scope(actor, CloseRollup), CloseRollup.status == status, CloseRollup.opportunity_count > 0
    )


def won(count: bool) -> Callable[[Actor, Definition, list[Any]], Select[Any]]:
    def build(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
        if rollup_fits(definition):
            measure = CloseRollup.opportunity_count if count else CloseRollup.amount
            return closed_rollups(actor, "won", measure, money=not count)
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
            measure = CloseRollup.weighted_amount / 100 if weighted else CloseRollup.amount
            return closed_rollups(actor, "open", measure)
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


def reached(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Per stage, the cohort's deals that got that far: an open or won stage is reached by entering it or
    any later non-lost stage (the pipeline funnel's rule); a lost stage only by entering it. Each deal's
    furthest non-lost stage is found once, then compared with every stage of its pipeline."""
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
        .where(*cohort(actor, definition, custom))
        .subquery()
    )
    stage = aliased(PipelineStage)
    got_there = case(
        (stage.kind == "lost", stage.id == any_(deals.c.entered_stage_ids)),
        else_=deals.c.furthest >= stage.position,
    )
    return (
        select(*facts(deals.c.owner_id, day_of(deals.c.created_at), literal(1), dim=cast(stage.id, Text)))
        .join(stage, (stage.tenant_id == deals.c.tenant_id) & (stage.pipeline_id == deals.c.pipeline_id))
        .where(stage.archived_at.is_(None), got_there)
    )


def stage_days(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Finished stays of the cohort's deals, in days, averaged per stage."""
    stay = (
        func.unnest(Opportunity.stay_stage_ids, Opportunity.stay_seconds)
        .table_valued("stage_id", "seconds")
        .render_derived()
    )
    return (
        select(
            *facts(
                Opportunity.owner_id,
                day_of(Opportunity.created_at),
                cast(stay.c.seconds, Numeric) / 86400,
                den=literal(1),
                dim=cast(stay.c.stage_id, Text),
            )
        )
        .select_from(Opportunity)
        .join(stay, true())
        .where(*cohort(actor, definition, custom))
    )


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


# --- projects ------------------------------------------------------------------------------------------


def budgets(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Project budgets by planned start (creation day without one), credited to the manager."""
    return select(
        *facts(
            Project.manager_id,
            func.coalesce(Project.planned_start, day_of(Project.created_at)),
            Project.budget,
            currency=Project.currency,
        )
    ).where(project_scope(actor), Project.budget.is_not(None), *custom)


def hours(billable_share: bool) -> Callable[[Actor, Definition, list[Any]], Select[Any]]:
    """Time logged per member; utilisation is the billable share of it."""

    def build(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
        num = (
            case((TimeEntry.billable.is_(True), TimeEntry.hours), else_=0)
            if billable_share
            else TimeEntry.hours
        )
        statement = select(
            *facts(
                TimeEntry.user_id, TimeEntry.work_date, num, den=TimeEntry.hours if billable_share else None
            )
        ).where(in_visible_projects(actor, TIME_ENTRY, TimeEntry.project_id))
        if custom:
            statement = statement.join(
                Project, (Project.tenant_id == TimeEntry.tenant_id) & (Project.id == TimeEntry.project_id)
            ).where(*custom)
        return statement

    return build


def material_cost(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Materials received (their actual amount, in the project's currency), credited to the manager."""
    return (
        select(
            *facts(
                Project.manager_id,
                MaterialLine.received_on,
                MaterialLine.actual_amount,
                currency=Project.currency,
            )
        )
        .join(
            Project, (Project.tenant_id == MaterialLine.tenant_id) & (Project.id == MaterialLine.project_id)
        )
        .where(
            in_visible_projects(actor, MATERIAL, MaterialLine.project_id),
            MaterialLine.actual_amount.is_not(None),
            MaterialLine.received_on.is_not(None),
            *custom,
        )
    )


# --- service -------------------------------------------------------------------------------------------


def ticket_dimension(grouping: Grouping) -> Any:
    return {Grouping.PRIORITY: Ticket.priority, Grouping.CHANNEL: Ticket.channel}.get(grouping)


def tickets_opened(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    return select(
        *facts(
            Ticket.assignee_id,
            day_of(Ticket.created_at),
            literal(1),
            dim=ticket_dimension(definition.group_by),
        )
    ).where(
        ticket_scope(actor), Ticket.merged_into_id.is_(None), *during(Ticket.created_at, definition), *custom
    )


def sla_attainment(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Resolved tickets with a resolution target: the share resolved by it, on the day resolved."""
    met = case((Ticket.resolved_at <= Ticket.resolution_due_at, 1), else_=0)
    return select(
        *facts(
            Ticket.assignee_id,
            day_of(Ticket.resolved_at),
            met,
            den=literal(1),
            dim=ticket_dimension(definition.group_by),
        )
    ).where(
        ticket_scope(actor),
        Ticket.resolved_at.is_not(None),
        Ticket.resolution_due_at.is_not(None),
        *during(Ticket.resolved_at, definition),
        *custom,
    )


def survey_scores(kind: str) -> Callable[[Actor, Definition, list[Any]], Select[Any]]:
    """Answered ticket surveys of one kind, by answer day, credited to the agent. CSAT averages the
    scores; NPS averages +100 (9-10), 0 (7-8) and -100 (0-6), which is promoters% - detractors%."""

    def build(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
        if kind == "nps":
            score = case((Survey.score >= 9, 100), (Survey.score <= 6, -100), else_=0)
        else:
            score = Survey.score
        return (
            select(
                *facts(
                    Survey.agent_id,
                    day_of(Survey.answered_at),
                    score,
                    den=literal(1),
                    dim=ticket_dimension(definition.group_by),
                )
            )
            .join(Ticket, (Ticket.tenant_id == Survey.tenant_id) & (Ticket.id == Survey.ticket_id))
            .where(
                ticket_scope(actor),
                Survey.kind == kind,
                Survey.score.is_not(None),
                *during(Survey.answered_at, definition),
                *custom,
            )
        )

    return build


# --- activities ----------------------------------------------------------------------------------------


def activities(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Done activities (what happened, not what is planned) per author, for the authors the caller's
    activity scope reaches: statistics per employee count each employee's own work."""
    dim = Activity.kind if definition.group_by is Grouping.KIND else None
    return select(*facts(Activity.author_id, day_of(Activity.occurred_at), literal(1), dim=dim)).where(
        Activity.tenant_id == actor.tenant_id,
        record_scope_clause(actor, ACTIVITY, Activity.author_id),
        Activity.done.is_(True),
        *during(Activity.occurred_at, definition),
        *custom,
    )


def activity_rollup(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """The same figures from the rollup the `reports.refresh` job rebuilds (no custom conditions)."""
    dim = ActivityDayRollup.kind if definition.group_by is Grouping.KIND else None
    return select(
        *facts(ActivityDayRollup.author_id, ActivityDayRollup.day, ActivityDayRollup.activity_count, dim=dim)
    ).where(
        ActivityDayRollup.tenant_id == actor.tenant_id,
        record_scope_clause(actor, ACTIVITY, ActivityDayRollup.author_id),
    )


def visits(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Visits checked in on site (calendar items of kind visit), per member, on the check-in day."""
    return select(
        *facts(CalendarItem.owner_id, day_of(CalendarItem.checked_in_at), literal(1), dim=literal("visit"))
    ).where(calendar_scope(actor), CalendarItem.kind == "visit", CalendarItem.checked_in_at.is_not(None))


OWNERS: dict[Grouping, tuple[str, str] | None] = {
    Grouping.NONE: None,
    Grouping.OWNER: None,
    Grouping.TEAM: None,
}
ACCOUNT_GROUPS: dict[Grouping, tuple[str, str] | None] = {
    **OWNERS,
    Grouping.INDUSTRY: (ACCOUNT, "industry"),
    Grouping.REGION: (ACCOUNT, "address"),
    Grouping.SOURCE: None,
}
TICKET_GROUPS: dict[Grouping, tuple[str, str] | None] = {
    **OWNERS,
    Grouping.PRIORITY: None,
    Grouping.CHANNEL: None,
}

SOURCES: dict[tuple[ReportKind, Metric], FactSource] = {
    (ReportKind.SALES_PERFORMANCE, Metric.WON_AMOUNT): FactSource(
        (OPPORTUNITY,), ((OPPORTUNITY, "amount"),), Opportunity, won(False), OWNERS
    ),
    (ReportKind.SALES_PERFORMANCE, Metric.WON_COUNT): FactSource(
        (OPPORTUNITY,), (), Opportunity, won(True), OWNERS
    ),
    (ReportKind.SALES_PERFORMANCE, Metric.COLLECTED): FactSource((), (), None, collected, OWNERS),
    (ReportKind.SALES_PERFORMANCE, Metric.OUTSTANDING): FactSource((), (), None, outstanding, OWNERS),
    (ReportKind.SALES_PERFORMANCE, Metric.TARGET): FactSource((SALES_TARGET,), (), None, targets, OWNERS),
    (ReportKind.FORECAST, Metric.WEIGHTED_FORECAST): FactSource(
        (OPPORTUNITY,),
        ((OPPORTUNITY, "amount"), (OPPORTUNITY, "probability")),
        Opportunity,
        forecast(True),
        OWNERS,
    ),
    (ReportKind.FORECAST, Metric.BEST_CASE): FactSource(
        (OPPORTUNITY,), ((OPPORTUNITY, "amount"),), Opportunity, forecast(False), OWNERS
    ),
    (ReportKind.FORECAST, Metric.WON_AMOUNT): FactSource(
        (OPPORTUNITY,), ((OPPORTUNITY, "amount"),), Opportunity, won(False), OWNERS
    ),
    (ReportKind.FUNNEL, Metric.REACHED): FactSource(
        (OPPORTUNITY,), (), Opportunity, reached, {Grouping.STAGE: (OPPORTUNITY, "stage")}
    ),
    (ReportKind.FUNNEL, Metric.CONVERSION_RATE): FactSource(
        (OPPORTUNITY,), (), Opportunity, reached, {Grouping.STAGE: (OPPORTUNITY, "stage")}
    ),
    (ReportKind.FUNNEL, Metric.STAGE_DAYS): FactSource(
        (OPPORTUNITY,), (), Opportunity, stage_days, {Grouping.STAGE: (OPPORTUNITY, "stage")}
    ),
    (ReportKind.CUSTOMERS, Metric.NEW_CUSTOMERS): FactSource(
        (ACCOUNT,), (), Account, new_customers, ACCOUNT_GROUPS
    ),
    (ReportKind.CUSTOMERS, Metric.LOST_CUSTOMERS): FactSource(
        (ACCOUNT,), (), Account, lost_customers, ACCOUNT_GROUPS
    ),
    (ReportKind.CUSTOMERS, Metric.CHURN_RISK): FactSource(
        (ACCOUNT,), (), Account, churn_risk, ACCOUNT_GROUPS
    ),
    (ReportKind.PROJECTS, Metric.BUDGET): FactSource((PROJECT,), (), Project, budgets, OWNERS),
    (ReportKind.PROJECTS, Metric.LOGGED_HOURS): FactSource((TIME_ENTRY,), (), Project, hours(False), OWNERS),
    (ReportKind.PROJECTS, Metric.UTILISATION): FactSource((TIME_ENTRY,), (), Project, hours(True), OWNERS),
    (ReportKind.PROJECTS, Metric.MATERIAL_COST): FactSource(
        (MATERIAL,), ((MATERIAL, "actualAmount"),), Project, material_cost, OWNERS
    ),
    (ReportKind.SERVICE, Metric.TICKETS_OPENED): FactSource(
        (TICKET,), (), Ticket, tickets_opened, TICKET_GROUPS
    ),
    (ReportKind.SERVICE, Metric.SLA_ATTAINMENT): FactSource(
        (TICKET,), (), Ticket, sla_attainment, TICKET_GROUPS
    ),
    (ReportKind.SERVICE, Metric.CSAT): FactSource(
        (TICKET,), (), Ticket, survey_scores("csat"), TICKET_GROUPS
    ),
    (ReportKind.SERVICE, Metric.NPS): FactSource((TICKET,), (), Ticket, survey_scores("nps"), TICKET_GROUPS),
    (ReportKind.ACTIVITIES, Metric.ACTIVITY_COUNT): FactSource(
        (ACTIVITY,),
        (),
        Activity,
        activities,
        {**OWNERS, Grouping.KIND: None},
        rollup=("activities", activity_rollup),
    ),
    (ReportKind.ACTIVITIES, Metric.VISIT_COUNT): FactSource(
        (CALENDAR_ITEM,), (), None, visits, {**OWNERS, Grouping.KIND: None}
    ),
}


def source_of(definition: Definition, metric: Metric) -> FactSource | None:
    return SOURCES.get((definition.kind, metric))


def hidden_metric(actor: Actor, source: FactSource) -> bool:
    """A metric reading a field the caller's role hides is not computed for them (it shows as hidden)."""
    return any(
        field in actor.permissions.hidden_fields(object_type) for object_type, field in source.hidden_by
    )


def refuse_hidden_grouping(actor: Actor, definition: Definition, source: FactSource, path: str) -> None:
    """Grouping by a field the role hides would reveal it (each category is an answer): refused."""
    read = source.dimensions.get(definition.group_by)
    if read is not None and read[1] in actor.permissions.hidden_fields(read[0]):
        raise DomainError(
            ErrorCode.PERMISSION_DENIED,
            f"Your role hides the field {definition.group_by.name} groups by; group by something else.",
            f"{path}.groupBy",
        )


def require_reads(actor: Actor, definition: Definition, source: FactSource) -> None:
    actor.require(definition.spec.object_type, Action.READ)
    for object_type in source.reads:
        actor.require(object_type, Action.READ)
