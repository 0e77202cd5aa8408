"""Inputs and payloads of people and capacity mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from graph.core.errors import UserError
from graph.projects.resources.types import Allocation, MemberSkill, OverAllocation


@strawberry.input(description="A project member's hours on the project in one week.")
class AllocateMemberInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project (open, and yours to change).")
    user_id: relay.GlobalID = strawberry.field(description="The User (a member of the project).")
    week_start: date = strawberry.field(description="The Monday that starts the week.")
    hours: Decimal = strawberry.field(description="0-168 hours that week; 0 removes the allocation.")


@strawberry.type(description="Result of allocating a member: the allocation and any over-allocation.")
class AllocationPayload:
    allocation: Allocation | None = strawberry.field(
        default=None, description="The allocation; null when removed (hours 0) or refused."
    )
    over_allocations: list[OverAllocation] = strawberry.field(
        default_factory=list,
        description="The member's week when now over capacity (a warning: the allocation is saved).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of setting or removing a member's skill.")
class MemberSkillPayload:
    skill: MemberSkill | None = strawberry.field(default=None, description="The skill; null when removed.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of setting a member's weekly capacity.")
class MemberCapacityPayload:
    weekly_hours: Decimal | None = strawberry.field(default=None, description="The capacity now.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
