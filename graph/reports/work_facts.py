"""Project, service and activity figures in the fact shape: budgets, hours, materials, tickets, SLA,
surveys, activities and visits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Select,
    case,
    func,
    literal,
    select,
)

from graph.crm.models import ACTIVITY, Activity
from graph.projects.access import in_visible_projects, project_scope
from graph.projects.models import TIME_ENTRY, Project, TimeEntry
from graph.projects.purchases.models import MATERIAL, MaterialLine
from graph.reports.catalog import Definition, Grouping
from graph.reports.facts import day_of, during, facts
from graph.reports.models import ALL_KINDS, ActivityDayRollup
from graph.reports.spans import in_spans
from graph.service.models import Survey, Ticket
from graph.service.tickets import ticket_scope
from graph.workday.calendar import calendar_scope
from graph.workday.models import CalendarItem
from tenants.permissions import Actor, record_scope_clause

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
    """The same figures from the rollup the `reports.refresh` job rebuilds (no custom conditions: those
    need the activities, so the engine scans them with `activities`), read in weeks and months where they
    fit the period and buckets (graph/reports/spans.py), so a year by week reads week rows, not days;
    not split by kind, it reads the rows counting every kind."""
    by_kind = definition.group_by is Grouping.KIND
    dim = ActivityDayRollup.kind if by_kind else None
    kinds = ActivityDayRollup.kind != ALL_KINDS if by_kind else ActivityDayRollup.kind == ALL_KINDS
    return select(
        *facts(ActivityDayRollup.author_id, ActivityDayRollup.day, ActivityDayRollup.activity_count, dim=dim)
    ).where(
        ActivityDayRollup.tenant_id == actor.tenant_id,
        kinds,
        record_scope_clause(actor, ACTIVITY, ActivityDayRollup.author_id),
        in_spans(ActivityDayRollup.grain, ActivityDayRollup.day, definition),
    )


def visits(actor: Actor, definition: Definition, custom: list[Any]) -> Select[Any]:
    """Visits checked in on site (calendar items of kind visit), per member, on the check-in day."""
    return select(
        *facts(CalendarItem.owner_id, day_of(CalendarItem.checked_in_at), literal(1), dim=literal("visit"))
    ).where(calendar_scope(actor), CalendarItem.kind == "visit", CalendarItem.checked_in_at.is_not(None))
