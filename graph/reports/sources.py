"""The catalogue of fact sources: which statement computes each (kind, metric), what it reads (permissions
and the fields whose hiding hides it), and the checks on a definition that depend on them."""

from __future__ import annotations

from graph.crm.models import ACCOUNT, ACTIVITY, Account, Activity
from graph.projects.models import PROJECT, TIME_ENTRY, Project
from graph.projects.purchases.models import MATERIAL
from graph.reports.catalog import Definition, Grouping, Metric, ReportKind
from graph.reports.customer_facts import churn_risk, customer_rollup, lost_customers, new_customers
from graph.reports.facts import FactSource
from graph.reports.sales_facts import (
    collected,
    forecast,
    funnel_rollup,
    outstanding,
    reached,
    stage_days,
    targets,
    won,
)
from graph.reports.work_facts import (
    activities,
    activity_rollup,
    budgets,
    hours,
    material_cost,
    sla_attainment,
    survey_scores,
    tickets_opened,
    visits,
)
from graph.sales.commerce.models import (
    SALES_TARGET,
)
from graph.sales.pipeline.models import OPPORTUNITY, Opportunity
from graph.service.models import TICKET, Ticket
from graph.workday.models import CALENDAR_ITEM
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor

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
STAGES: dict[Grouping, tuple[str, str] | None] = {Grouping.STAGE: (OPPORTUNITY, "stage")}

# One statement for the funnel's reached deals: conversion divides them (engine.conversion_cells), so both
# metrics share this source, and the engine reads it once when a report asks for both.
REACHED = FactSource(
    (OPPORTUNITY,), (), Opportunity, reached, STAGES, rollup=("funnel", funnel_rollup("reached"))
)

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
    (ReportKind.FUNNEL, Metric.REACHED): REACHED,
    (ReportKind.FUNNEL, Metric.CONVERSION_RATE): REACHED,
    (ReportKind.FUNNEL, Metric.STAGE_DAYS): FactSource(
        (OPPORTUNITY,), (), Opportunity, stage_days, STAGES, rollup=("funnel", funnel_rollup("stay_days"))
    ),
    (ReportKind.CUSTOMERS, Metric.NEW_CUSTOMERS): FactSource(
        (ACCOUNT,), (), Account, new_customers, ACCOUNT_GROUPS, rollup=("customers", customer_rollup("new"))
    ),
    (ReportKind.CUSTOMERS, Metric.LOST_CUSTOMERS): FactSource(
        (ACCOUNT,), (), Account, lost_customers, ACCOUNT_GROUPS, rollup=("customers", customer_rollup("lost"))
    ),
    (ReportKind.CUSTOMERS, Metric.CHURN_RISK): FactSource(
        (ACCOUNT,), (), Account, churn_risk, ACCOUNT_GROUPS, rollup=("customers", customer_rollup("churn"))
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
