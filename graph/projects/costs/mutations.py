"""Time, expense and cost rate mutations."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.ids import decode_id
from graph.projects.costs import costs
from graph.projects.costs.inputs import (
    ExpensePayload,
    LogTimeInput,
    RecordExpenseInput,
    TimeEntryPayload,
    UserCostRatePayload,
)
from graph.projects.costs.types import Expense, TimeEntry, UserCostRate
from graph.projects.inputs import (
    Input,
    given_values,
)


@strawberry.type
class CostMutation:
    @strawberry.mutation(description="Log hours on a task of a project you are a member of.")
    @mutation_payload(TimeEntryPayload)
    async def log_time(self, info: Info, input: Input[LogTimeInput]) -> TimeEntryPayload:
        session, actor = await info.context.session(), info.context.actor
        entry = await costs.log_time(session, actor, given_values(input))
        return TimeEntryPayload(time_entry=TimeEntry.from_model(entry))

    @strawberry.mutation(description="Delete your own time entry (or any, as the project's manager).")
    @mutation_payload(TimeEntryPayload)
    async def delete_time_entry(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A TimeEntry's `id`.")],
    ) -> TimeEntryPayload:
        session, actor = await info.context.session(), info.context.actor
        entry = await costs.delete_time_entry(session, actor, decode_id(id, "TimeEntry"))
        return TimeEntryPayload(time_entry=TimeEntry.from_model(entry))

    @strawberry.mutation(description="Record an expense against a project.")
    @mutation_payload(ExpensePayload)
    async def record_expense(self, info: Info, input: Input[RecordExpenseInput]) -> ExpensePayload:
        session, actor = await info.context.session(), info.context.actor
        expense = await costs.record_expense(session, actor, given_values(input))
        return ExpensePayload(expense=Expense.from_model(expense))

    @strawberry.mutation(description="Set a member's hourly cost rate (manage_settings).")
    @mutation_payload(UserCostRatePayload)
    async def set_user_cost_rate(
        self,
        info: Info,
        user_id: Annotated[relay.GlobalID, strawberry.argument(description="The User.")],
        hourly_rate: Annotated[Decimal, strawberry.argument(description="Not negative.")],
        currency: Annotated[str, strawberry.argument(description="ISO 4217.")],
    ) -> UserCostRatePayload:
        session, actor = await info.context.session(), info.context.actor
        rate = await costs.set_user_cost_rate(
            session, actor, decode_id(user_id, "User", "userId"), hourly_rate, currency
        )
        return UserCostRatePayload(cost_rate=UserCostRate.from_model(rate))
