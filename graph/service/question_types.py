"""GraphQL types of free survey questions: how they are defined, shown, answered and reported."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from graph.service.question_results import QuestionResult
from graph.service.questions import MAX_OPTIONS, MAX_QUESTIONS, AnswerSpec, QuestionSpec


@strawberry.enum(description="The kind of a free survey question.")
class SurveyQuestionType(Enum):
    TEXT = "text"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    RATING = "rating"


@strawberry.type(description="A free question of a survey, after the CSAT or NPS score.")
class SurveyQuestion:
    key: str = strawberry.field(description="The question's key (q1, q2, ...): answers name it.")
    type: SurveyQuestionType = strawberry.field(description="How it is answered.")
    label: str = strawberry.field(description="The question as the customer reads it.")
    required: bool = strawberry.field(description="An answer without it is refused (REQUIRED).")
    options: list[str] | None = strawberry.field(description="A choice question's options, in order.")
    scale: int | None = strawberry.field(description="A rating's top value (ratings run from 1).")

    @classmethod
    def from_stored(cls, question: dict[str, Any]) -> SurveyQuestion:
        return cls(
            key=question["key"],
            type=SurveyQuestionType(question["type"]),
            label=question["label"],
            required=question["required"],
            options=question.get("options"),
            scale=question.get("scale"),
        )


@strawberry.input(description="A free question of a new survey definition.")
class SurveyQuestionInput:
    type: SurveyQuestionType = strawberry.field(description="How it is answered.")
    label: str = strawberry.field(description="The question (1-300 characters).")
    required: bool = strawberry.field(default=False, description="Whether an answer must include it.")
    options: list[str] | None = strawberry.field(
        default=None,
        description=f"Choice questions only: 2-{MAX_OPTIONS} distinct options of 1-100 characters.",
    )
    scale: int | None = strawberry.field(default=None, description="Ratings only: the top value, 3-10.")

    def spec(self) -> QuestionSpec:
        return QuestionSpec(self.type.value, self.label, self.required, self.options, self.scale)


@strawberry.input(description="The answer to one free question; give the field its type asks for.")
class SurveyAnswerInput:
    key: str = strawberry.field(description="The question's key (q1, q2, ...).")
    text: str | None = strawberry.field(default=None, description="TEXT: at most 2,000 characters.")
    choices: list[str] | None = strawberry.field(
        default=None, description="SINGLE_CHOICE (exactly one) or MULTI_CHOICE: options of the question."
    )
    rating: int | None = strawberry.field(default=None, description="RATING: 1 to the question's scale.")

    def spec(self) -> AnswerSpec:
        return AnswerSpec(self.key, self.text, self.choices, self.rating)


@strawberry.type(description="How often one option of a choice question was chosen.")
class SurveyOptionCount:
    option: str = strawberry.field(description="The option.")
    count: int = strawberry.field(description="Answers that chose it.")


@strawberry.type(description="The answers to one free question in one group of the results.")
class SurveyQuestionResult:
    key: str = strawberry.field(description="The question's key.")
    label: str = strawberry.field(description="The question.")
    type: SurveyQuestionType = strawberry.field(description="Its kind.")
    responses: int = strawberry.field(description="Answers that answered it.")
    average: Decimal | None = strawberry.field(description="RATING: the mean, 2 decimals; null otherwise.")
    options: list[SurveyOptionCount] = strawberry.field(description="Choice questions: every option's count.")
    texts: list[str] = strawberry.field(description="TEXT: the latest 20 answers, newest first.")

    @classmethod
    def from_result(cls, result: QuestionResult) -> SurveyQuestionResult:
        return cls(
            key=result.key,
            label=result.label,
            type=SurveyQuestionType(result.type),
            responses=result.responses,
            average=result.average,
            options=[SurveyOptionCount(option=option, count=count) for option, count in result.options],
            texts=list(result.texts),
        )


QUESTIONS_DESCRIPTION = f"Free questions after the score (at most {MAX_QUESTIONS})."
