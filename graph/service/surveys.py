"""Satisfaction surveys: sent when a ticket closes or a project is closed out (its manager sends one to
the customer's contact: graph/projects/closeout/survey.py), answered once through a tokenized public link.

The link's token is `crmv_<tenant id hex>_<256 random bits>`, stored only as its SHA-256 (like
invitations, tenants/tokens.py). An answer needs no login: the token's tenant part opens a transaction of
its own inside that tenant (`app.tenant_id` set like any request's, never the request's own transaction,
whose other root fields run concurrently in the caller's tenant) and the survey is found by the token's
hash under RLS; a forged tenant part or token finds nothing, and what the public side reads is that one
survey's question and its ticket's number and subject, or its project's name. One answer per token (the
row is locked, then answered once), none after `expires_at`.

Results (capability view_reports) are the service desk's, of ticket surveys only: responses, CSAT average
and share satisfied (4-5), NPS (promoters 9-10 minus detractors 0-6, in percent of answers) per agent,
the agent's team, product or month of the answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Numeric, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm.models import CONTACT, Contact
from graph.live.events import announce
from graph.projects.models import PROJECT, Project
from graph.service import survey_mail
from graph.service.calendar import service_settings
from graph.service.models import SCORE_RANGES, TICKET, Survey, SurveyDefinition, Ticket
from graph.service.question_results import QuestionResult, question_results
from graph.service.questions import AnswerSpec, clean_answers
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.ids import new_id
from tenants.models import Membership
from tenants.permissions import Actor, Capability
from tenants.tokens import digest, tenant_token, token_tenant
from tenants.validation import optional_text

SURVEY_PREFIX = "crmv_"
DEFAULT_SURVEY_KIND = "csat"
DEFAULT_VALID_DAYS = 14
GROUPINGS = ("agent", "team", "product", "month")


def new_survey_token(tenant_id: uuid.UUID) -> str:
    return tenant_token(SURVEY_PREFIX, tenant_id)


def survey_tenant(token: str) -> uuid.UUID | None:
    return token_tenant(SURVEY_PREFIX, token)


async def send_on_close(session: AsyncSession, ticket: Ticket, now: datetime) -> str | None:
    """The survey the tenant sends when a ticket closes (its definition's questions when the settings
    name one), mailed to the ticket's contact; returns the link's token (shown once), or None when the
    tenant sends none or the ticket already has one (a reopened and closed again ticket)."""
    settings = await service_settings(session, ticket.tenant_id)
    kind = settings.survey_kind if settings else DEFAULT_SURVEY_KIND
    if kind == "none":
        return None
    already = await session.scalar(
        select(Survey.id).where(Survey.tenant_id == ticket.tenant_id, Survey.ticket_id == ticket.id)
    )
    if already is not None:
        return None
    definition = None
    if settings is not None and settings.survey_definition_id is not None:
        definition = await session.get(SurveyDefinition, (ticket.tenant_id, settings.survey_definition_id))
    survey, token = new_survey(
        ticket.tenant_id,
        definition.kind if definition else kind,
        now,
        settings,
        ticket_id=ticket.id,
        agent_id=ticket.assignee_id,
        account_id=ticket.account_id,
        product_id=ticket.product_id,
        contact_id=ticket.contact_id,
        definition_id=definition.id if definition else None,
    )
    session.add(survey)
    await session.flush()
    subject = f"How did we do? {ticket.number}: {ticket.subject}"
    await survey_mail.mail_to_contact(
        session, survey, token, subject, definition.intro if definition else None, now
    )
    await announce(session, ticket.tenant_id, "survey.sent", None, survey=survey.id, ticket=ticket.id)
    return token


def new_survey(
    tenant_id: uuid.UUID,
    kind: str,
    now: datetime,
    settings: Any,
    valid_days: int | None = None,
    **subject: uuid.UUID | None,
) -> tuple[Survey, str]:
    """A survey of one subject (`ticket_id=`, `project_id=` or `schedule_id=`, with what it is grouped
    by), valid `valid_days` or else the tenant's `survey_valid_days` from `now`, and its link's token
    (only its hash is stored)."""
    days = valid_days or (settings.survey_valid_days if settings else DEFAULT_VALID_DAYS)
    token = new_survey_token(tenant_id)
    survey = Survey(
        tenant_id=tenant_id,
        id=new_id(),
        kind=kind,
        token_hash=digest(token),
        sent_at=now,
        expires_at=now + timedelta(days=days),
        **subject,
    )
    return survey, token


@dataclass(frozen=True)
class PublicSurveyView:
    """What the public link shows: nothing beyond this survey and its own ticket's number and subject, or
    its own project's name."""

    kind: str
    ticket_number: str | None
    ticket_subject: str | None
    project_name: str | None
    expires_at: datetime
    answered: bool
    title: str | None = None
    intro: str | None = None
    questions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SurveySubject:
    """The one record a survey is about: its ticket, or its project."""

    ticket: Ticket | None
    project: Project | None
    definition: SurveyDefinition | None = None


def unknown_link() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "This survey link is not valid.", "token")


def tenant_of(token: str) -> uuid.UUID:
    """The tenant whose transaction may look the token up (NOT_FOUND for what is no survey token)."""
    tenant_id = survey_tenant(token)
    if tenant_id is None:
        raise unknown_link()
    return tenant_id


async def survey_by_token(
    session: AsyncSession, token: str, *, lock: bool = False
) -> tuple[Survey, SurveySubject]:
    """In a transaction inside `tenant_of(token)`."""
    tenant_id = tenant_of(token)
    statement = (
        select(Survey, Ticket, Project, SurveyDefinition)
        .outerjoin(Ticket, (Ticket.tenant_id == Survey.tenant_id) & (Ticket.id == Survey.ticket_id))
        .outerjoin(Project, (Project.tenant_id == Survey.tenant_id) & (Project.id == Survey.project_id))
        .outerjoin(
            SurveyDefinition,
            (SurveyDefinition.tenant_id == Survey.tenant_id) & (SurveyDefinition.id == Survey.definition_id),
        )
        .where(Survey.tenant_id == tenant_id, Survey.token_hash == digest(token))
    )
    row = (await session.execute(statement.with_for_update(of=Survey) if lock else statement)).first()
    if row is None:
        raise unknown_link()
    return row[0], SurveySubject(ticket=row[1], project=row[2], definition=row[3])


def view(survey: Survey, subject: SurveySubject) -> PublicSurveyView:
    return PublicSurveyView(
        kind=survey.kind,
        ticket_number=subject.ticket.number if subject.ticket else None,
        ticket_subject=subject.ticket.subject if subject.ticket else None,
        project_name=subject.project.name if subject.project else None,
        expires_at=survey.expires_at,
        answered=survey.answered_at is not None,
        title=subject.definition.name if subject.definition else None,
        intro=subject.definition.intro if subject.definition else None,
        questions=tuple(subject.definition.questions) if subject.definition else (),
    )


async def public_survey(session: AsyncSession, token: str) -> PublicSurveyView:
    survey, subject = await survey_by_token(session, token)
    return view(survey, subject)


def clean_score(kind: str, score: int) -> int:
    low, high = SCORE_RANGES[kind]
    if not low <= score <= high:
        raise DomainError(ErrorCode.INVALID, f"Give a score from {low} to {high}.", "score")
    return score


async def answer_survey(
    session: AsyncSession,
    token: str,
    score: int,
    comment: str | None,
    now: datetime,
    answers: Sequence[AnswerSpec] = (),
) -> PublicSurveyView:
    """The customer's one answer: the score, a comment and the free questions' answers (checked against
    the survey's definition); refused once answered (DUPLICATE) or after expiry (EXPIRED)."""
    survey, subject = await survey_by_token(session, token, lock=True)
    if survey.answered_at is not None:
        raise DomainError(ErrorCode.DUPLICATE, "This survey has already been answered; thank you.", "token")
    if now >= survey.expires_at:
        raise DomainError(ErrorCode.EXPIRED, "This survey has expired.", "token")
    errors: list[DomainError] = []
    cleaned_comment = None
    try:
        score = clean_score(survey.kind, score)
    except DomainError as error:
        errors.append(error)
    try:
        cleaned_comment = optional_text(comment, "comment", 5000)
    except DomainError as error:
        errors.append(error)
    free: dict[str, Any] = {}
    try:
        free = clean_answers(subject.definition.questions if subject.definition else [], answers)
    except ValidationErrors as error:
        errors += error.errors
    if errors:
        raise ValidationErrors(errors)
    survey.score, survey.comment, survey.answered_at = score, cleaned_comment, now
    survey.answers = free
    await session.flush()
    changes = {"score": [None, score], "kind": [None, survey.kind]}
    object_type, object_id = survey_subject(survey)
    await audit.record(
        session, None, "survey.answered", object_type, object_id, changes, tenant_id=survey.tenant_id
    )
    await announce(
        session, survey.tenant_id, "survey.answered", None, survey=survey.id, **{object_type: object_id}
    )
    return view(survey, subject)


async def opt_out(session: AsyncSession, token: str, now: datetime) -> None:
    """The contact the link went to opts out of survey email (contacts.email_opt_out), from now on."""
    survey, _ = await survey_by_token(session, token)
    if survey.contact_id is None:
        raise DomainError(ErrorCode.INVALID, "This survey was not sent to a contact.", "token")
    await session.execute(
        update(Contact)
        .where(Contact.tenant_id == survey.tenant_id, Contact.id == survey.contact_id)
        .values(email_opt_out=True)
    )
    await survey_mail.drop_pending(session, survey.tenant_id, survey.contact_id, "opted out")
    await audit.record(
        session,
        None,
        "contact.email_opt_out",
        CONTACT,
        survey.contact_id,
        {"emailOptOut": [None, True], "at": [None, now.isoformat()]},
        tenant_id=survey.tenant_id,
    )


def survey_subject(survey: Survey) -> tuple[str, uuid.UUID | None]:
    """What an answer's audit entry and event are about: the ticket, the project, or the contact a
    scheduled survey went to."""
    if survey.ticket_id:
        return TICKET, survey.ticket_id
    if survey.project_id:
        return PROJECT, survey.project_id
    return CONTACT, survey.contact_id


@dataclass(frozen=True)
class ResultRow:
    agent_id: uuid.UUID | None
    team_id: uuid.UUID | None
    product_id: uuid.UUID | None
    month: date | None
    responses: int
    csat_responses: int
    csat_average: Decimal | None
    csat_satisfied_percent: Decimal | None
    nps_responses: int
    nps: int | None
    questions: tuple[QuestionResult, ...] = ()


def percent(part: Any, whole: Any) -> Any:
    return func.round(cast(part * 100, Numeric) / func.nullif(whole, 0), 1)


async def survey_results(
    session: AsyncSession,
    actor: Actor,
    group_by: str,
    answered_from: datetime | None,
    answered_to: datetime | None,
    definition_id: uuid.UUID | None = None,
) -> list[ResultRow]:
    """Answered surveys grouped by agent, team, product or month (UTC) of the answer, in [from, to).
    With `definition_id`: that definition's surveys only (a closed ticket's and scheduled ones), each
    row with its free questions' results (graph/service/question_results.py)."""
    actor.require_capability(Capability.VIEW_REPORTS)
    if group_by not in GROUPINGS:
        raise DomainError(ErrorCode.INVALID, f"Group by one of: {', '.join(GROUPINGS)}.", "groupBy")
    definition = None
    if definition_id is not None:
        definition = await session.get(SurveyDefinition, (actor.tenant_id, definition_id))
        if definition is None:
            raise not_found("survey definition", "definitionId")
    key = {
        "agent": Survey.agent_id,
        # The agent's team now (a member who moved takes their answers along).
        "team": select(Membership.team_id)
        .where(Membership.tenant_id == Survey.tenant_id, Membership.user_id == Survey.agent_id)
        .scalar_subquery(),
        "product": Survey.product_id,
        "month": func.date_trunc("month", func.timezone("UTC", Survey.answered_at)),
    }[group_by]
    conditions = [
        Survey.tenant_id == actor.tenant_id,
        Survey.answered_at.is_not(None),
        # A project's closeout survey rates a project, not an agent's handling of a ticket.
        Survey.project_id.is_(None) if definition is not None else Survey.ticket_id.is_not(None),
    ]
    if definition is not None:
        conditions.append(Survey.definition_id == definition.id)
    if answered_from is not None:
        conditions.append(Survey.answered_at >= answered_from)
    if answered_to is not None:
        conditions.append(Survey.answered_at < answered_to)
    csat = Survey.kind == "csat"
    nps = Survey.kind == "nps"
    nps_count = func.count().filter(nps)
    promoters = func.count().filter(nps & (Survey.score >= 9))
    detractors = func.count().filter(nps & (Survey.score <= 6))
    statement = (
        select(
            key.label("key"),
            func.count().label("responses"),
            func.count().filter(csat).label("csat_responses"),
            func.round(func.avg(Survey.score).filter(csat), 2).label("csat_average"),
            percent(func.count().filter(csat & (Survey.score >= 4)), func.count().filter(csat)).label(
                "satisfied"
            ),
            nps_count.label("nps_responses"),
            cast(
                func.round(cast((promoters - detractors) * 100, Numeric) / func.nullif(nps_count, 0)), Integer
            ).label("nps"),
        )
        .where(*conditions)
        .group_by(key)
        .order_by(key.asc().nulls_last())
    )
    questions = None
    if definition is not None:
        questions = await question_results(session, definition, key, conditions)
    rows = []
    for row in await session.execute(statement):
        rows.append(
            ResultRow(
                agent_id=row.key if group_by == "agent" else None,
                team_id=row.key if group_by == "team" else None,
                product_id=row.key if group_by == "product" else None,
                month=row.key.date() if group_by == "month" and row.key is not None else None,
                responses=row.responses,
                csat_responses=row.csat_responses,
                csat_average=row.csat_average,
                csat_satisfied_percent=row.satisfied,
                nps_responses=row.nps_responses,
                nps=row.nps,
                questions=tuple(questions(row.key)) if questions else (),
            )
        )
    return rows
