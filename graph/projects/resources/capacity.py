"""People and capacity: skills and weekly capacity per member, allocations of members to projects per
week, load against capacity with over-allocation warnings, and assignment suggestions.

- Skills and capacity describe a member of the tenant; setting them needs manage_settings (like cost
  rates, graph/projects/costs/costs.py). A member without a capacity row has DEFAULT_WEEKLY_HOURS.
- An allocation puts a project member on a project for some hours of one week (weeks start on Monday).
  Allocating is changing the project's plan: its manager's (or a wider role's) work, on an open project.
  Hours 0 remove the allocation. Over-allocation is a warning, not a refusal: plans are drafted over
  capacity and then resolved, and the warning names the member, the week, the capacity and the load.
- Capacity honours approved leave: a week loses a fifth of its hours per working day on leave, from the
  leave sources other areas register (`register_leave_source`: daily work registers approved leave).
- Load counts every allocation of a member, whatever project: a person's week is full or not regardless
  of who may see the projects filling it. Which projects fill it is shown only for projects the reader
  may see (`Project.allocations`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.identity.members import active_member
from graph.live.events import announce
from graph.projects.access import get_managed_project, require_project_member
from graph.projects.planning.tasks import open_project
from graph.projects.resources.models import ALLOCATION, Allocation, MemberCapacity, MemberSkill
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Membership
from tenants.permissions import Action, Actor, Capability
from tenants.validation import required_text

DEFAULT_WEEKLY_HOURS = Decimal("40.00")
MAX_WEEK_HOURS = Decimal(168)
MAX_WEEKS = 26
MAX_PEOPLE = 200
HUNDREDTH = Decimal("0.01")


def week_hours(value: Decimal, field_name: str, *, allow_zero: bool) -> Decimal:
    low = "0" if allow_zero else "0.01"
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero) or value > MAX_WEEK_HOURS:
        raise DomainError(ErrorCode.INVALID, f"Give between {low} and 168 hours a week.", field_name)
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def monday(value: date, field_name: str = "weekStart") -> date:
    if value.isoweekday() != 1:
        start = value - timedelta(days=value.isoweekday() - 1)
        raise DomainError(
            ErrorCode.INVALID,
            f"Weeks start on Monday; {value.isoformat()} is in the week of {start}.",
            field_name,
        )
    return value


def week_of(value: date) -> date:
    return value - timedelta(days=value.isoweekday() - 1)


def skill_name(value: str | None, field_name: str = "skill") -> str:
    return required_text(value, field_name, 100).strip().lower()


async def set_member_skill(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, skill: str, level: int
) -> MemberSkill:
    """Adds or re-levels a member's skill (1 novice - 5 expert); needs manage_settings."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    await active_member(session, actor, user_id, "userId")
    name = skill_name(skill)
    if not 1 <= level <= 5:
        raise DomainError(ErrorCode.INVALID, "A skill level is 1 (novice) to 5 (expert).", "level")
    row = await session.scalar(
        select(MemberSkill).where(MemberSkill.user_id == user_id, MemberSkill.skill == name)
    )
    before = {"skill": name, "level": row.level} if row else {}
    if row is None:
        row = MemberSkill(tenant_id=actor.tenant_id, user_id=user_id, skill=name, level=level)
        session.add(row)
    else:
        row.level = level
    await session.flush()
    await audit.record(
        session,
        actor,
        "member_skill.set",
        "user",
        user_id,
        audit.diff(before, {"skill": name, "level": level}),
    )
    return row


async def remove_member_skill(session: AsyncSession, actor: Actor, user_id: uuid.UUID, skill: str) -> None:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    name = skill_name(skill)
    row = await session.scalar(
        select(MemberSkill).where(MemberSkill.user_id == user_id, MemberSkill.skill == name)
    )
    if row is None:
        raise not_found("skill", "skill")
    await session.delete(row)
    await session.flush()
    await audit.record(
        session, actor, "member_skill.remove", "user", user_id, {"skill": name, "level": [row.level, None]}
    )


async def set_member_capacity(
    session: AsyncSession, actor: Actor, user_id: uuid.UUID, weekly_hours: Decimal
) -> MemberCapacity:
    """A member's hours available per week (0-168); needs manage_settings."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    await active_member(session, actor, user_id, "userId")
    hours = week_hours(weekly_hours, "weeklyHours", allow_zero=True)
    row = await session.scalar(select(MemberCapacity).where(MemberCapacity.user_id == user_id))
    before = row.weekly_hours if row else DEFAULT_WEEKLY_HOURS
    if row is None:
        row = MemberCapacity(tenant_id=actor.tenant_id, user_id=user_id, weekly_hours=hours)
        session.add(row)
    else:
        row.weekly_hours = hours
    await session.flush()
    await audit.record(
        session, actor, "member_capacity.set", "user", user_id, {"weekly_hours": [str(before), str(hours)]}
    )
    await announce(session, actor.tenant_id, "resource.capacity_set", user=user_id)
    return row


@dataclass
class WeekLoad:
    week_start: date
    capacity: Decimal
    allocated: Decimal
    leave_days: int = 0  # working days (Monday-Friday) of the week on approved leave

    @property
    def free(self) -> Decimal:
        return self.capacity - self.allocated

    @property
    def over_allocated(self) -> bool:
        return self.allocated > self.capacity


@dataclass
class PersonLoad:
    user_id: uuid.UUID
    weekly_capacity: Decimal
    weeks: list[WeekLoad] = field(default_factory=list)

    @property
    def over_allocated_weeks(self) -> list[WeekLoad]:
        return [week for week in self.weeks if week.over_allocated]


@dataclass
class Warning:
    user_id: uuid.UUID
    week_start: date
    capacity: Decimal
    allocated: Decimal


async def capacities(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    rows = await session.execute(
        select(MemberCapacity.user_id, MemberCapacity.weekly_hours).where(
            MemberCapacity.user_id.in_(user_ids)
        )
    )
    found = dict(rows.all())
    return {user_id: found.get(user_id, DEFAULT_WEEKLY_HOURS) for user_id in user_ids}


# Where approved leave comes from: areas that keep leave (attendance and leave requests) register a source
# with one line, `register_leave_source(approved_leave)`, so the capacity honours it without this area
# depending on theirs. A source returns (user id, first day, last day) periods overlapping [start, end).
LeaveSource = Callable[
    [AsyncSession, list[uuid.UUID], date, date], Awaitable[Iterable[tuple[uuid.UUID, date, date]]]
]
LEAVE_SOURCES: list[LeaveSource] = []
WORKING_DAYS = 5


def register_leave_source(source: LeaveSource) -> None:
    if source not in LEAVE_SOURCES:
        LEAVE_SOURCES.append(source)


async def leave_days(
    session: AsyncSession, user_ids: list[uuid.UUID], start: date, end: date
) -> dict[tuple[uuid.UUID, date], int]:
    """Working days on leave per (member, week start), from every registered source."""
    days: dict[uuid.UUID, set[date]] = defaultdict(set)
    for source in LEAVE_SOURCES:
        for user_id, first, last in await source(session, user_ids, start, end):
            day = max(first, start)
            while day <= last and day < end:
                if day.isoweekday() <= WORKING_DAYS:
                    days[user_id].add(day)
                day += timedelta(days=1)
    counted: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    for user_id, dates in days.items():
        for day in dates:
            counted[(user_id, week_of(day))] += 1
    return counted


def week_capacity(weekly: Decimal, days_off: int) -> Decimal:
    """The weekly hours less a fifth for each working day on leave."""
    return (weekly * (WORKING_DAYS - days_off) / WORKING_DAYS).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


async def loads(
    session: AsyncSession, user_ids: list[uuid.UUID], start: date, weeks: int
) -> dict[uuid.UUID, PersonLoad]:
    """Capacity (less approved leave) against allocated hours for each member and week from `start` (a
    Monday)."""
    end = start + timedelta(weeks=weeks)
    rows = await session.execute(
        select(Allocation.user_id, Allocation.week_start, func.sum(Allocation.hours))
        .where(Allocation.user_id.in_(user_ids), Allocation.week_start >= start, Allocation.week_start < end)
        .group_by(Allocation.user_id, Allocation.week_start)
    )
    allocated: dict[tuple[uuid.UUID, date], Decimal] = defaultdict(Decimal)
    for user_id, week, hours in rows.all():
        allocated[(user_id, week)] = Decimal(hours)
    leave = await leave_days(session, user_ids, start, end) if user_ids else {}
    result = {}
    for user_id, capacity in (await capacities(session, user_ids)).items():
        person = PersonLoad(user_id=user_id, weekly_capacity=capacity)
        for index in range(weeks):
            week = start + timedelta(weeks=index)
            days_off = leave.get((user_id, week), 0)
            person.weeks.append(
                WeekLoad(week, week_capacity(capacity, days_off), allocated[(user_id, week)], days_off)
            )
        result[user_id] = person
    return result


async def allocate(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID,
    user_id: uuid.UUID,
    week_start: date,
    hours: Decimal,
) -> tuple[Allocation | None, list[Warning]]:
    """Sets a project member's hours on the project for one week (0 removes them). Returns the allocation
    and, when the member's week is now over capacity, a warning saying by how much."""
    project = await get_managed_project(session, actor, project_id, "projectId", lock=True)
    open_project(project)
    week = monday(week_start)
    amount = week_hours(hours, "hours", allow_zero=True)
    await require_project_member(session, project.id, user_id, "userId")
    row = await session.scalar(
        select(Allocation)
        .where(
            Allocation.project_id == project.id, Allocation.user_id == user_id, Allocation.week_start == week
        )
        .with_for_update()
    )
    before = row.hours if row else None
    if amount == 0:
        actor.require(ALLOCATION, Action.DELETE)
        if row is None:
            raise not_found("allocation", "weekStart")
        await session.delete(row)
        row = None
    elif row is None:
        actor.require(ALLOCATION, Action.CREATE)
        row = Allocation(
            tenant_id=actor.tenant_id,
            project_id=project.id,
            user_id=user_id,
            week_start=week,
            hours=amount,
            created_by_id=actor.user_id,
        )
        session.add(row)
    else:
        actor.require(ALLOCATION, Action.UPDATE)
        row.hours = amount
    await session.flush()
    changes = {
        "user_id": str(user_id),
        "week_start": week.isoformat(),
        "hours": [str(before) if before is not None else None, str(amount) if amount else None],
    }
    await audit.record(session, actor, "allocation.set", "project", project.id, changes)
    await announce(session, actor.tenant_id, "resource.allocated", project=project.id, user=user_id)
    person = (await loads(session, [user_id], week, 1))[user_id]
    warnings = [
        Warning(user_id, load.week_start, load.capacity, load.allocated)
        for load in person.over_allocated_weeks
    ]
    return row, warnings


async def people(
    session: AsyncSession, actor: Actor, team_id: uuid.UUID | None, user_ids: list[uuid.UUID] | None
) -> list[uuid.UUID]:
    """Active members to show: the given users, the team's members, or everyone (at most MAX_PEOPLE)."""
    statement = select(Membership.user_id).where(
        Membership.tenant_id == actor.tenant_id, Membership.is_active.is_(True)
    )
    if team_id is not None:
        statement = statement.where(Membership.team_id == team_id)
    if user_ids is not None:
        if len(user_ids) > MAX_PEOPLE:
            raise DomainError(ErrorCode.INVALID, f"Ask for at most {MAX_PEOPLE} people.", "userIds")
        statement = statement.where(Membership.user_id.in_(user_ids))
    return list(await session.scalars(statement.order_by(Membership.user_id).limit(MAX_PEOPLE)))


def weeks_count(weeks: int) -> int:
    if not 1 <= weeks <= MAX_WEEKS:
        raise DomainError(ErrorCode.INVALID, f"Ask for 1 to {MAX_WEEKS} weeks.", "weeks")
    return weeks


async def resource_load(
    session: AsyncSession,
    actor: Actor,
    start: date,
    weeks: int,
    team_id: uuid.UUID | None = None,
    user_ids: list[uuid.UUID] | None = None,
) -> list[PersonLoad]:
    """Capacity against load per member and week, from the week containing `start`."""
    actor.require(ALLOCATION, Action.READ)
    count = weeks_count(weeks)
    members = await people(session, actor, team_id, user_ids)
    by_user = await loads(session, members, week_of(start), count)
    return [by_user[user_id] for user_id in members]


@dataclass
class Suggestion:
    user_id: uuid.UUID
    level: int
    free_hours: Decimal
    fits: bool


async def suggest_assignees(
    session: AsyncSession,
    actor: Actor,
    skill: str,
    start: date,
    weeks: int,
    hours: Decimal,
    min_level: int = 1,
) -> list[Suggestion]:
    """Active members with the skill at `min_level` or above, those with `hours` free in every week first,
    then by most free hours (the tightest week counts), then by level."""
    actor.require(ALLOCATION, Action.READ)
    name = skill_name(skill)
    needed = week_hours(hours, "hours", allow_zero=False)
    count = weeks_count(weeks)
    if not 1 <= min_level <= 5:
        raise DomainError(ErrorCode.INVALID, "A skill level is 1 (novice) to 5 (expert).", "minLevel")
    rows = await session.execute(
        select(MemberSkill.user_id, MemberSkill.level)
        .join(
            Membership,
            (Membership.tenant_id == MemberSkill.tenant_id) & (Membership.user_id == MemberSkill.user_id),
        )
        .where(MemberSkill.skill == name, MemberSkill.level >= min_level, Membership.is_active.is_(True))
        .limit(MAX_PEOPLE)
    )
    levels = dict(rows.all())
    by_user = await loads(session, list(levels), week_of(start), count)
    suggestions = []
    for user_id, level in levels.items():
        free = min(week.free for week in by_user[user_id].weeks)
        suggestions.append(Suggestion(user_id, level, free, free >= needed))
    suggestions.sort(key=lambda item: (not item.fits, -item.free_hours, -item.level, item.user_id))
    return suggestions
