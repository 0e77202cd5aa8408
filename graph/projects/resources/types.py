"""GraphQL types of people and capacity: skills, weekly load against capacity, allocations and
assignment suggestions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry
from sqlalchemy import select

from graph.core.context import Info
from graph.core.loaders import grouped
from graph.identity.types import User, owner
from graph.projects.access import in_visible_projects
from graph.projects.resources import capacity
from graph.projects.resources import models as rm


@strawberry.type(description="A skill of a member, with its level.")
class MemberSkill:
    skill: str = strawberry.field(description="The skill's name, trimmed and lower-cased (max 100).")
    level: int = strawberry.field(description="1 (novice) to 5 (expert).")

    @classmethod
    def from_model(cls, row: rm.MemberSkill) -> MemberSkill:
        return cls(skill=row.skill, level=row.level)


@strawberry.type(description="One week of one member (or a team's sum): hours available against allocated.")
class WeekLoad:
    week_start: date = strawberry.field(description="The Monday that starts the week.")
    capacity: Decimal = strawberry.field(description="Hours available that week (less approved leave).")
    allocated: Decimal = strawberry.field(description="Hours allocated across all projects that week.")
    leave_days: int = strawberry.field(
        description="Working days on approved leave that week (a team total sums its members')."
    )
    free: Decimal = strawberry.field(description="Capacity minus allocated; negative when over-allocated.")
    over_allocated: bool = strawberry.field(description="True when allocated exceeds capacity.")

    @classmethod
    def from_load(cls, load: capacity.WeekLoad) -> WeekLoad:
        return cls(
            week_start=load.week_start,
            capacity=load.capacity,
            allocated=load.allocated,
            leave_days=load.leave_days,
            free=load.free,
            over_allocated=load.over_allocated,
        )


@strawberry.type(description="A member's week over capacity: a warning, not a refusal.")
class OverAllocation:
    week_start: date = strawberry.field(description="The Monday that starts the week.")
    capacity: Decimal = strawberry.field(description="The member's hours available that week.")
    allocated: Decimal = strawberry.field(description="Hours allocated across all projects that week.")
    over_by: Decimal = strawberry.field(description="Allocated minus capacity (positive).")
    user_id: strawberry.Private[uuid.UUID]

    @classmethod
    def of(
        cls, user_id: uuid.UUID, week_start: date, capacity: Decimal, allocated: Decimal
    ) -> OverAllocation:
        return cls(
            week_start=week_start,
            capacity=capacity,
            allocated=allocated,
            over_by=allocated - capacity,
            user_id=user_id,
        )

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)


skills_by_user_id = grouped(
    "project",
    lambda _context, ids: (
        select(rm.MemberSkill)
        .where(rm.MemberSkill.user_id.in_(ids))
        .order_by(rm.MemberSkill.user_id, rm.MemberSkill.skill)
    ),
    lambda row: row.user_id,
)


async def member_skills(info: Info, user_id: uuid.UUID) -> list[MemberSkill]:
    rows = await info.context.loader("skills_by_user_id", skills_by_user_id).load(user_id)
    return [MemberSkill.from_model(row) for row in rows]


@strawberry.type(description="One member's capacity against load, week by week.")
class PersonLoad:
    weekly_capacity: Decimal = strawberry.field(description="Hours a week (default 40 until set).")
    weeks: list[WeekLoad] = strawberry.field(description="One entry per week asked for, in order.")
    over_allocations: list[OverAllocation] = strawberry.field(description="The weeks over capacity.")
    user_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_load(cls, load: capacity.PersonLoad) -> PersonLoad:
        return cls(
            weekly_capacity=load.weekly_capacity,
            weeks=[WeekLoad.from_load(week) for week in load.weeks],
            over_allocations=[
                OverAllocation.of(load.user_id, week.week_start, week.capacity, week.allocated)
                for week in load.over_allocated_weeks
            ],
            user_id=load.user_id,
        )

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)

    @strawberry.field(description="The member's skills, by name.")
    async def skills(self, info: Info) -> list[MemberSkill]:
        return await member_skills(info, self.user_id)


@strawberry.type(description="Capacity against load for a set of members (a team, chosen people, or all).")
class ResourceLoad:
    people: list[PersonLoad] = strawberry.field(description="Each member, in a stable order.")
    totals: list[WeekLoad] = strawberry.field(description="The members' sum per week (the team's load).")
    over_allocations: list[OverAllocation] = strawberry.field(
        description="Every member-week over capacity: what a planner resolves."
    )

    @classmethod
    def from_loads(cls, loads: list[capacity.PersonLoad], weeks: int) -> ResourceLoad:
        people = [PersonLoad.from_load(load) for load in loads]
        totals = []
        for index in range(weeks):
            week_loads = [load.weeks[index] for load in loads]
            if not week_loads:
                break
            totals.append(
                WeekLoad.from_load(
                    capacity.WeekLoad(
                        week_loads[0].week_start,
                        sum((week.capacity for week in week_loads), Decimal(0)),
                        sum((week.allocated for week in week_loads), Decimal(0)),
                        sum(week.leave_days for week in week_loads),
                    )
                )
            )
        return cls(
            people=people,
            totals=totals,
            over_allocations=[warning for person in people for warning in person.over_allocations],
        )


@strawberry.type(description="A member's hours on a project in one week.")
class Allocation:
    week_start: date = strawberry.field(description="The Monday that starts the week.")
    hours: Decimal = strawberry.field(description="Hours on this project that week (0.01-168).")
    version: int = strawberry.field(description="Increases with every change.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")
    user_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: rm.Allocation) -> Allocation:
        return cls(
            week_start=row.week_start,
            hours=row.hours,
            version=row.version,
            updated_at=row.updated_at,
            user_id=row.user_id,
        )

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)


allocations_by_project_id = grouped(
    rm.ALLOCATION,
    lambda context, ids: (
        select(rm.Allocation)
        .where(
            rm.Allocation.project_id.in_(ids),
            in_visible_projects(context.actor, rm.ALLOCATION, rm.Allocation.project_id),
        )
        .order_by(rm.Allocation.project_id, rm.Allocation.week_start, rm.Allocation.user_id)
    ),
    lambda row: row.project_id,
)


async def project_allocations(info: Info, project_id: uuid.UUID) -> list[Allocation]:
    rows = await info.context.loader("allocations_by_project_id", allocations_by_project_id).load(project_id)
    return [Allocation.from_model(row) for row in rows]


@strawberry.type(description="A member who could take the work: has the skill, and how much time is free.")
class AssignmentSuggestion:
    level: int = strawberry.field(description="The member's level in the skill (1-5).")
    free_hours: Decimal = strawberry.field(
        description="Free hours in the tightest week asked about (negative when already over capacity)."
    )
    fits: bool = strawberry.field(description="True when the hours asked for fit in every week.")
    user_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_suggestion(cls, suggestion: capacity.Suggestion) -> AssignmentSuggestion:
        return cls(
            level=suggestion.level,
            free_hours=suggestion.free_hours,
            fits=suggestion.fits,
            user_id=suggestion.user_id,
        )

    @strawberry.field(description="The member.")
    async def user(self, info: Info) -> User | None:
        return await owner(info, self.user_id)
