"""People and capacity root fields: load against capacity, and who could take the work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id
from graph.core.pagination import Connection, connection_of
from graph.projects.resources import capacity
from graph.projects.resources.types import AssignmentSuggestion, ResourceLoad

Start = Annotated[date, strawberry.argument(description="A day in the first week (its Monday is used).")]
Weeks = Annotated[int, strawberry.argument(description="How many weeks, 1-26.")]


@strawberry.type
class ResourceQuery:
    @strawberry.field(
        description="Capacity against allocated hours per member and week, the team's totals, and every "
        "over-allocated member-week. Members of `teamId`, or `userIds`, or all active members (max 200)."
    )
    async def resource_load(
        self,
        info: Info,
        start: Start,
        weeks: Weeks = 4,
        team_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only members of this Team.")
        ] = None,
        user_ids: Annotated[
            list[relay.GlobalID] | None, strawberry.argument(description="Only these Users (max 200).")
        ] = None,
    ) -> ResourceLoad:
        session, actor = await info.context.session(), info.context.actor
        users = (
            [decode_id(user_id, "User", "userIds") for user_id in user_ids] if user_ids is not None else None
        )
        loads = await capacity.resource_load(
            session, actor, start, weeks, decode_optional_id(team_id, "Team", "teamId"), users
        )
        return ResourceLoad.from_loads(loads, weeks)

    @strawberry.field(
        description="Active members with a skill, those with the hours free in every week first, then by "
        "most free time (the tightest week counts), then by level."
    )
    async def assignment_suggestions(
        self,
        info: Info,
        skill: Annotated[str, strawberry.argument(description="The skill (case-insensitive).")],
        start: Start,
        hours: Annotated[Decimal, strawberry.argument(description="Hours needed each week, 0.01-168.")],
        weeks: Weeks = 1,
        min_level: Annotated[int, strawberry.argument(description="Lowest level to include, 1-5.")] = 1,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AssignmentSuggestion]:
        session, actor = await info.context.session(), info.context.actor
        found = await capacity.suggest_assignees(session, actor, skill, start, weeks, hours, min_level)
        items = [AssignmentSuggestion.from_suggestion(item) for item in found]
        return connection_of(items, lambda item: item.user_id, first, after, last, before)
