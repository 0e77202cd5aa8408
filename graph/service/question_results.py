"""Results of a survey definition's free questions, per group of the survey results (agent, team, product,
month): answers counted per question, the mean of a rating, each option's count for a choice question,
and the latest text answers. Computed in PostgreSQL from `surveys.answers` (`{key: value}`, the value's
JSON type telling the question's kind: graph/service/questions.py), two statements for any number of
questions and groups.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, Text, and_, case, cast, func, literal_column, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from graph.service.models import Survey, SurveyDefinition

LATEST_TEXTS = 20


@dataclass(frozen=True)
class QuestionResult:
    key: str
    label: str
    type: str
    responses: int
    average: Decimal | None
    options: tuple[tuple[str, int], ...]  # every option of a choice question, in the question's order
    texts: tuple[str, ...]  # the latest text answers, newest first


async def question_results(
    session: AsyncSession,
    definition: SurveyDefinition,
    key: Any,
    conditions: Sequence[ColumnElement[bool]],
) -> Callable[[Any], list[QuestionResult]]:
    """The definition's questions' results of a group key, in the surveys `conditions` select (zero
    answers for a group none of whose answers reached a free question)."""
    answer = (
        func.jsonb_each(Survey.answers).table_valued("key", "value", joins_implicitly=True).alias("answer")
    )
    kind = func.jsonb_typeof(answer.c.value)
    choices = (
        func.jsonb_array_elements_text(
            case((kind == "array", answer.c.value), else_=literal_column("'[]'::jsonb"))
        )
        .table_valued("value", joins_implicitly=True)
        .alias("choice")
    )
    answered = select(
        key.label("grp"), answer.c.key.label("key"), answer.c.value.label("value"), Survey.answered_at
    )
    answered = answered.select_from(Survey).join(answer, true()).where(*conditions)
    counts = (
        select(
            key.label("grp"),
            answer.c.key,
            func.count().label("responses"),
            func.round(func.avg(cast(cast(answer.c.value, Text), Numeric)).filter(kind == "number"), 2).label(
                "average"
            ),
        )
        .select_from(Survey)
        .join(answer, true())
        .where(*conditions)
        .group_by(key, answer.c.key)
    )
    ranked = answered.add_columns(
        func.row_number()
        .over(partition_by=[key, answer.c.key], order_by=Survey.answered_at.desc())
        .label("rank"),
        kind.label("kind"),
    ).subquery()
    details = select(
        ranked.c.grp,
        ranked.c.key,
        case((ranked.c.kind == "string", ranked.c.value.op("#>>")(literal_column("'{}'"))), else_=None).label(
            "text"
        ),
        ranked.c.rank,
    ).where(and_(ranked.c.kind == "string", ranked.c.rank <= LATEST_TEXTS))
    option_counts = (
        select(key.label("grp"), answer.c.key, choices.c.value.label("option"), func.count().label("chosen"))
        .select_from(Survey)
        .join(answer, true())
        .join(choices, true())
        .where(*conditions, kind == "array")
        .group_by(key, answer.c.key, choices.c.value)
    )
    totals: dict[tuple[Any, str], tuple[int, Decimal | None]] = {
        (row.grp, row.key): (row.responses, row.average) for row in await session.execute(counts)
    }
    chosen: dict[tuple[Any, str], dict[str, int]] = defaultdict(dict)
    for row in await session.execute(option_counts):
        chosen[(row.grp, row.key)][row.option] = row.chosen
    texts: dict[tuple[Any, str], list[tuple[int, str]]] = defaultdict(list)
    for row in await session.execute(details):
        texts[(row.grp, row.key)].append((row.rank, row.text))

    def for_group(group: Any) -> list[QuestionResult]:
        return [
            QuestionResult(
                key=question["key"],
                label=question["label"],
                type=question["type"],
                responses=totals.get((group, question["key"]), (0, None))[0],
                average=totals.get((group, question["key"]), (0, None))[1],
                options=tuple(
                    (option, chosen[(group, question["key"])].get(option, 0))
                    for option in question.get("options", [])
                ),
                texts=tuple(text for _, text in sorted(texts[(group, question["key"])])),
            )
            for question in definition.questions
        ]

    return for_group
