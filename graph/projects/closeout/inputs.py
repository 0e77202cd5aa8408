"""Inputs and payloads of closeout and lesson mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.core.errors import UserError
from graph.projects.closeout.types import Lesson, ProjectCloseout
from graph.projects.inputs import described
from graph.projects.types import Project


@strawberry.input(description="A lesson learned.")
class LessonInput:
    title: str = strawberry.field(description="1-300 characters.")
    body: str = strawberry.field(description="1-20,000 characters.")
    tags: list[str] | None = described("At most 10, each 1-50 characters (lower-cased).")


@strawberry.input(description="How the project ended.")
class CloseOutProjectInput:
    summary: str = strawberry.field(description="1-20,000 characters.")
    satisfaction: int | None = described(
        "The customer's satisfaction as the manager heard it, 1-5; the customer's own answer to the "
        "closeout survey (sendCloseoutSurvey) replaces it once given."
    )
    satisfaction_comment: str | None = described("What the customer said (max 2,000).")
    lessons: list[LessonInput] | None = described("Lessons learned (at most 20).")


@strawberry.type(description="Result of closing a project out.")
class CloseOutPayload:
    project: Project | None = strawberry.field(default=None, description="The project, now DONE.")
    closeout: ProjectCloseout | None = strawberry.field(default=None, description="The closeout.")
    lessons: list[Lesson] = strawberry.field(default_factory=list, description="The lessons recorded.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of recording a lesson.")
class LessonPayload:
    lesson: Lesson | None = strawberry.field(default=None, description="The lesson.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of sending a closeout survey.")
class SendCloseoutSurveyPayload:
    survey_token: str | None = strawberry.field(
        default=None,
        description="The token of the customer's survey link, shown only here (answered with answerSurvey, "
        "no login); deliver it to the contact.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="Answers are refused (EXPIRED) from then on."
    )
    closeout: ProjectCloseout | None = strawberry.field(default=None, description="The project's closeout.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
