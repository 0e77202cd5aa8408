"""Survey definitions (a CSAT or NPS score plus free questions) and schedules that send one to a marketing
segment of contacts, once or on a repeat, run by the `service.survey_schedules` job.

Both are tenant settings of the service desk (capability manage_settings). A schedule's segment is
evaluated as its owner, the member who created it, sees it when the job runs (marketing's own
`segments.member_ids`: the owner's record scope, the segment's filter or frozen ids): a schedule never
reaches a contact its owner could not list, and one whose owner left or lost the segment stops (no run).
Each recipient gets a survey of their own, with its own token (one answer, expiry after the schedule's
`valid_days`), queued for mail (graph/service/survey_mail.py); contacts without an address or who opted
out get none, and each run records how many were queued and skipped. A run locks its schedule and moves
`next_run_at` past `now` in the same transaction, so a second runner, or a second run at the same time,
sends nothing twice; runs a stopped job missed are not made up (one run, then the next date ahead).
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.core.rules import check_version, flush_versioned
from graph.crm.models import Contact
from graph.marketing.segments import get_segment, member_ids
from graph.service import survey_mail
from graph.service.calendar import service_settings
from graph.service.models import SURVEY_KINDS, Survey, SurveyDefinition, SurveySchedule, SurveyScheduleRun
from graph.service.questions import QuestionSpec, clean_questions
from graph.service.sla import update_service_settings
from graph.service.surveys import new_survey
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.identity import role_permissions
from tenants.ids import new_id
from tenants.models import Membership, Role
from tenants.permissions import Actor, Capability
from tenants.validation import optional_text, required_text

REPEATS = ("once", "daily", "weekly", "monthly")
# Recipients per run: a larger segment gets its first MAX_RECIPIENTS contacts (in the list's order).
MAX_RECIPIENTS = 10_000
BATCH = 20  # schedules per job run and tenant; the next run takes the rest
MAX_LEAD_YEARS = 5  # a schedule starts at most this far ahead (and at most a day back)


async def create_definition(
    session: AsyncSession,
    actor: Actor,
    name: str | None,
    kind: str,
    intro: str | None,
    questions: Sequence[QuestionSpec],
) -> SurveyDefinition:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    errors: list[DomainError] = []
    cleaned: dict[str, object] = {}
    for key, rule in {
        "name": lambda: required_text(name, "name", 200),
        "intro": lambda: optional_text(intro, "intro", 2000),
        "questions": lambda: clean_questions(questions),
    }.items():
        try:
            cleaned[key] = rule()
        except ValidationErrors as error:
            errors += error.errors
        except DomainError as error:
            errors.append(error)
    if kind not in SURVEY_KINDS:
        errors.append(DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(SURVEY_KINDS)}.", "kind"))
    if errors:
        raise ValidationErrors(errors)
    definition = SurveyDefinition(
        tenant_id=actor.tenant_id, id=new_id(), kind=kind, active=True, created_by_id=actor.user_id, **cleaned
    )
    session.add(definition)
    await session.flush()
    await audit.record(
        session,
        actor,
        "survey_definition.created",
        "survey_definition",
        definition.id,
        {"name": [None, definition.name]},
    )
    return definition


async def get_definition(
    session: AsyncSession, tenant_id: uuid.UUID, definition_id: uuid.UUID | None, field: str
) -> SurveyDefinition:
    definition = (
        await session.get(SurveyDefinition, (tenant_id, definition_id)) if definition_id is not None else None
    )
    if definition is None or definition.tenant_id != tenant_id:
        raise not_found("survey definition", field)
    return definition


def visible_definitions(actor: Actor) -> Select[tuple[SurveyDefinition]]:
    """The tenant's definitions, by name (members who manage its settings)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    statement = select(SurveyDefinition).where(SurveyDefinition.tenant_id == actor.tenant_id)
    return statement.order_by(SurveyDefinition.name, SurveyDefinition.id)


async def use_on_close(session: AsyncSession, actor: Actor, definition_id: uuid.UUID | None) -> None:
    """The definition a closed ticket's survey uses from now on (None: the bare score of `surveyKind`)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    if definition_id is not None:
        await get_definition(session, actor.tenant_id, definition_id, "definitionId")
    settings = await service_settings(session, actor.tenant_id)
    if settings is None:
        settings = await update_service_settings(session, actor, {})
    settings.survey_definition_id = definition_id
    await session.flush()


def next_date(repeat: str, after: datetime, now: datetime) -> datetime | None:
    """The first date of the repeat after `after` that is later than `now` (None for a one-off)."""
    if repeat == "once":
        return None
    moment = after
    while moment <= now:
        if repeat == "daily":
            moment += timedelta(days=1)
        elif repeat == "weekly":
            moment += timedelta(days=7)
        else:
            year, month = (moment.year + moment.month // 12, moment.month % 12 + 1)
            day = min(after.day, calendar.monthrange(year, month)[1])
            moment = moment.replace(year=year, month=month, day=day)
    return moment


async def create_schedule(
    session: AsyncSession,
    actor: Actor,
    values: dict[str, object],
    now: datetime,
) -> SurveySchedule:
    """`values`: name, definition_id, segment_id, repeat, starts_at (default now), valid_days (14)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    errors: list[DomainError] = []
    name = None
    try:
        name = required_text(values.get("name"), "name", 200)  # type: ignore[arg-type]
    except DomainError as error:
        errors.append(error)
    repeat = values.get("repeat")
    if repeat not in REPEATS:
        errors.append(DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(REPEATS)}.", "repeat"))
    valid_days = values.get("valid_days")
    valid_days = 14 if valid_days is None else valid_days
    if not isinstance(valid_days, int) or not 1 <= valid_days <= 365:
        errors.append(DomainError(ErrorCode.INVALID, "A survey is valid 1 to 365 days.", "validDays"))
    starts_at = values.get("starts_at") or now
    if not now - timedelta(days=1) <= starts_at <= now + timedelta(days=366 * MAX_LEAD_YEARS):  # type: ignore[operator]
        errors.append(
            DomainError(
                ErrorCode.INVALID, f"Start between yesterday and {MAX_LEAD_YEARS} years ahead.", "startsAt"
            )
        )
    definition_id = values.get("definition_id")
    try:
        definition = await get_definition(session, actor.tenant_id, definition_id, "definitionId")  # type: ignore[arg-type]
        if not definition.active:
            errors.append(
                DomainError(ErrorCode.INVALID, "This survey definition is archived.", "definitionId")
            )
    except DomainError as error:
        errors.append(error)
    try:
        segment = await get_segment(session, actor, values.get("segment_id"), "segmentId")  # type: ignore[arg-type]
        if segment.target != "contact":
            errors.append(
                DomainError(ErrorCode.INVALID, "A survey goes to a segment of contacts.", "segmentId")
            )
    except DomainError as error:
        errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    schedule = SurveySchedule(
        tenant_id=actor.tenant_id,
        id=new_id(),
        name=name,
        definition_id=definition_id,
        segment_id=segment.id,
        owner_id=actor.user_id,
        repeat=repeat,
        valid_days=valid_days,
        active=True,
        next_run_at=starts_at,
        run_count=0,
    )
    session.add(schedule)
    await session.flush()
    await audit.record(
        session, actor, "survey_schedule.created", "survey_schedule", schedule.id, {"name": [None, name]}
    )
    return schedule


def visible_schedules(actor: Actor) -> Select[tuple[SurveySchedule]]:
    """The tenant's schedules, newest first (members who manage its settings)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    statement = select(SurveySchedule).where(SurveySchedule.tenant_id == actor.tenant_id)
    return statement.order_by(SurveySchedule.created_at.desc(), SurveySchedule.id.desc())


async def stop_schedule(
    session: AsyncSession, actor: Actor, schedule_id: uuid.UUID, version: int
) -> SurveySchedule:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    schedule = await session.scalar(
        select(SurveySchedule)
        .where(SurveySchedule.tenant_id == actor.tenant_id, SurveySchedule.id == schedule_id)
        .with_for_update()
    )
    if schedule is None:
        raise not_found("survey schedule")
    check_version(schedule, version, "survey schedule")
    schedule.active, schedule.next_run_at = False, None
    await flush_versioned(session, "survey schedule")
    await audit.record(session, actor, "survey_schedule.stopped", "survey_schedule", schedule.id, {})
    return schedule


async def runs_of(
    session: AsyncSession, tenant_id: uuid.UUID, schedule_id: uuid.UUID
) -> list[SurveyScheduleRun]:
    return list(
        await session.scalars(
            select(SurveyScheduleRun)
            .where(SurveyScheduleRun.tenant_id == tenant_id, SurveyScheduleRun.schedule_id == schedule_id)
            .order_by(SurveyScheduleRun.ran_at.desc(), SurveyScheduleRun.id.desc())
            .limit(50)
        )
    )


async def owner_actor(session: AsyncSession, schedule: SurveySchedule) -> Actor | None:
    """The schedule's owner as they are now (None: no longer an active member)."""
    row = (
        await session.execute(
            select(Membership, Role)
            .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
            .where(
                Membership.tenant_id == schedule.tenant_id,
                Membership.user_id == schedule.owner_id,
                Membership.is_active,
            )
        )
    ).one_or_none()
    if row is None:
        return None
    membership, role = row
    return Actor(schedule.tenant_id, membership.user_id, role_permissions(role), membership.team_id, role.key)


async def run_schedule(
    session: AsyncSession, schedule: SurveySchedule, now: datetime
) -> SurveyScheduleRun | None:
    """One run: a survey per reachable contact of the segment, queued for mail; None when it stopped."""
    actor = await owner_actor(session, schedule)
    definition = await session.get(SurveyDefinition, (schedule.tenant_id, schedule.definition_id))
    try:
        if actor is None or definition is None or not definition.active:
            raise not_found("segment", "segmentId")
        segment = await get_segment(session, actor, schedule.segment_id, "segmentId")
        ids = await member_ids(session, actor, segment)
    except DomainError:
        schedule.active, schedule.next_run_at = False, None
        return None
    contacts = (
        await session.execute(
            select(Contact.id, Contact.emails, Contact.email_opt_out).where(
                Contact.tenant_id == schedule.tenant_id,
                Contact.id.in_(ids.limit(MAX_RECIPIENTS).scalar_subquery()),
            )
        )
    ).all()
    settings = await service_settings(session, schedule.tenant_id)
    counts = {survey_mail.QUEUED: 0, survey_mail.NO_EMAIL: 0, survey_mail.OPTED_OUT: 0}
    pending: list[tuple[Survey, str, str]] = []
    for contact_id, emails, opted_out in contacts:
        outcome = survey_mail.outcome_for(emails, opted_out)
        counts[outcome] += 1
        if outcome != survey_mail.QUEUED:
            continue
        survey, token = new_survey(
            schedule.tenant_id,
            definition.kind,
            now,
            settings,
            valid_days=schedule.valid_days,
            schedule_id=schedule.id,
            contact_id=contact_id,
            definition_id=definition.id,
        )
        session.add(survey)
        pending.append((survey, token, survey_mail.first_address(emails) or ""))
    await session.flush()
    for survey, token, address in pending:
        session.add(survey_mail.mailing(survey, address, token, definition.name, definition.intro, now))
    run = SurveyScheduleRun(
        tenant_id=schedule.tenant_id,
        id=new_id(),
        schedule_id=schedule.id,
        ran_at=now,
        recipients=len(contacts),
        queued=counts[survey_mail.QUEUED],
        without_email=counts[survey_mail.NO_EMAIL],
        opted_out=counts[survey_mail.OPTED_OUT],
    )
    session.add(run)
    schedule.last_run_at, schedule.run_count = now, schedule.run_count + 1
    schedule.next_run_at = next_date(schedule.repeat, schedule.next_run_at or now, now)
    schedule.active = schedule.next_run_at is not None
    return run


@job("service.survey_schedules")
async def run_due_schedules(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    due = list(
        await session.scalars(
            select(SurveySchedule)
            .where(
                SurveySchedule.tenant_id == tenant_id,
                SurveySchedule.active,
                SurveySchedule.next_run_at <= now,
            )
            .order_by(SurveySchedule.next_run_at, SurveySchedule.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    queued = 0
    for schedule in due:
        run = await run_schedule(session, schedule, now)
        queued += run.queued if run else 0
    await session.flush()
    return f"{len(due)} survey schedule(s) run, {queued} survey(s) queued"
