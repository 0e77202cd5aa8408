"""GraphQL types of closeout: the evaluation against plan, the closeout, lessons learned."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import Info
from graph.core.ids import nodes_in_order
from graph.core.loaders import grouped
from graph.identity.types import User, owner
from graph.projects import types as project_types
from graph.projects.closeout import closeout, evaluation
from graph.projects.closeout import models as cm
from graph.projects.loaders import projects_by_id
from graph.service.models import Survey
from tenants.permissions import Action

if TYPE_CHECKING:
    from graph.projects.types import Project


@strawberry.type(description="Finished against planned.")
class ScheduleEvaluation:
    planned_end: date | None = strawberry.field(description="The planned end when it closed.")
    actual_end: date | None = strawberry.field(description="When it closed.")
    days_late: int | None = strawberry.field(description="Actual minus planned end (negative: early).")
    on_time: bool | None = strawberry.field(description="Finished by the planned end; null without one.")


@strawberry.type(description="Cost against budget, in the project's currency.")
class BudgetEvaluation:
    currency: str = strawberry.field(description="The project's currency.")
    budget: Decimal | None = strawberry.field(description="The budget when it closed.")
    actual_cost: Decimal | None = strawberry.field(
        description="Labor, expenses and materials; null when part needed a missing exchange rate."
    )
    variance: Decimal | None = strawberry.field(description="Budget minus actual (negative: over).")
    within_budget: bool | None = strawberry.field(description="Actual cost within the budget.")


@strawberry.type(description="What was delivered of what was planned.")
class ScopeEvaluation:
    tasks: int = strawberry.field(description="Tasks in the plan when it closed.")
    tasks_done: int = strawberry.field(description="Of which done.")
    changes_implemented: int = strawberry.field(description="Change requests implemented along the way.")
    complete: bool = strawberry.field(description="Every task done.")


@strawberry.type(description="How the delivery held up to inspection and the customer.")
class QualityEvaluation:
    inspections: int = strawberry.field(description="Inspections recorded.")
    inspections_passed: int = strawberry.field(description="Of which passed.")
    defects: int = strawberry.field(description="Defects recorded.")
    serious_defects: int = strawberry.field(description="Of which HIGH or CRITICAL.")
    acceptance_signed: bool = strawberry.field(description="The customer signed an acceptance.")


@strawberry.type(description="The project measured against its plan, as it was at closing.")
class ProjectEvaluation:
    schedule: ScheduleEvaluation = strawberry.field(description="Schedule.")
    budget: BudgetEvaluation = strawberry.field(description="Budget.")
    scope: ScopeEvaluation = strawberry.field(description="Scope.")
    quality: QualityEvaluation = strawberry.field(description="Quality.")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectEvaluation:
        found = evaluation.Evaluation.from_json(data)

        def number(value: str | None) -> Decimal | None:
            return Decimal(value) if value is not None else None

        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value is not None else None

        return cls(
            schedule=ScheduleEvaluation(
                planned_end=day(found.schedule.planned_end),
                actual_end=day(found.schedule.actual_end),
                days_late=found.schedule.days_late,
                on_time=found.schedule.on_time,
            ),
            budget=BudgetEvaluation(
                currency=found.budget.currency,
                budget=number(found.budget.budget),
                actual_cost=number(found.budget.actual_cost),
                variance=number(found.budget.variance),
                within_budget=found.budget.within_budget,
            ),
            scope=ScopeEvaluation(**vars(found.scope)),
            quality=QualityEvaluation(**vars(found.quality)),
        )


@strawberry.enum(description="Where a closeout's satisfaction comes from.")
class SatisfactionSource(Enum):
    CUSTOMER_SURVEY = strawberry.enum_value(
        "customer_survey", description="The customer answered the closeout survey (sendCloseoutSurvey)."
    )
    MANAGER = strawberry.enum_value(
        "manager", description="Typed in by the manager at closeout; no survey has been answered."
    )
    NONE = strawberry.enum_value("none", description="Neither: no answered survey, no value typed in.")


answered_surveys_by_project_id = grouped(
    cm.CLOSEOUT,
    lambda _context, ids: select(Survey).where(Survey.project_id.in_(ids), Survey.answered_at.is_not(None)),
    lambda row: row.project_id,
)


@strawberry.type(description="How a project ended: summary, customer satisfaction, evaluation against plan.")
class ProjectCloseout:
    summary: str = strawberry.field(description="The manager's summary.")
    closed_on: date = strawberry.field(description="When it was closed out.")
    evaluation: ProjectEvaluation = strawberry.field(description="Against plan, frozen at closing.")
    closed_by_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    manager_satisfaction: strawberry.Private[int | None]
    manager_comment: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, row: cm.ProjectCloseout) -> ProjectCloseout:
        return cls(
            summary=row.summary,
            closed_on=row.closed_on,
            evaluation=ProjectEvaluation.from_json(row.evaluation),
            closed_by_id=row.closed_by_id,
            project_id=row.project_id,
            manager_satisfaction=row.satisfaction,
            manager_comment=row.satisfaction_comment,
        )

    async def customer_answer(self, info: Info) -> Survey | None:
        """The project's answered survey (at most one: surveys_project_answer_idx)."""
        loader = info.context.loader("answered_surveys_by_project_id", answered_surveys_by_project_id)
        answers = await loader.load(self.project_id)
        return answers[0] if answers else None

    @strawberry.field(
        description="The customer's satisfaction, 1-5: their answer to the closeout survey once given, "
        "else the value the manager typed in (see satisfactionSource)."
    )
    async def satisfaction(self, info: Info) -> int | None:
        answer = await self.customer_answer(info)
        return answer.score if answer else self.manager_satisfaction

    @strawberry.field(description="What the customer said, from the same source as satisfaction.")
    async def satisfaction_comment(self, info: Info) -> str | None:
        answer = await self.customer_answer(info)
        return answer.comment if answer else self.manager_comment

    @strawberry.field(description="Where satisfaction and satisfactionComment come from.")
    async def satisfaction_source(self, info: Info) -> SatisfactionSource:
        if await self.customer_answer(info) is not None:
            return SatisfactionSource.CUSTOMER_SURVEY
        given = self.manager_satisfaction is not None or self.manager_comment is not None
        return SatisfactionSource.MANAGER if given else SatisfactionSource.NONE

    @strawberry.field(description="When the customer answered the closeout survey; null before.")
    async def satisfaction_answered_at(self, info: Info) -> datetime | None:
        answer = await self.customer_answer(info)
        return answer.answered_at if answer else None

    @strawberry.field(description="Who closed it out.")
    async def closed_by(self, info: Info) -> User | None:
        return await owner(info, self.closed_by_id)


@strawberry.type(description="A lesson learned on a project, shared with the whole tenant.")
class Lesson(relay.Node):
    id: relay.NodeID[str]
    title: str = strawberry.field(description="The lesson in a line (max 300).")
    body: str = strawberry.field(description="What happened and what to do next time.")
    tags: list[str] = strawberry.field(description="Lower-cased tags (at most 10).")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    author_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """Any lesson of the tenant, for members who may read lessons."""
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Lesson]:
            if not actor.permissions.can(cm.LESSON, Action.READ):
                return {}
            rows = await (await info.context.session()).scalars(
                select(cm.Lesson).where(cm.Lesson.id.in_(ids))
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: cm.Lesson) -> Lesson:
        return cls(
            id=str(row.id),
            title=row.title,
            body=row.body,
            tags=list(row.tags),
            created_at=row.created_at,
            author_id=row.author_id,
            project_id=row.project_id,
        )

    @strawberry.field(description="Who recorded it.")
    async def author(self, info: Info) -> User | None:
        return await owner(info, self.author_id)

    @strawberry.field(description="The project it came from; null if you may not see that project.")
    async def project(self, info: Info) -> Annotated[Project, strawberry.lazy("graph.projects.types")] | None:
        record = await info.context.loader("projects_by_id", projects_by_id).load(self.project_id)
        return project_types.Project.from_model(record) if record else None


closeouts_by_project_id = grouped(
    cm.CLOSEOUT,
    lambda _context, ids: select(cm.ProjectCloseout).where(cm.ProjectCloseout.project_id.in_(ids)),
    lambda row: row.project_id,
)


async def project_closeout(info: Info, project_id: uuid.UUID) -> ProjectCloseout | None:
    rows = await info.context.loader("closeouts_by_project_id", closeouts_by_project_id).load(project_id)
    return ProjectCloseout.from_model(rows[0]) if rows else None


async def project_similar_lessons(info: Info, project_id: uuid.UUID, limit: int) -> list[Lesson]:
    record = await info.context.loader("projects_by_id", projects_by_id).load(project_id)
    if record is None:
        return []
    rows = await closeout.similar_lessons(await info.context.session(), info.context.actor, record, limit)
    return [Lesson.from_model(row) for row in rows]
