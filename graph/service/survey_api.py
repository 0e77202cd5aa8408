"""Survey queries and mutations: the public link (no login) and the results per agent, product, month.

The public fields are the only ones of the schema that run without a credential inside a tenant: each
runs in a transaction of its own inside the token's tenant (graph/service/surveys.py), never in the
request's transaction, which a signed-in caller's other root fields use concurrently in their tenant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.admin.access import Team
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.ids import decode_id
from graph.core.nodes import load_by_id
from graph.identity.types import User, owner
from graph.sales.commerce import loaders as commerce_loaders
from graph.sales.commerce.catalog_types import Product
from graph.service import clock, surveys
from graph.service.question_types import SurveyAnswerInput, SurveyQuestion, SurveyQuestionResult


@strawberry.enum(
    description="CSAT: satisfaction 1 (very unhappy) to 5 (very happy); NPS: 0-10 likelihood to recommend."
)
class SurveyKind(Enum):
    CSAT = "csat"
    NPS = "nps"


@strawberry.enum(description="How survey results are grouped.")
class SurveyGrouping(Enum):
    AGENT = "agent"
    TEAM = "team"
    PRODUCT = "product"
    MONTH = "month"


@strawberry.type(
    description="What a survey link shows its customer: the question and their own ticket or project."
)
class PublicSurvey:
    kind: SurveyKind = strawberry.field(description="The scale of the score.")
    ticket_number: str | None = strawberry.field(
        description="The ticket the survey is about; null for a project's closeout survey."
    )
    ticket_subject: str | None = strawberry.field(description="The ticket's subject; null for a project's.")
    project_name: str | None = strawberry.field(
        description="The project whose closeout the survey is about (only its name); null for a ticket's."
    )
    expires_at: datetime = strawberry.field(description="Answers are refused (EXPIRED) from then on.")
    answered: bool = strawberry.field(description="Already answered: a second answer is refused (DUPLICATE).")
    title: str | None = strawberry.field(
        default=None, description="The survey definition's name; null for a bare CSAT/NPS survey."
    )
    intro: str | None = strawberry.field(default=None, description="The definition's introduction, if any.")
    questions: list[SurveyQuestion] = strawberry.field(
        default_factory=list, description="Free questions after the score; answer them in `answers`."
    )

    @classmethod
    def from_view(cls, view: surveys.PublicSurveyView) -> PublicSurvey:
        return cls(
            kind=SurveyKind(view.kind),
            ticket_number=view.ticket_number,
            ticket_subject=view.ticket_subject,
            project_name=view.project_name,
            expires_at=view.expires_at,
            answered=view.answered,
            title=view.title,
            intro=view.intro,
            questions=[SurveyQuestion.from_stored(question) for question in view.questions],
        )


@strawberry.type(description="Survey answers of one agent, product or month.")
class SurveyResultRow:
    month: date | None = strawberry.field(description="First day of the month (UTC) when grouped by MONTH.")
    responses: int = strawberry.field(description="Answers in the group.")
    csat_responses: int = strawberry.field(description="CSAT answers.")
    csat_average: Decimal | None = strawberry.field(
        description="Mean CSAT score (1-5), 2 decimals; null without any."
    )
    csat_satisfied_percent: Decimal | None = strawberry.field(
        description="Share of CSAT answers of 4 or 5, in percent."
    )
    nps_responses: int = strawberry.field(description="NPS answers.")
    nps: int | None = strawberry.field(
        description="Promoters (9-10) minus detractors (0-6), percent of NPS answers."
    )
    row: strawberry.Private[surveys.ResultRow]

    @strawberry.field(description="With `definitionId`: the free questions' results of this group.")
    def questions(self) -> list[SurveyQuestionResult]:
        return [SurveyQuestionResult.from_result(result) for result in self.row.questions]

    @strawberry.field(description="The agent (the assignee when the ticket closed) when grouped by AGENT.")
    async def agent(self, info: Info) -> User | None:
        return await owner(info, self.row.agent_id) if self.row.agent_id else None

    @strawberry.field(description="The agent's team when grouped by TEAM; null: agents without a team.")
    async def team(self, info: Info) -> Team | None:
        if self.row.team_id is None:
            return None
        found = await Team.resolve_nodes(info=info, node_ids=[str(self.row.team_id)])
        return found[0]

    @strawberry.field(description="The ticket's product when grouped by PRODUCT; null: tickets without one.")
    async def product(self, info: Info) -> Product | None:
        record = await load_by_id(
            info, "products_by_id", commerce_loaders.products_by_id, self.row.product_id
        )
        return Product.from_model(record) if record else None


@strawberry.type(description="Survey results, one row per group (a null group last: no agent or product).")
class SurveyResults:
    rows: list[SurveyResultRow] = strawberry.field(description="The groups, in key order.")


@strawberry.input(description="A customer's answer through the survey link.")
class AnswerSurveyInput:
    token: str = strawberry.field(description="The token of the survey link.")
    score: int = strawberry.field(description="CSAT 1-5 or NPS 0-10, as the survey's kind says.")
    comment: str | None = strawberry.field(default=None, description="Free answer (max 5,000 characters).")
    answers: list[SurveyAnswerInput] | None = strawberry.field(
        default=None, description="Answers to the survey's free questions, one per question key."
    )


@strawberry.type(description="Result of answerSurvey.")
class AnswerSurveyPayload:
    survey: PublicSurvey | None = strawberry.field(default=None, description="The survey, now answered.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of optOutOfSurveyEmail.")
class OptOutPayload:
    opted_out: bool = strawberry.field(default=False, description="True once the contact has opted out.")
    errors: list[UserError] = payload_errors()


Token = Annotated[str, strawberry.argument(description="The token of the survey link.")]


@asynccontextmanager
async def survey_transaction(info: Info, token: str) -> AsyncIterator[AsyncSession]:
    """A transaction of its own in the token's tenant: committed on success, rolled back on an error."""
    async with info.context.db.transaction(surveys.tenant_of(token)) as session:
        yield session


def row_view(row: surveys.ResultRow) -> SurveyResultRow:
    return SurveyResultRow(
        month=row.month,
        responses=row.responses,
        csat_responses=row.csat_responses,
        csat_average=row.csat_average,
        csat_satisfied_percent=row.csat_satisfied_percent,
        nps_responses=row.nps_responses,
        nps=row.nps,
        row=row,
    )


@strawberry.type
class SurveyQuery:
    @strawberry.field(
        description="The survey behind a link (no login needed); NOT_FOUND for an unknown token."
    )
    async def public_survey(self, info: Info, token: Token) -> PublicSurvey:
        async with survey_transaction(info, token) as session:
            return PublicSurvey.from_view(await surveys.public_survey(session, token))

    @strawberry.field(
        description="Answered surveys grouped by agent, team, product or month (capability view_reports)."
    )
    async def survey_results(
        self,
        info: Info,
        group_by: Annotated[SurveyGrouping, strawberry.argument(description="The grouping.")],
        answered_from: Annotated[
            datetime | None, strawberry.argument(description="Answers at or after (UTC).")
        ] = None,
        answered_to: Annotated[
            datetime | None, strawberry.argument(description="Answers before (UTC).")
        ] = None,
        definition_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(
                description="Only this SurveyDefinition's surveys (closed tickets' and scheduled ones), "
                "with its free questions' results per row; without it: closed tickets' surveys."
            ),
        ] = None,
    ) -> SurveyResults:
        definition = decode_id(definition_id, "SurveyDefinition", "definitionId") if definition_id else None
        rows = await surveys.survey_results(
            await info.context.session(),
            info.context.actor,
            group_by.value,
            answered_from,
            answered_to,
            definition,
        )
        return SurveyResults(rows=[row_view(row) for row in rows])


@strawberry.type
class SurveyMutation:
    @strawberry.mutation(
        description="Answer a survey through its link (no login needed); once per link, before it expires."
    )
    @mutation_payload(AnswerSurveyPayload, savepoint=False)
    async def answer_survey(
        self, info: Info, input: Annotated[AnswerSurveyInput, strawberry.argument(description="The answer.")]
    ) -> AnswerSurveyPayload:
        async with survey_transaction(info, input.token) as session:
            view = await surveys.answer_survey(
                session,
                input.token,
                input.score,
                input.comment,
                clock.now(),
                [answer.spec() for answer in input.answers or []],
            )
        return AnswerSurveyPayload(survey=PublicSurvey.from_view(view))

    @strawberry.mutation(
        description="From a survey link (no login): the contact it went to gets no more survey email; "
        "pending ones are dropped. The link itself still takes an answer."
    )
    @mutation_payload(OptOutPayload, savepoint=False)
    async def opt_out_of_survey_email(self, info: Info, token: Token) -> OptOutPayload:
        async with survey_transaction(info, token) as session:
            await surveys.opt_out(session, token, clock.now())
        return OptOutPayload(opted_out=True)
