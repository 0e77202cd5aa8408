"""Inputs and payloads of time, expense and cost rate mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from graph.core.errors import UserError
from graph.projects.costs.types import Expense, TimeEntry, UserCostRate
from graph.projects.inputs import described


@strawberry.input(
    description="Hours on a task; `userId` defaults to you (others need the project's manager)."
)
class LogTimeInput:
    task_id: relay.GlobalID = strawberry.field(description="The Task.")
    work_date: date = strawberry.field(description="The day worked (not in the future).")
    hours: Decimal = strawberry.field(description="0.01-24; at most 24 per person and day.")
    billable: bool = strawberry.field(default=True, description="Billable to the client.")
    note: str | None = described("Max 1,000 characters.")
    user_id: relay.GlobalID | None = described("Who worked (a project member); default you.")


@strawberry.input(description="A cost recorded against a project.")
class RecordExpenseInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project.")
    description: str = strawberry.field(description="1-500 characters.")
    amount: Decimal = strawberry.field(description="Greater than zero.")
    currency: str | None = described("ISO 4217; defaults to the project's currency.")
    incurred_on: date = strawberry.field(description="When it was incurred (also the conversion date).")


@strawberry.type(description="Result of logging or deleting time.")
class TimeEntryPayload:
    time_entry: TimeEntry | None = strawberry.field(default=None, description="The entry.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of recording an expense.")
class ExpensePayload:
    expense: Expense | None = strawberry.field(default=None, description="The expense.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")


@strawberry.type(description="Result of setting a cost rate.")
class UserCostRatePayload:
    cost_rate: UserCostRate | None = strawberry.field(default=None, description="The rate.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
