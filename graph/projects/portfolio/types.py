"""GraphQL types of the portfolio view."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.core.filters import After, Before, First, Last
from graph.core.pagination import Connection, connection_of
from graph.projects import types as project_types
from graph.projects.costs import health
from graph.projects.costs import types as cost_types
from graph.projects.portfolio import portfolio
from graph.projects.resources.types import ResourceLoad

if TYPE_CHECKING:
    from graph.projects.costs.types import CostSummary, ProjectHealth
    from graph.projects.types import Project

COSTS = "graph.projects.costs.types"


@strawberry.type(description="One project on the portfolio board.")
class PortfolioEntry:
    project: Annotated[Project, strawberry.lazy("graph.projects.types")] = strawberry.field(
        description="The project."
    )
    health: Annotated[ProjectHealth, strawberry.lazy(COSTS)] = strawberry.field(
        description="Its computed health on the portfolio's day, with the reasons."
    )
    cost: Annotated[CostSummary, strawberry.lazy(COSTS)] = strawberry.field(
        description="Budget against actual cost (burnPercent is the budget burn)."
    )
    allocated_hours: Decimal = strawberry.field(description="Hours allocated to it in the portfolio's week.")
    project_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_entry(cls, entry: portfolio.Entry) -> PortfolioEntry:
        return cls(
            project=project_types.Project.from_model(entry.project),
            health=cost_types.health_view(entry.health),
            cost=cost_types.cost_view(entry.cost),
            allocated_hours=entry.allocated_hours,
            project_id=entry.project.id,
        )


@strawberry.type(description="Budgets and costs of the portfolio's projects in one currency.")
class PortfolioCurrencyTotal:
    currency: str = strawberry.field(description="ISO 4217 code (projects keep their own currency).")
    budget: Decimal = strawberry.field(description="Sum of the budgets (projects without one count 0).")
    actual_cost: Decimal | None = strawberry.field(
        description="Sum of actual costs; null when one needs a missing exchange rate."
    )


@strawberry.type(description="Projects you may see, with health, budget burn and resource load.")
class Portfolio:
    on: date = strawberry.field(description="The day health is judged by; load is of its week.")
    project_count: int = strawberry.field(description="Projects in the view (at most 500).")
    on_track: int = strawberry.field(description="Projects ON_TRACK.")
    at_risk: int = strawberry.field(description="Projects AT_RISK.")
    off_track: int = strawberry.field(description="Projects OFF_TRACK.")
    currencies: list[PortfolioCurrencyTotal] = strawberry.field(description="Budget and cost per currency.")
    resource_load: ResourceLoad = strawberry.field(
        description="The week's capacity against load of everyone allocated to these projects."
    )
    all_entries: strawberry.Private[list[PortfolioEntry]]

    @classmethod
    def from_portfolio(cls, found: portfolio.Portfolio) -> Portfolio:
        return cls(
            on=found.on,
            project_count=len(found.entries),
            on_track=found.health_count(health.ON_TRACK),
            at_risk=found.health_count(health.AT_RISK),
            off_track=found.health_count(health.OFF_TRACK),
            currencies=[
                PortfolioCurrencyTotal(currency=total.currency, budget=total.budget, actual_cost=total.actual)
                for total in found.currencies
            ],
            resource_load=ResourceLoad.from_loads(found.people, 1),
            all_entries=[PortfolioEntry.from_entry(entry) for entry in found.entries],
        )

    @strawberry.field(description="The projects, by name.")
    def entries(
        self, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[PortfolioEntry]:
        return connection_of(self.all_entries, lambda entry: entry.project_id, first, after, last, before)
