"""Root fields of the reports area: built-in reports, saved reports and dashboards."""

from __future__ import annotations

from typing import Annotated

import strawberry

import graph.reports.jobs  # noqa: F401 - registers the reports.refresh job
from graph.core.context import Info
from graph.reports import engine
from graph.reports.types import ReportInput, ReportResult


@strawberry.type
class ReportsQuery:
    @strawberry.field(
        description="A built-in report computed now: sales performance, funnel, forecast vs actual, "
        "customers, receivables aging, projects, service, campaign ROI or activities (ReportKind), "
        "filtered by period, owner, team and custom fields, inside your role's record scope; metrics "
        "reading a field your role hides are not computed (`totals.hidden`). Chart-ready series, amounts "
        "in the base currency."
    )
    async def report(
        self, info: Info, input: Annotated[ReportInput, strawberry.argument(description="What to compute.")]
    ) -> ReportResult:
        session, actor = await info.context.session(), info.context.actor
        [result] = await engine.evaluate(session, actor, [(input.to_definition(), "input")])
        return ReportResult.from_result(result)
