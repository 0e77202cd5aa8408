"""Saved reports and dashboards: who sees them, who may change them, and how a dashboard is computed.

- A member saves reports and builds dashboards for themselves; sharing one with roles (every member whose
  role key is listed reads it) is a tenant admin's (capability manage_settings), as is changing a shared one.
  The same rule covers every change: renaming, describing, sharing, adding, editing, deleting and
  reordering widgets. A member a dashboard is shared with reads it and changes nothing.
- A widget is a saved definition (the `report` query's typed input, stored as its JSON) plus a chart kind.
  On a dashboard it follows the dashboard's sharing; alone it is a saved report with its own.
- A definition is checked when it is saved or edited, as the saver or editor: a kind or metric their role
  may not read is PERMISSION_DENIED. A reader is checked again when the widget is computed, as the
  reader: a widget over data their role does not read answers its error, the others still answer. A
  dashboard's widgets are computed together, and only when their figures are asked for (WidgetFigures).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, any_, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.reports import engine
from graph.reports.catalog import ChartKind, Definition, TimeBucket, definition_from_json, definition_to_json
from graph.reports.models import Dashboard, ReportWidget
from graph.reports.results import ReportResult
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.models import Role
from tenants.permissions import BUILTIN_ROLES, Actor, Capability
from tenants.validation import bounded_text, optional_text

MAX_WIDGETS = 24
MAX_NAME = 200
MAX_DESCRIPTION = 2000
DASHBOARD_FIELDS = ("name", "description", "shared_with_roles")
WIDGET_FIELDS = ("name", "chart_kind", "definition", "shared_with_roles")
GIVE_ROLES = "Give the role keys to share with ([] to unshare)."


def shared_with(actor: Actor, model: type[Dashboard] | type[ReportWidget]) -> object:
    shared = literal(actor.role_key) == any_(model.shared_with_roles) if actor.role_key else false()
    return or_(model.owner_id == actor.user_id, shared)


def visible_dashboards(actor: Actor) -> Select[tuple[Dashboard]]:
    return select(Dashboard).where(Dashboard.tenant_id == actor.tenant_id, shared_with(actor, Dashboard))


def visible_saved_reports(actor: Actor) -> Select[tuple[ReportWidget]]:
    """Widgets saved on their own (not on a dashboard) that are the actor's or shared with their role."""
    return select(ReportWidget).where(
        ReportWidget.tenant_id == actor.tenant_id,
        ReportWidget.dashboard_id.is_(None),
        shared_with(actor, ReportWidget),
    )


def visible_widgets(actor: Actor) -> Select[tuple[ReportWidget]]:
    """Saved reports and the widgets of the dashboards the actor sees."""
    dashboards = select(Dashboard.id).where(
        Dashboard.tenant_id == actor.tenant_id, shared_with(actor, Dashboard)
    )
    return select(ReportWidget).where(
        ReportWidget.tenant_id == actor.tenant_id,
        or_(
            (ReportWidget.dashboard_id.is_(None)) & shared_with(actor, ReportWidget),
            ReportWidget.dashboard_id.in_(dashboards),
        ),
    )


def require_changeable(actor: Actor, owner_id: uuid.UUID, shared: Sequence[str]) -> None:
    """Your own unshared items are yours to change; shared ones are a tenant admin's."""
    if shared or owner_id != actor.user_id:
        actor.require_capability(Capability.MANAGE_SETTINGS)


async def clean_roles(session: AsyncSession, actor: Actor, keys: Sequence[str], path: str) -> list[str]:
    """Role keys to share with: built-in or the tenant's own; sharing at all needs manage_settings."""
    if not keys:
        return []
    actor.require_capability(Capability.MANAGE_SETTINGS)
    custom = set(
        await session.scalars(select(Role.key).where(Role.tenant_id == actor.tenant_id, Role.key.in_(keys)))
    )
    cleaned: list[str] = []
    for index, key in enumerate(keys):
        if key not in BUILTIN_ROLES and key not in custom:
            raise DomainError(ErrorCode.INVALID, f"There is no role '{key}'.", f"{path}.{index}")
        if key not in cleaned:
            cleaned.append(key)
    return cleaned


def required(values: Mapping[str, Any], key: str, path: str, message: str) -> Any:
    """`values[key]`, which an update may leave out but not clear (null is REQUIRED on `path`)."""
    if values[key] is None:
        raise DomainError(ErrorCode.REQUIRED, message, path)
    return values[key]


def clean_name(name: str, path: str) -> str:
    cleaned = bounded_text(name.strip(), path, MAX_NAME)
    if not cleaned:
        raise DomainError(ErrorCode.REQUIRED, "Give a name.", path)
    return cleaned


def check_chart(chart_kind: ChartKind, definition: Definition, path: str) -> None:
    if chart_kind is ChartKind.PIE and (
        len(definition.metrics) != 1 or definition.bucket is not TimeBucket.NONE
    ):
        raise DomainError(ErrorCode.INVALID, "A pie shows one metric without time buckets.", path)


async def create_dashboard(
    session: AsyncSession, actor: Actor, name: str, roles: Sequence[str], description: str | None = None
) -> Dashboard:
    cleaned = collect(
        {
            "name": lambda: clean_name(name, "input.name"),
            "description": lambda: optional_text(description, "input.description", MAX_DESCRIPTION),
        }
    )
    dashboard = Dashboard(
        tenant_id=actor.tenant_id,
        owner_id=actor.user_id,
        shared_with_roles=await clean_roles(session, actor, roles, "input.sharedWithRoles"),
        **cleaned,
    )
    session.add(dashboard)
    await session.flush()
    await audit.record(
        session,
        actor,
        "dashboard.create",
        "dashboard",
        dashboard.id,
        audit.diff(dict.fromkeys(DASHBOARD_FIELDS), snapshot(dashboard, DASHBOARD_FIELDS)),
    )
    return dashboard


async def get_dashboard(
    session: AsyncSession, actor: Actor, dashboard_id: uuid.UUID, field: str = "id"
) -> Dashboard:
    dashboard = await session.scalar(visible_dashboards(actor).where(Dashboard.id == dashboard_id))
    if dashboard is None:
        raise not_found("dashboard", field)
    return dashboard


async def changeable_dashboard(
    session: AsyncSession, actor: Actor, dashboard_id: uuid.UUID, version: int
) -> Dashboard:
    """A dashboard the actor sees and may change (require_changeable), at the version they read."""
    dashboard = await get_dashboard(session, actor, dashboard_id)
    require_changeable(actor, dashboard.owner_id, dashboard.shared_with_roles)
    check_version(dashboard, version, "dashboard")
    return dashboard


async def update_dashboard(
    session: AsyncSession, actor: Actor, dashboard_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Dashboard:
    """Rename, describe or (re)share a dashboard: only the keys given change (a null description clears
    it; sharedWithRoles replaces the list, [] unshares). Every value is checked before anything is set."""
    dashboard = await changeable_dashboard(session, actor, dashboard_id, version)
    checks: dict[str, Callable[[], Any]] = {}
    if "name" in values:
        checks["name"] = lambda: clean_name(values["name"] or "", "input.name")
    if "description" in values:
        checks["description"] = lambda: optional_text(
            values["description"], "input.description", MAX_DESCRIPTION
        )
    cleaned = collect(checks)
    if "shared_with_roles" in values:
        keys = required(values, "shared_with_roles", "input.sharedWithRoles", GIVE_ROLES)
        cleaned["shared_with_roles"] = await clean_roles(session, actor, keys, "input.sharedWithRoles")
    await apply_changes(session, actor, dashboard, DASHBOARD_FIELDS, cleaned, "dashboard")
    return dashboard


async def reorder_widgets(
    session: AsyncSession,
    actor: Actor,
    dashboard_id: uuid.UUID,
    version: int,
    widget_ids: Sequence[uuid.UUID],
) -> Dashboard:
    """`widget_ids` must list every widget of the dashboard exactly once, in the new order (0 first).
    The dashboard's version moves, so a reorder from a stale read is a CONFLICT."""
    dashboard = await changeable_dashboard(session, actor, dashboard_id, version)
    widgets = await dashboard_widgets(session, actor, dashboard)
    by_id = {widget.id: widget for widget in widgets}
    if len(widget_ids) != len(by_id) or set(widget_ids) != set(by_id):
        raise DomainError(
            ErrorCode.INVALID,
            f"List every widget of this dashboard exactly once ({len(by_id)}), in the new order.",
            "widgetIds",
        )
    for position, widget_id in enumerate(widget_ids):
        by_id[widget_id].position = position
    dashboard.updated_at = datetime.now(UTC)
    await flush_versioned(session, "dashboard")
    await audit.record(
        session,
        actor,
        "dashboard.reorder",
        "dashboard",
        dashboard.id,
        {"widgets": [[str(widget.id) for widget in widgets], [str(widget_id) for widget_id in widget_ids]]},
    )
    return dashboard


async def delete_dashboard(
    session: AsyncSession, actor: Actor, dashboard_id: uuid.UUID, version: int
) -> Dashboard:
    dashboard = await changeable_dashboard(session, actor, dashboard_id, version)
    await session.delete(dashboard)
    await session.flush()
    await audit.record(
        session, actor, "dashboard.delete", "dashboard", dashboard.id, {"name": [dashboard.name, None]}
    )
    return dashboard


def refuse_widget_sharing(keys: Sequence[str]) -> None:
    """A widget on a dashboard is shared with the dashboard, never on its own."""
    if keys:
        raise DomainError(
            ErrorCode.INVALID, "A dashboard's widgets are shared with the dashboard.", "input.sharedWithRoles"
        )


@dataclass(frozen=True)
class WidgetValues:
    name: str
    chart_kind: ChartKind
    definition: Definition
    dashboard_id: uuid.UUID | None = None
    shared_with_roles: tuple[str, ...] = ()


async def save_widget(session: AsyncSession, actor: Actor, values: WidgetValues) -> ReportWidget:
    """A saved report (no dashboard) or a widget on a dashboard you may change."""
    engine.prepare(actor, values.definition, "input.definition")
    check_chart(values.chart_kind, values.definition, "input.chartKind")
    name = clean_name(values.name, "input.name")
    position = 0
    if values.dashboard_id is not None:
        refuse_widget_sharing(values.shared_with_roles)
        dashboard = await get_dashboard(session, actor, values.dashboard_id, "input.dashboardId")
        require_changeable(actor, dashboard.owner_id, dashboard.shared_with_roles)
        count, last = (
            await session.execute(
                select(func.count(), func.max(ReportWidget.position)).where(
                    ReportWidget.tenant_id == actor.tenant_id, ReportWidget.dashboard_id == dashboard.id
                )
            )
        ).one()
        if count >= MAX_WIDGETS:
            raise DomainError(
                ErrorCode.LIMIT_REACHED,
                f"A dashboard holds at most {MAX_WIDGETS} widgets.",
                "input.dashboardId",
            )
        # Last, after a deletion's gap too (a count would repeat the last widget's position).
        position = 0 if last is None else last + 1
    widget = ReportWidget(
        tenant_id=actor.tenant_id,
        dashboard_id=values.dashboard_id,
        name=name,
        position=position,
        chart_kind=values.chart_kind.value,
        definition=definition_to_json(values.definition),
        owner_id=actor.user_id,
        shared_with_roles=await clean_roles(
            session, actor, values.shared_with_roles, "input.sharedWithRoles"
        ),
    )
    session.add(widget)
    await session.flush()
    await audit.record(
        session,
        actor,
        "report_widget.create",
        "report_widget",
        widget.id,
        {"name": [None, widget.name], "definition": [None, widget.definition]},
    )
    return widget


async def get_widget(
    session: AsyncSession, actor: Actor, widget_id: uuid.UUID, field: str = "id"
) -> ReportWidget:
    widget = await session.scalar(visible_widgets(actor).where(ReportWidget.id == widget_id))
    if widget is None:
        raise not_found("report widget", field)
    return widget


async def changeable_widget(
    session: AsyncSession, actor: Actor, widget_id: uuid.UUID, version: int
) -> ReportWidget:
    """A widget the actor sees and may change, at the version they read: on a dashboard by the
    dashboard's rule (require_changeable on the dashboard), saved alone by its own."""
    widget = await get_widget(session, actor, widget_id)
    if widget.dashboard_id is not None:
        dashboard = await get_dashboard(session, actor, widget.dashboard_id)
        require_changeable(actor, dashboard.owner_id, dashboard.shared_with_roles)
    else:
        require_changeable(actor, widget.owner_id, widget.shared_with_roles)
    check_version(widget, version, "report widget")
    return widget


async def update_widget(
    session: AsyncSession, actor: Actor, widget_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> ReportWidget:
    """Rename a saved report or widget, change its chart kind, its definition or (saved alone) its
    sharing: only the keys given change, null for any of them is REQUIRED. A new definition is checked
    as the editor, as saving checks it; the chart kind is checked against the definition it will draw
    (the new one, or the kept one when only the chart kind changes). Every value is checked before
    anything is set. It stays where it is: moving a widget to another dashboard is not an edit."""
    widget = await changeable_widget(session, actor, widget_id, version)
    checks: dict[str, Callable[[], Any]] = {}
    if "name" in values:
        checks["name"] = lambda: clean_name(values["name"] or "", "input.name")
    if "chart_kind" in values:
        checks["chart_kind"] = lambda: ChartKind(
            required(values, "chart_kind", "input.chartKind", "Give a chart kind.")
        )
    if "definition" in values:
        checks["definition"] = lambda: checked_definition(
            actor, required(values, "definition", "input.definition", "Give a definition.")
        )
    cleaned = collect(checks)
    chart_kind = cleaned.get("chart_kind", ChartKind(widget.chart_kind))
    definition = cleaned.get("definition") or definition_from_json(widget.definition)
    if "chart_kind" in cleaned or "definition" in cleaned:
        check_chart(
            chart_kind, definition, "input.chartKind" if "chart_kind" in cleaned else "input.definition"
        )
    if "shared_with_roles" in values:
        keys = required(values, "shared_with_roles", "input.sharedWithRoles", GIVE_ROLES)
        if widget.dashboard_id is not None:
            refuse_widget_sharing(keys)
        cleaned["shared_with_roles"] = await clean_roles(session, actor, keys, "input.sharedWithRoles")
    if "chart_kind" in cleaned:
        cleaned["chart_kind"] = chart_kind.value
    if "definition" in cleaned:
        cleaned["definition"] = definition_to_json(definition)
    await apply_changes(session, actor, widget, WIDGET_FIELDS, cleaned, "report_widget")
    return widget


async def apply_changes(
    session: AsyncSession,
    actor: Actor,
    record: Dashboard | ReportWidget,
    fields: Sequence[str],
    cleaned: dict[str, Any],
    kind: str,
) -> None:
    """Sets the checked values; if any differs, moves the version (CONFLICT when stale) and audits
    `<kind>.update` with the differences (an edit that changes nothing keeps the version)."""
    before = snapshot(record, fields)
    for name, value in cleaned.items():
        setattr(record, name, value)
    changes = audit.diff(before, snapshot(record, fields))
    if changes:
        await flush_versioned(session, kind.replace("_", " "))
        await audit.record(session, actor, f"{kind}.update", kind, record.id, changes)


def checked_definition(actor: Actor, definition: Definition) -> Definition:
    engine.prepare(actor, definition, "input.definition")
    return definition


async def delete_widget(
    session: AsyncSession, actor: Actor, widget_id: uuid.UUID, version: int
) -> ReportWidget:
    widget = await changeable_widget(session, actor, widget_id, version)
    await session.delete(widget)
    await session.flush()
    await audit.record(
        session, actor, "report_widget.delete", "report_widget", widget.id, {"name": [widget.name, None]}
    )
    return widget


@dataclass
class WidgetOutcome:
    widget: ReportWidget
    result: ReportResult | None
    error: DomainError | None


class WidgetFigures:
    """Widgets' figures as one reader sees them, all computed together (engine.evaluate: a fixed number
    of statements) the first time any of them is asked for, and never when none is: a dashboard read for
    its widgets' names and order reads no report. A widget the reader's role may not compute has its
    error instead, found without reading anything (engine.prepare)."""

    def __init__(self, session: AsyncSession, actor: Actor, widgets: Sequence[ReportWidget]) -> None:
        self.session, self.actor = session, actor
        self.errors: dict[uuid.UUID, DomainError] = {}
        self.runnable: list[tuple[uuid.UUID, Definition]] = []
        for widget in widgets:
            definition = definition_from_json(widget.definition)
            try:
                engine.prepare(actor, definition, "definition")
            except DomainError as error:
                self.errors[widget.id] = error
                continue
            self.runnable.append((widget.id, definition))
        self.results: dict[uuid.UUID, ReportResult] | None = None
        self.failure: DomainError | None = None
        # Each widget's `result` field asks concurrently: the first computes them all, the others wait.
        self.computing = asyncio.Lock()

    def error(self, widget_id: uuid.UUID) -> DomainError | None:
        return self.errors.get(widget_id)

    async def result(self, widget_id: uuid.UUID) -> ReportResult | None:
        """The widget's figures; None when it has an error."""
        if widget_id in self.errors:
            return None
        async with self.computing:
            if self.results is None and self.failure is None:
                try:
                    computed = await engine.evaluate(
                        self.session,
                        self.actor,
                        [(definition, "definition") for _, definition in self.runnable],
                    )
                except DomainError as error:
                    self.failure = error  # once for every widget, not one evaluation each
                    raise
                self.results = dict(zip((widget_id for widget_id, _ in self.runnable), computed, strict=True))
        if self.failure is not None:
            raise self.failure
        assert self.results is not None
        return self.results[widget_id]


async def compute_widgets(
    session: AsyncSession, actor: Actor, widgets: Sequence[ReportWidget]
) -> list[WidgetOutcome]:
    """Every widget computed together as the reader; a widget the reader's role may not compute answers
    its error instead."""
    figures = WidgetFigures(session, actor, widgets)
    return [
        WidgetOutcome(widget, await figures.result(widget.id), figures.error(widget.id)) for widget in widgets
    ]


async def dashboard_widgets(session: AsyncSession, actor: Actor, dashboard: Dashboard) -> list[ReportWidget]:
    return list(
        await session.scalars(
            select(ReportWidget)
            .where(ReportWidget.tenant_id == actor.tenant_id, ReportWidget.dashboard_id == dashboard.id)
            .order_by(ReportWidget.position, ReportWidget.id)
        )
    )
