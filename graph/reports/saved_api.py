"""Saved reports and dashboards: their GraphQL types, queries and mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Annotated

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors, user_errors
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id, encode_id, nodes_in_order
from graph.core.inputs import given_values
from graph.core.pagination import Connection, paginate
from graph.identity.types import User, owner
from graph.reports import catalog, models, saved
from graph.reports.types import ReportInput, ReportResult

Version = Annotated[int, strawberry.argument(description="The version you read (a stale one is CONFLICT).")]


@strawberry.type(description="A stored report definition: the `report` query's input, as saved.")
class ReportDefinition:
    kind: catalog.ReportKind = strawberry.field(description="Which built-in report.")
    metrics: list[catalog.Metric] = strawberry.field(description="Its metrics.")
    from_: date = strawberry.field(name="from", description="First day of the period.")
    to: date = strawberry.field(description="Day after the period.")
    group_by: catalog.Grouping = strawberry.field(description="Series per ...")
    bucket: catalog.TimeBucket = strawberry.field(description="Split over time by ...")
    owner_id: relay.GlobalID | None = strawberry.field(description="Only this User's figures.")
    team_id: relay.GlobalID | None = strawberry.field(description="Only this Team's members' figures.")
    custom: JSON = strawberry.field(description="Custom-field conditions, as given.")
    relative: catalog.RelativePeriod | None = strawberry.field(
        description="The moving period, when saved with one (from/to are then today's dates of it)."
    )

    @classmethod
    def from_json(cls, stored: dict[str, object]) -> ReportDefinition:
        definition = catalog.definition_from_json(stored)  # type: ignore[arg-type]
        return cls(
            kind=definition.kind,
            metrics=list(definition.metrics),
            from_=definition.starts_on,
            to=definition.ends_on,
            group_by=definition.group_by,
            bucket=definition.bucket,
            owner_id=encode_id("User", definition.owner_id) if definition.owner_id else None,
            team_id=encode_id("Team", definition.team_id) if definition.team_id else None,
            custom=catalog.conditions_to_json(definition.custom),
            relative=definition.relative,
        )


@strawberry.type(description="A saved report, alone or as a widget of a dashboard, and how it is drawn.")
class ReportWidget(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Its title.")
    chart_kind: catalog.ChartKind = strawberry.field(description="How it is drawn.")
    position: int = strawberry.field(description="Order on its dashboard (0 first).")
    definition: ReportDefinition = strawberry.field(description="What it computes.")
    shared_with_roles: list[str] = strawberry.field(
        description="Role keys whose members read it (a dashboard's widgets share the dashboard's)."
    )
    version: int = strawberry.field(description="Optimistic-concurrency version.")
    dashboard_id: strawberry.Private[uuid.UUID | None]
    owner_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who saved it.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(description="Its figures now, computed as you (your scope and field rules).")
    async def result(self, info: Info) -> ReportResult:
        session, actor = await info.context.session(), info.context.actor
        row = await saved.get_widget(session, actor, uuid.UUID(self.id))
        [outcome] = await saved.compute_widgets(session, actor, [row])
        if outcome.error is not None:
            raise outcome.error
        assert outcome.result is not None
        return ReportResult.from_result(outcome.result)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ReportWidget | None]:
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, ReportWidget]:
            session = await info.context.session()
            rows = await session.scalars(saved.visible_widgets(actor).where(models.ReportWidget.id.in_(ids)))
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: models.ReportWidget) -> ReportWidget:
        return cls(
            id=str(row.id),
            name=row.name,
            chart_kind=catalog.ChartKind(row.chart_kind),
            position=row.position,
            definition=ReportDefinition.from_json(row.definition),
            shared_with_roles=list(row.shared_with_roles),
            version=row.version,
            dashboard_id=row.dashboard_id,
            owner_id=row.owner_id,
        )


@strawberry.type(description="A dashboard widget with its figures, or why you cannot see them.")
class WidgetOutcome:
    widget: ReportWidget = strawberry.field(description="The widget.")
    figures: strawberry.Private[saved.WidgetFigures]

    @strawberry.field(
        description="Its figures, computed as you; null with `error`. The dashboard's widgets are computed "
        "together, and only when `result` is selected: names and positions alone read no report."
    )
    async def result(self) -> ReportResult | None:
        result = await self.figures.result(uuid.UUID(self.widget.id))
        return ReportResult.from_result(result) if result is not None else None

    @strawberry.field(
        description="Why it is not computed for you (PERMISSION_DENIED: your role does not read its records)."
    )
    def error(self) -> UserError | None:
        error = self.figures.error(uuid.UUID(self.widget.id))
        return user_errors(error)[0] if error is not None else None


@strawberry.type(description="A named set of report widgets, yours or shared with your role.")
class Dashboard(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Its title.")
    description: str | None = strawberry.field(description="What it is for, as its editor wrote it.")
    shared_with_roles: list[str] = strawberry.field(description="Role keys whose members read it.")
    version: int = strawberry.field(
        description="Optimistic-concurrency version: pass it to updateDashboard, reorderDashboardWidgets "
        "and deleteDashboard (stale: CONFLICT)."
    )
    owner_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who made it.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(
        description="Its widgets in order, each computed now as you when its `result` is selected; all "
        "together in a fixed number of database round trips, however many widgets."
    )
    async def widgets(self, info: Info) -> list[WidgetOutcome]:
        session, actor = await info.context.session(), info.context.actor
        dashboard = await saved.get_dashboard(session, actor, uuid.UUID(self.id))
        rows = await saved.dashboard_widgets(session, actor, dashboard)
        figures = saved.WidgetFigures(session, actor, rows)
        return [WidgetOutcome(widget=ReportWidget.from_model(row), figures=figures) for row in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Dashboard | None]:
        actor = info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Dashboard]:
            session = await info.context.session()
            rows = await session.scalars(saved.visible_dashboards(actor).where(models.Dashboard.id.in_(ids)))
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, row: models.Dashboard) -> Dashboard:
        return cls(
            id=str(row.id),
            name=row.name,
            description=row.description,
            shared_with_roles=list(row.shared_with_roles),
            version=row.version,
            owner_id=row.owner_id,
        )


@strawberry.input(description="A new dashboard.")
class CreateDashboardInput:
    name: str = strawberry.field(description="Its title (1-200 characters).")
    description: str | None = strawberry.field(
        default=None, description="What it is for (at most 2000 characters; blank: none)."
    )
    shared_with_roles: list[str] = strawberry.field(
        default_factory=list, description="Role keys to share it with (capability manage_settings)."
    )


@strawberry.input(description="Changes to a dashboard; a field left out keeps its value.")
class UpdateDashboardInput:
    name: str | None = strawberry.field(default=UNSET, description="Its new title (1-200 characters).")
    description: str | None = strawberry.field(
        default=UNSET, description="What it is for (at most 2000 characters); null or blank clears it."
    )
    shared_with_roles: list[str] | None = strawberry.field(
        default=UNSET,
        description="The role keys to share it with, replacing the list: [] unshares it; sharing needs "
        "capability manage_settings.",
    )


@strawberry.input(description="A report to save, alone or as a widget of a dashboard.")
class SaveReportInput:
    name: str = strawberry.field(description="Its title (1-200 characters).")
    chart_kind: catalog.ChartKind = strawberry.field(
        description="How to draw it (PIE: one metric, no buckets)."
    )
    definition: ReportInput = strawberry.field(
        description="What it computes; checked as you (a report your role cannot read: PERMISSION_DENIED)."
    )
    dashboard_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Add it to this Dashboard (one you may change) instead of saving it alone."
    )
    shared_with_roles: list[str] = strawberry.field(
        default_factory=list,
        description="Role keys to share a saved report with (capability manage_settings).",
    )


@strawberry.input(description="Changes to a saved report or widget; a field left out keeps its value.")
class UpdateReportWidgetInput:
    name: str | None = strawberry.field(default=UNSET, description="Its new title (1-200 characters).")
    chart_kind: catalog.ChartKind | None = strawberry.field(
        default=UNSET,
        description="How to draw it (PIE: one metric, no buckets), checked against the definition it keeps "
        "or the new one.",
    )
    definition: ReportInput | None = strawberry.field(
        default=UNSET,
        description="What it computes instead; checked as you, as saveReport checks it (a report your role "
        "cannot read: PERMISSION_DENIED).",
    )
    shared_with_roles: list[str] | None = strawberry.field(
        default=UNSET,
        description="A saved report's role keys, replacing the list: [] unshares it; sharing needs "
        "capability manage_settings. A dashboard's widget shares the dashboard's (only [] is accepted).",
    )


@strawberry.type(description="Result of changing a dashboard.")
class DashboardPayload:
    dashboard: Dashboard | None = strawberry.field(default=None, description="The dashboard.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of changing a saved report or widget.")
class ReportWidgetPayload:
    widget: ReportWidget | None = strawberry.field(default=None, description="The saved report or widget.")
    errors: list[UserError] = payload_errors()


@strawberry.type
class SavedReportsQuery:
    @strawberry.field(description="Dashboards you made or that are shared with your role, by name.")
    async def dashboards(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Dashboard]:
        statement = saved.visible_dashboards(info.context.actor).order_by(
            models.Dashboard.name, models.Dashboard.id
        )
        return await paginate(
            await info.context.session(), statement, Dashboard.from_model, first, after, before, last
        )

    @strawberry.field(description="Reports saved alone (not on a dashboard), yours or shared with your role.")
    async def saved_reports(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[ReportWidget]:
        statement = saved.visible_saved_reports(info.context.actor).order_by(
            models.ReportWidget.name, models.ReportWidget.id
        )
        return await paginate(
            await info.context.session(), statement, ReportWidget.from_model, first, after, before, last
        )


@strawberry.type
class SavedReportsMutation:
    @strawberry.mutation(description="Make a dashboard (yours; shared with roles needs manage_settings).")
    @mutation_payload(DashboardPayload)
    async def create_dashboard(
        self, info: Info, input: Annotated[CreateDashboardInput, strawberry.argument(description="It.")]
    ) -> DashboardPayload:
        session, actor = await info.context.session(), info.context.actor
        dashboard = await saved.create_dashboard(
            session, actor, input.name, input.shared_with_roles, input.description
        )
        return DashboardPayload(dashboard=Dashboard.from_model(dashboard))

    @strawberry.mutation(
        description="Rename a dashboard, change its description or its sharing. Yours while unshared; "
        "a shared one, or another member's, needs capability manage_settings (a member it is shared "
        "with only reads it: PERMISSION_DENIED)."
    )
    @mutation_payload(DashboardPayload)
    async def update_dashboard(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A Dashboard.")],
        version: Version,
        input: Annotated[UpdateDashboardInput, strawberry.argument(description="What to change.")],
    ) -> DashboardPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input, {})
        dashboard = await saved.update_dashboard(session, actor, decode_id(id, "Dashboard"), version, values)
        return DashboardPayload(dashboard=Dashboard.from_model(dashboard))

    @strawberry.mutation(
        description="Put a dashboard's widgets in a new order: list every one of its widgets exactly once "
        "(else INVALID on widgetIds). Who may: as updateDashboard."
    )
    @mutation_payload(DashboardPayload)
    async def reorder_dashboard_widgets(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A Dashboard.")],
        version: Version,
        widget_ids: Annotated[
            list[relay.GlobalID],
            strawberry.argument(description="Every ReportWidget id of the dashboard, in the new order."),
        ],
    ) -> DashboardPayload:
        session, actor = await info.context.session(), info.context.actor
        ids = [
            decode_id(widget_id, "ReportWidget", f"widgetIds.{index}")
            for index, widget_id in enumerate(widget_ids)
        ]
        dashboard = await saved.reorder_widgets(session, actor, decode_id(id, "Dashboard"), version, ids)
        return DashboardPayload(dashboard=Dashboard.from_model(dashboard))

    @strawberry.mutation(description="Delete a dashboard and its widgets (a shared one: manage_settings).")
    @mutation_payload(DashboardPayload)
    async def delete_dashboard(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A Dashboard.")],
        version: Version,
    ) -> DashboardPayload:
        session, actor = await info.context.session(), info.context.actor
        dashboard = await saved.delete_dashboard(session, actor, decode_id(id, "Dashboard"), version)
        return DashboardPayload(dashboard=Dashboard.from_model(dashboard))

    @strawberry.mutation(
        description="Save a report definition alone or as a dashboard widget; checked as you when saved, "
        "computed as each reader when read."
    )
    @mutation_payload(ReportWidgetPayload)
    async def save_report(
        self, info: Info, input: Annotated[SaveReportInput, strawberry.argument(description="What to save.")]
    ) -> ReportWidgetPayload:
        session, actor = await info.context.session(), info.context.actor
        values = saved.WidgetValues(
            name=input.name,
            chart_kind=input.chart_kind,
            definition=input.definition.to_definition("input.definition"),
            dashboard_id=decode_optional_id(input.dashboard_id, "Dashboard", "input.dashboardId"),
            shared_with_roles=tuple(input.shared_with_roles),
        )
        widget = await saved.save_widget(session, actor, values)
        return ReportWidgetPayload(widget=ReportWidget.from_model(widget))

    @strawberry.mutation(
        description="Rename a saved report or dashboard widget, change its chart kind, its definition or "
        "(saved alone) its sharing; it stays where it is (moving it to another dashboard is not an "
        "edit: save it there and delete this one). Who may: as deleteReportWidget (a dashboard's widget as "
        "updateDashboard; a saved report: yours while unshared, else capability manage_settings)."
    )
    @mutation_payload(ReportWidgetPayload)
    async def update_report_widget(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A ReportWidget.")],
        version: Version,
        input: Annotated[UpdateReportWidgetInput, strawberry.argument(description="What to change.")],
    ) -> ReportWidgetPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(
            input, {}, convert={"definition": lambda given: given.to_definition("input.definition")}
        )
        widget = await saved.update_widget(session, actor, decode_id(id, "ReportWidget"), version, values)
        return ReportWidgetPayload(widget=ReportWidget.from_model(widget))

    @strawberry.mutation(
        description="Delete a saved report or a dashboard widget (a dashboard's widget: who may change the "
        "dashboard; a saved report: yours while unshared, else capability manage_settings)."
    )
    @mutation_payload(ReportWidgetPayload)
    async def delete_report_widget(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="A ReportWidget.")],
        version: Version,
    ) -> ReportWidgetPayload:
        session, actor = await info.context.session(), info.context.actor
        widget = await saved.delete_widget(session, actor, decode_id(id, "ReportWidget"), version)
        return ReportWidgetPayload(widget=ReportWidget.from_model(widget))
