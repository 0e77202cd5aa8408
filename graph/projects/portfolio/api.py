"""The portfolio root field and the `portfolioChanged` subscription.

`portfolioChanged` tells a portfolio board when to refresh: any change that moves a project's fields,
status, health inputs (tasks, milestones, risks, time, expenses, materials, quality), allocations or a
member's capacity. Events carry ids only; each is re-read under the subscriber's own project scope, and a
project the subscriber may not see is never mentioned.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.live.context import Info as LiveInfo
from graph.live.context import LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream
from graph.projects import loaders
from graph.projects.enums import ProjectStatus
from graph.projects.models import PROJECT
from graph.projects.portfolio import portfolio
from graph.projects.portfolio.types import Portfolio
from graph.projects.types import Project

PORTFOLIO_EVENTS = ("project.", "task.", "milestone.", "risk.", "cost.", "resource.", "quality.")
PEOPLE_EVENTS = ("resource.capacity_set",)


@strawberry.type
class PortfolioQuery:
    @strawberry.field(
        description="The portfolio board: projects you may see (open ones by default, at most 500) with "
        "health, budget burn and this week's resource load."
    )
    async def portfolio(
        self,
        info: Info,
        on: Annotated[
            date | None, strawberry.argument(description="Judge by this day (default today, UTC).")
        ] = None,
        statuses: Annotated[
            list[ProjectStatus] | None,
            strawberry.argument(description="Only these statuses (default PLANNED, ACTIVE, ON_HOLD)."),
        ] = None,
    ) -> Portfolio:
        session, actor = await info.context.session(), info.context.actor
        day = on or datetime.now(UTC).date()
        found = await portfolio.portfolio(
            session, actor, day, [status.value for status in statuses] if statuses else None
        )
        return Portfolio.from_portfolio(found)


@strawberry.type(
    description=(
        "Something on the portfolio changed: refetch `portfolio`. `type` is `subscribed` first, then the "
        "event (`project.status_changed`, `task.created`, `cost.material_received`, `resource.allocated`, "
        "`quality.defect_recorded`, ...); `dropped` when events were lost."
    )
)
class PortfolioChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    project_id: relay.GlobalID | None = strawberry.field(
        description="The project it concerns; null for `subscribed`, `dropped` and a capacity change."
    )
    project: Project | None = strawberry.field(description="The project as you may see it now.")
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


@strawberry.type
class PortfolioSubscription:
    @strawberry.subscription(description="Tells a portfolio board to refresh; see PortfolioChange.")
    async def portfolio_changed(self, info: LiveInfo) -> AsyncGenerator[PortfolioChange, None]:
        def item(type_: str, project: Project | None = None) -> PortfolioChange:
            project_id = relay.GlobalID("Project", project.id) if project is not None else None
            return PortfolioChange(type=type_, project_id=project_id, project=project, dropped=False)

        async def subscribed(context: LiveContext) -> PortfolioChange:
            return item(SUBSCRIBED)

        def accepts(event: Event) -> bool:
            return event.type in PEOPLE_EVENTS or (
                event.type.startswith(PORTFOLIO_EVENTS) and event.id("project") is not None
            )

        async def deliver(context: LiveContext, event: Event) -> Delivery[PortfolioChange]:
            project_id = event.id("project")
            if project_id is None:
                return Delivery(item(event.type))
            record = await context.loader("projects_by_id", loaders.projects_by_id).load(project_id)
            if record is None:
                return Delivery(None)
            return Delivery(item(event.type, Project.from_model(record)))

        def dropped() -> PortfolioChange:
            return PortfolioChange(type=DROPPED_TYPE, project_id=None, project=None, dropped=True)

        async for change in live_stream(info, (PROJECT,), accepts, deliver, subscribed, dropped):
            yield change
