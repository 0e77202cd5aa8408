"""Closeout and lesson mutations, and the lessons root list."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.projects.closeout import closeout, survey
from graph.projects.closeout.inputs import (
    CloseOutPayload,
    CloseOutProjectInput,
    LessonInput,
    LessonPayload,
    SendCloseoutSurveyPayload,
)
from graph.projects.closeout.models import Lesson as LessonRow
from graph.projects.closeout.models import ProjectCloseout as CloseoutRow
from graph.projects.closeout.types import Lesson, ProjectCloseout
from graph.projects.inputs import Input, ProjectId, Version, given_values
from graph.projects.types import Project
from graph.service import clock

ContactId = Annotated[
    relay.GlobalID, strawberry.argument(description="Global id of a Contact of the project's customer.")
]


@strawberry.type
class CloseoutMutation:
    @strawberry.mutation(
        description="Close an active project out (its manager): summary, customer satisfaction and lessons; "
        "the project becomes DONE and its evaluation against plan is kept. Needs no open defect and, for a "
        "customer project, a signed acceptance."
    )
    @mutation_payload(CloseOutPayload)
    async def close_out_project(
        self, info: Info, project_id: ProjectId, version: Version, input: Input[CloseOutProjectInput]
    ) -> CloseOutPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input, skip=("lessons",))
        values["lessons"] = [given_values(lesson) for lesson in input.lessons or []]
        project, row, lessons = await closeout.close_out_project(
            session, actor, decode_id(project_id, "Project", "projectId"), version, values
        )
        return CloseOutPayload(
            project=Project.from_model(project),
            closeout=ProjectCloseout.from_model(row),
            lessons=[Lesson.from_model(lesson) for lesson in lessons],
        )

    @strawberry.mutation(
        description="Send the customer's satisfaction survey (CSAT 1-5) of a closed-out customer project to "
        "a contact of its account (the manager): returns the link's token once. NO_CUSTOMER_ACCOUNT for a "
        "project without an account; DUPLICATE once answered or while a link is still open. The answer "
        "becomes the closeout's satisfaction."
    )
    @mutation_payload(SendCloseoutSurveyPayload)
    async def send_closeout_survey(
        self, info: Info, project_id: ProjectId, contact_id: ContactId
    ) -> SendCloseoutSurveyPayload:
        session, actor = await info.context.session(), info.context.actor
        sent, token = await survey.send_closeout_survey(
            session,
            actor,
            decode_id(project_id, "Project", "projectId"),
            decode_id(contact_id, "Contact", "contactId"),
            clock.now(),
        )
        row = await session.scalar(select(CloseoutRow).where(CloseoutRow.project_id == sent.project_id))
        return SendCloseoutSurveyPayload(
            survey_token=token,
            expires_at=sent.expires_at,
            closeout=ProjectCloseout.from_model(row) if row else None,
        )

    @strawberry.mutation(description="Record a lesson learned on a project you may see.")
    @mutation_payload(LessonPayload)
    async def add_lesson(self, info: Info, project_id: ProjectId, input: Input[LessonInput]) -> LessonPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await closeout.add_lesson(
            session, actor, decode_id(project_id, "Project", "projectId"), given_values(input)
        )
        return LessonPayload(lesson=Lesson.from_model(row))


@strawberry.type
class LessonQuery:
    @strawberry.field(
        description="Lessons learned across the tenant's projects, newest first: all words of `search` "
        "(English stemming: 'cables' finds 'cable'), and/or one tag."
    )
    async def lessons(
        self,
        info: Info,
        search: Annotated[str | None, strawberry.argument(description="Words to find (max 200).")] = None,
        tag: Annotated[str | None, strawberry.argument(description="Only lessons with this tag.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Lesson]:
        session, actor = await info.context.session(), info.context.actor
        statement = closeout.lesson_statement(actor, search, tag).order_by(
            LessonRow.created_at.desc(), LessonRow.id.desc()
        )
        return await paginate(session, statement, Lesson.from_model, first, after, before, last)
