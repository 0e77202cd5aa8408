"""Free survey questions: their definitions and the customer's answers, checked without I/O.

A definition's questions are a list of `{key, type, label, required, options, scale}`; the key (q1, q2, ...
in order) is what answers are stored under, so renaming a label keeps earlier answers. Types:
- TEXT: a free answer of at most 2,000 characters;
- SINGLE_CHOICE / MULTI_CHOICE: 2-20 distinct options of at most 100 characters; the answer is stored as a
  list of chosen options (one for a single choice), each one of the options;
- RATING: 1 to `scale` (3-10).
Answers are stored as `{key: "text" | ["option", ...] | rating}`, so the reports can tell the kinds apart
with `jsonb_typeof` (string, array, number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tenants.errors import DomainError, ErrorCode, ValidationErrors

QUESTION_TYPES = ("text", "single_choice", "multi_choice", "rating")
CHOICES = ("single_choice", "multi_choice")
MAX_QUESTIONS = 20
MAX_LABEL = 300
MAX_OPTIONS = 20
MAX_OPTION = 100
MAX_TEXT_ANSWER = 2000
SCALES = (3, 10)


@dataclass(frozen=True)
class QuestionSpec:
    """A question as a caller gives it (before keys are assigned)."""

    type: str
    label: str
    required: bool = False
    options: Sequence[str] | None = None
    scale: int | None = None


@dataclass(frozen=True)
class AnswerSpec:
    """One answer as the customer gives it: the field matching the question's type."""

    key: str
    text: str | None = None
    choices: Sequence[str] | None = None
    rating: int | None = None


def clean_questions(questions: Sequence[QuestionSpec], field: str = "questions") -> list[dict[str, Any]]:
    """The stored list (keys q1, q2, ...), or every problem at once, each on `questions.<index>.<part>`."""
    if len(questions) > MAX_QUESTIONS:
        raise DomainError(ErrorCode.TOO_LONG, f"A survey has at most {MAX_QUESTIONS} free questions.", field)
    errors: list[DomainError] = []
    cleaned: list[dict[str, Any]] = []
    for index, question in enumerate(questions):
        at = f"{field}.{index}"
        label = " ".join((question.label or "").split())
        if not label:
            errors.append(DomainError(ErrorCode.REQUIRED, "A question needs a label.", f"{at}.label"))
        elif len(label) > MAX_LABEL:
            errors.append(
                DomainError(ErrorCode.TOO_LONG, f"A label is at most {MAX_LABEL} characters.", f"{at}.label")
            )
        if question.type not in QUESTION_TYPES:
            errors.append(
                DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(QUESTION_TYPES)}.", f"{at}.type")
            )
            continue
        stored: dict[str, Any] = {
            "key": f"q{index + 1}",
            "type": question.type,
            "label": label,
            "required": bool(question.required),
        }
        errors += option_errors(question, at)
        if question.type in CHOICES:
            stored["options"] = [option.strip() for option in question.options or []]
        if question.type == "rating":
            if question.scale is None or not SCALES[0] <= question.scale <= SCALES[1]:
                errors.append(
                    DomainError(
                        ErrorCode.INVALID, f"A rating's scale is {SCALES[0]} to {SCALES[1]}.", f"{at}.scale"
                    )
                )
            stored["scale"] = question.scale
        cleaned.append(stored)
    if errors:
        raise ValidationErrors(errors)
    return cleaned


def option_errors(question: QuestionSpec, at: str) -> list[DomainError]:
    if question.type not in CHOICES:
        if question.options:
            return [DomainError(ErrorCode.INVALID, "Only choice questions have options.", f"{at}.options")]
        return []
    options = [option.strip() for option in question.options or []]
    if not 2 <= len(options) <= MAX_OPTIONS:
        return [DomainError(ErrorCode.INVALID, f"Give 2 to {MAX_OPTIONS} options.", f"{at}.options")]
    if any(not option or len(option) > MAX_OPTION for option in options):
        return [DomainError(ErrorCode.INVALID, f"An option is 1-{MAX_OPTION} characters.", f"{at}.options")]
    if len(set(options)) != len(options):
        return [DomainError(ErrorCode.DUPLICATE, "Options must differ from one another.", f"{at}.options")]
    return []


def clean_answers(questions: Sequence[dict[str, Any]], answers: Sequence[AnswerSpec]) -> dict[str, Any]:
    """The stored answers (`{key: value}`), or every problem at once on `answers.<key>`; an unknown key,
    a second answer to one question, a missing required answer or a value of the wrong kind is refused."""
    by_key = {question["key"]: question for question in questions}
    errors: list[DomainError] = []
    stored: dict[str, Any] = {}
    for answer in answers:
        at = f"answers.{answer.key}"
        question = by_key.get(answer.key)
        if question is None:
            errors.append(DomainError(ErrorCode.INVALID, "This survey has no such question.", at))
            continue
        if answer.key in stored:
            errors.append(DomainError(ErrorCode.DUPLICATE, "Answer each question once.", at))
            continue
        try:
            value = answer_value(question, answer, at)
        except DomainError as error:
            errors.append(error)
            continue
        if value is not None:
            stored[answer.key] = value
    for key, question in by_key.items():
        if (
            question["required"]
            and key not in stored
            and not any(e.field == f"answers.{key}" for e in errors)
        ):
            errors.append(DomainError(ErrorCode.REQUIRED, "This question needs an answer.", f"answers.{key}"))
    if errors:
        raise ValidationErrors(errors)
    return stored


def answer_value(question: dict[str, Any], answer: AnswerSpec, at: str) -> Any:
    """The value to store (None: left unanswered)."""
    kind = question["type"]
    given = {"text": answer.text, "choices": answer.choices, "rating": answer.rating}
    expected = {"text": "text", "single_choice": "choices", "multi_choice": "choices", "rating": "rating"}[
        kind
    ]
    if any(value is not None for name, value in given.items() if name != expected):
        raise DomainError(ErrorCode.INVALID, f"Answer this question with `{expected}`.", at)
    if kind == "text":
        text = (answer.text or "").strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise DomainError(ErrorCode.TOO_LONG, f"An answer is at most {MAX_TEXT_ANSWER} characters.", at)
        return text or None
    if kind == "rating":
        if answer.rating is None:
            return None
        if not 1 <= answer.rating <= question["scale"]:
            raise DomainError(ErrorCode.INVALID, f"Give a rating from 1 to {question['scale']}.", at)
        return answer.rating
    chosen = list(answer.choices or [])
    if not chosen:
        return None
    if kind == "single_choice" and len(chosen) != 1:
        raise DomainError(ErrorCode.INVALID, "Choose one option.", at)
    if len(set(chosen)) != len(chosen) or any(option not in question["options"] for option in chosen):
        raise DomainError(ErrorCode.INVALID, "Choose among the question's options, each once.", at)
    return chosen
