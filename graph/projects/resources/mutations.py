"""People and capacity mutations: skills, weekly capacity, allocations."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects.inputs import Input, UserId
from graph.projects.resources import capacity
from graph.projects.resources.inputs import (
    AllocateMemberInput,
    AllocationPayload,
    MemberCapacityPayload,
    MemberSkillPayload,
)
from graph.projects.resources.types import Allocation, MemberSkill, OverAllocation

SkillName = Annotated[str, strawberry.argument(description="1-100 characters; compared case-insensitively.")]


@strawberry.type
class ResourceMutation:
    @strawberry.mutation(description="Add or re-level a member's skill (manage_settings).")
    @mutation_payload(MemberSkillPayload)
    async def set_member_skill(
        self,
        info: Info,
        user_id: UserId,
        skill: SkillName,
        level: Annotated[int, strawberry.argument(description="1 (novice) to 5 (expert).")],
    ) -> MemberSkillPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await capacity.set_member_skill(
            session, actor, decode_id(user_id, "User", "userId"), skill, level
        )
        return MemberSkillPayload(skill=MemberSkill.from_model(row))

    @strawberry.mutation(description="Remove a member's skill (manage_settings).")
    @mutation_payload(MemberSkillPayload)
    async def remove_member_skill(self, info: Info, user_id: UserId, skill: SkillName) -> MemberSkillPayload:
        session, actor = await info.context.session(), info.context.actor
        await capacity.remove_member_skill(session, actor, decode_id(user_id, "User", "userId"), skill)
        return MemberSkillPayload()

    @strawberry.mutation(description="Set a member's hours available per week (manage_settings; default 40).")
    @mutation_payload(MemberCapacityPayload)
    async def set_member_capacity(
        self,
        info: Info,
        user_id: UserId,
        weekly_hours: Annotated[Decimal, strawberry.argument(description="0-168.")],
    ) -> MemberCapacityPayload:
        session, actor = await info.context.session(), info.context.actor
        row = await capacity.set_member_capacity(
            session, actor, decode_id(user_id, "User", "userId"), weekly_hours
        )
        return MemberCapacityPayload(weekly_hours=row.weekly_hours)

    @strawberry.mutation(
        description="Set a project member's hours on the project for one week (the project's manager); "
        "warns, without refusing, when the member's week goes over capacity."
    )
    @mutation_payload(AllocationPayload)
    async def allocate_member(self, info: Info, input: Input[AllocateMemberInput]) -> AllocationPayload:
        session, actor = await info.context.session(), info.context.actor
        row, warnings = await capacity.allocate(
            session,
            actor,
            decode_id(input.project_id, "Project", "projectId"),
            decode_id(input.user_id, "User", "userId"),
            input.week_start,
            input.hours,
        )
        return AllocationPayload(
            allocation=Allocation.from_model(row) if row else None,
            over_allocations=[
                OverAllocation.of(w.user_id, w.week_start, w.capacity, w.allocated) for w in warnings
            ],
        )
