"""Closing a project out, and lessons learned.

`close_out_project`: the project's manager finishes an active project with a summary, the customer's
satisfaction as they heard it (1-5; the customer's own answer to the closeout survey,
graph/projects/closeout/survey.py, replaces it when given) and the lessons the team learned. It moves the
project to `done` through the ordinary status change (history, actual end, events), and freezes the evaluation
against plan (graph/projects/closeout/evaluation.py). Refused while a defect is open or unverified, and,
for a customer project (one with an account), until the customer has signed an acceptance. A reopened
project closed out again replaces its closeout.

Lessons are a knowledge base shared across the tenant: whoever may read lessons reads all of them (the
point is to learn from projects one did not work on); the project they came from shows only to those who
may see it. They are searched by full text (English stemmed, and every word and two-character Chinese
part as written: graph/core/text_search.py) and tags, and a project shows the lessons
of other projects that resemble it (`similar_lessons`: the lessons sharing most words with its name and
description), so they surface when a similar project starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, cast, func, literal, select
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core import text_search
from graph.live.events import announce
from graph.projects.access import get_managed_project, get_project
from graph.projects.closeout.evaluation import evaluate, has_signed_acceptance
from graph.projects.closeout.models import CLOSEOUT, LESSON, Lesson, ProjectCloseout
from graph.projects.models import Project
from graph.projects.projects.projects import change_project_status
from graph.projects.quality.inspections import unresolved_defects
from graph.projects.rules import check_version, collect
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

MAX_LESSONS = 20
MAX_TAGS = 10
MAX_SIMILAR_WORDS = 30
STEMMED = "english"


def regconfig(name: str) -> ColumnElement[Any]:
    """A text search configuration by name (a bare string parameter would not pick the regconfig overload)."""
    return cast(literal(name), REGCONFIG)


def tags_of(values: Sequence[str] | None, field: str) -> list[str]:
    cleaned = sorted({required_text(tag, field, 50).strip().lower() for tag in values or ()})
    if len(cleaned) > MAX_TAGS:
        raise DomainError(ErrorCode.INVALID, f"At most {MAX_TAGS} tags.", field)
    return cleaned


def lesson_values(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    return collect(
        {
            "title": lambda: required_text(values.get("title"), f"{prefix}title", 300),
            "body": lambda: required_text(values.get("body"), f"{prefix}body", 20_000),
            "tags": lambda: tags_of(values.get("tags"), f"{prefix}tags"),
        }
    )


def new_lesson(actor: Actor, project_id: uuid.UUID, values: Mapping[str, Any]) -> Lesson:
    """English words stemmed (a search for "cable" finds "cables") and every word and Chinese bigram as
    written (graph/core/text_search.py), in one vector: either kind of query matches it."""
    texts = (values["title"], values["body"], " ".join(values["tags"]))
    search = func.to_tsvector(regconfig(STEMMED), " ".join(texts)).op("||")(text_search.plain_vector(*texts))
    return Lesson(
        tenant_id=actor.tenant_id, project_id=project_id, author_id=actor.user_id, search=search, **values
    )


async def add_lesson(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, values: Mapping[str, Any]
) -> Lesson:
    """A lesson from a project you may see (any time, not only at closeout)."""
    actor.require(LESSON, Action.CREATE)
    project = await get_project(session, actor, project_id, "projectId", object_type=LESSON)
    lesson = new_lesson(actor, project.id, lesson_values(values))
    session.add(lesson)
    await session.flush()
    await audit.record(
        session, actor, "lesson.create", LESSON, lesson.id, {"title": lesson.title, "tags": lesson.tags}
    )
    return lesson


def satisfaction_score(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 5:
        raise DomainError(
            ErrorCode.INVALID, "Satisfaction is 1 (very unhappy) to 5 (very happy).", "satisfaction"
        )
    return value


async def close_out_project(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> tuple[Project, ProjectCloseout, list[Lesson]]:
    actor.require(CLOSEOUT, Action.CREATE)
    project = await get_managed_project(session, actor, project_id, "projectId", lock=True)
    check_version(project, version, "project")
    lessons = values.get("lessons") or []
    if len(lessons) > MAX_LESSONS:
        raise DomainError(ErrorCode.INVALID, f"Record at most {MAX_LESSONS} lessons at once.", "lessons")
    if lessons:
        actor.require(LESSON, Action.CREATE)
    cleaned = collect(
        {
            "summary": lambda: required_text(values.get("summary"), "summary", 20_000),
            "satisfaction": lambda: satisfaction_score(values.get("satisfaction")),
            "satisfaction_comment": lambda: optional_text(
                values.get("satisfaction_comment"), "satisfactionComment", 2_000
            ),
            **{
                f"lessons.{index}": lambda lesson=lesson, index=index: lesson_values(
                    lesson, f"lessons.{index}."
                )
                for index, lesson in enumerate(lessons)
            },
        }
    )
    open_defects = await unresolved_defects(session, project.id)
    if open_defects:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"{open_defects} defect(s) are open or not yet verified; resolve them before closing out.",
            "projectId",
        )
    if project.account_id is not None and not await has_signed_acceptance(session, project.id):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "The customer has not signed an acceptance of this project yet "
            "(requestAcceptance, then signAcceptance).",
            "projectId",
        )
    today = datetime.now(UTC).date()
    project = await change_project_status(
        session, actor, project.id, version, "done", "Closed out", today=today
    )
    evaluation = (await evaluate(session, project)).as_json()
    closeout = await session.scalar(select(ProjectCloseout).where(ProjectCloseout.project_id == project.id))
    if closeout is None:
        closeout = ProjectCloseout(tenant_id=actor.tenant_id, project_id=project.id)
        session.add(closeout)
    closeout.summary = cleaned["summary"]
    closeout.satisfaction = cleaned["satisfaction"]
    closeout.satisfaction_comment = cleaned["satisfaction_comment"]
    closeout.evaluation = evaluation
    closeout.closed_on = today
    closeout.closed_by_id = actor.user_id
    rows = [new_lesson(actor, project.id, cleaned[f"lessons.{index}"]) for index in range(len(lessons))]
    session.add_all(rows)
    await session.flush()
    await audit.record(
        session,
        actor,
        "project.closed_out",
        CLOSEOUT,
        closeout.id,
        {"project_id": str(project.id), "satisfaction": closeout.satisfaction, "lessons": len(rows)},
    )
    await announce(session, actor.tenant_id, "project.closed_out", project.version, project=project.id)
    return project, closeout, rows


def lesson_statement(actor: Actor, search: str | None, tag: str | None) -> Select[tuple[Lesson]]:
    """Lessons of the whole tenant matching every word (every bigram of Chinese) of `search`, and `tag`."""
    actor.require(LESSON, Action.READ)
    statement = select(Lesson).where(Lesson.tenant_id == actor.tenant_id)
    if search is not None:
        words = required_text(search, "search", 200)
        stemmed = Lesson.search.op("@@")(func.websearch_to_tsquery(regconfig(STEMMED), words))
        as_written = text_search.all_of(words)
        statement = statement.where(
            stemmed | Lesson.search.op("@@")(as_written) if as_written is not None else stemmed
        )
    if tag is not None:
        statement = statement.where(Lesson.tags.contains([required_text(tag, "tag", 50).strip().lower()]))
    return statement


async def similar_lessons(session: AsyncSession, actor: Actor, project: Project, limit: int) -> list[Lesson]:
    """Lessons of other projects sharing the most words (Chinese: bigrams) with this project's name and
    description, one more when a tag is one of those words; newest first among equals."""
    if not actor.permissions.can(LESSON, Action.READ):
        return []
    text = f"{project.name} {project.description or ''}"
    stems = await session.scalar(select(func.tsvector_to_array(func.to_tsvector(regconfig(STEMMED), text))))
    chinese = [token for token in text_search.query_tokens(text) if text_search.is_cjk(token)]
    words = list(dict.fromkeys([*(stems or []), *chinese]))[:MAX_SIMILAR_WORDS]
    if not words:
        return []
    tagged = sorted({word.lower() for word in text.split()})[:MAX_SIMILAR_WORDS]
    matches: ColumnElement[int] = sum(
        (
            case(
                (Lesson.search.op("@@")(func.to_tsquery(regconfig("simple"), func.quote_literal(word))), 1),
                else_=0,
            )
            for word in words
        ),
        case((Lesson.tags.overlap(tagged), 1), else_=0),
    )
    rows = await session.scalars(
        select(Lesson)
        .where(Lesson.project_id != project.id, matches > 0)
        .order_by(matches.desc(), Lesson.created_at.desc(), Lesson.id.desc())
        .limit(limit)
    )
    return list(rows)
