"""Quality: checklists (a standard and its items) on project templates or projects, inspections with a
result per item, and defects with severity, owner, due date and status.

- A template's checklists are copied to each project created from it (`copy_template_checklists`), and a
  project saved as a template takes its checklists along (`copy_project_checklists`): templates improve
  from the projects made with them. Template checklists need project_template update; project
  checklists need the project's manager (or a wider role).
- An inspection answers every item of one of the project's checklists; it passes when every item does.
  Inspections are records of what was found: never changed (the table refuses it), a re-inspection is a
  new one. A failed item is followed up by a defect.
- Defects: open → fixed (by their owner or the project's manager) → verified (by the manager: the fix was
  checked), or back to open from fixed; open → waived (by the manager, with a reason). Open and fixed
  defects are unresolved: they hold up customer acceptance (graph/projects/quality/acceptance.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from graph.live.events import announce
from graph.projects.access import get_managed_project, get_project, require_project_member
from graph.projects.models import PROJECT_TEMPLATE, ProjectTemplate
from graph.projects.planning.tasks import open_project
from graph.projects.quality.models import (
    DEFECT,
    INSPECTION,
    QUALITY_CHECKLIST,
    Defect,
    Inspection,
    QualityChecklist,
)
from graph.projects.rules import check_version, collect, flush_versioned, require_transition, snapshot
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.values import check_builtin_writes
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text

MAX_ITEMS = 100
SEVERITIES = ("low", "medium", "high", "critical")
UNRESOLVED = ("open", "fixed")
DEFECT_TRANSITIONS = {
    "open": frozenset({"fixed", "waived"}),
    "fixed": frozenset({"verified", "open"}),
    "verified": frozenset(),
    "waived": frozenset(),
}
MANAGER_MOVES = ("verified", "waived", "open")
DEFECT_FIELDS = ("title", "description", "severity", "owner_id", "due_date", "status", "resolution")


def checklist_items(items: list[str] | None) -> list[str]:
    if not items:
        raise DomainError(ErrorCode.REQUIRED, "A checklist has at least one item.", "items")
    if len(items) > MAX_ITEMS:
        raise DomainError(ErrorCode.INVALID, f"A checklist has at most {MAX_ITEMS} items.", "items")
    cleaned = [required_text(item, f"items.{index}", 500) for index, item in enumerate(items)]
    if len(set(cleaned)) != len(cleaned):
        raise DomainError(ErrorCode.DUPLICATE, "Each item of a checklist is different.", "items")
    return cleaned


async def create_checklist(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any]
) -> QualityChecklist:
    """On a template (`template_id`) or a project (`project_id`): exactly one of them."""
    actor.require(QUALITY_CHECKLIST, Action.CREATE)
    template_id, project_id = values.get("template_id"), values.get("project_id")
    if (template_id is None) == (project_id is None):
        raise DomainError(ErrorCode.REQUIRED, "Give a templateId or a projectId (one of them).", "projectId")
    if template_id is not None:
        actor.require(PROJECT_TEMPLATE, Action.UPDATE)
        if await session.scalar(select(ProjectTemplate.id).where(ProjectTemplate.id == template_id)) is None:
            raise not_found("project template", "templateId")
    else:
        open_project(await get_managed_project(session, actor, project_id, "projectId"))
    cleaned = collect(
        {
            "name": lambda: required_text(values.get("name"), "name", 200),
            "standard": lambda: optional_text(values.get("standard"), "standard", 20_000),
            "items": lambda: checklist_items(values.get("items")),
        }
    )
    checklist = QualityChecklist(
        tenant_id=actor.tenant_id,
        template_id=template_id,
        project_id=project_id,
        created_by_id=actor.user_id,
        **cleaned,
    )
    session.add(checklist)
    await session.flush()
    await audit.record(
        session,
        actor,
        "quality_checklist.create",
        QUALITY_CHECKLIST,
        checklist.id,
        {"name": cleaned["name"], "items": len(cleaned["items"]), "template_id": str(template_id or "")},
    )
    return checklist


async def copy_checklists(
    session: AsyncSession, actor: Actor, source: ColumnElement[bool], **owner: uuid.UUID
) -> None:
    """The checklists matching `source` copied to `owner` (a project_id or a template_id)."""
    rows = await session.scalars(select(QualityChecklist).where(source).order_by(QualityChecklist.id))
    session.add_all(
        QualityChecklist(
            tenant_id=actor.tenant_id,
            name=row.name,
            standard=row.standard,
            items=list(row.items),
            created_by_id=actor.user_id,
            **owner,
        )
        for row in rows
    )
    await session.flush()


async def copy_template_checklists(
    session: AsyncSession, actor: Actor, template_id: uuid.UUID, project_id: uuid.UUID
) -> None:
    """A project made from a template gets the template's checklists as its own."""
    await copy_checklists(session, actor, QualityChecklist.template_id == template_id, project_id=project_id)


async def copy_project_checklists(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, template_id: uuid.UUID
) -> None:
    """A template saved from a (finished) project keeps the checklists the project was inspected with."""
    await copy_checklists(session, actor, QualityChecklist.project_id == project_id, template_id=template_id)


async def record_inspection(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Inspection:
    """The result of each checklist item, in the checklist's order; passed when all pass."""
    actor.require(INSPECTION, Action.CREATE)
    checklist = await session.scalar(
        select(QualityChecklist).where(
            QualityChecklist.id == values["checklist_id"], QualityChecklist.project_id.is_not(None)
        )
    )
    if checklist is None or checklist.project_id is None:
        raise not_found("checklist", "checklistId")
    project = await get_project(session, actor, checklist.project_id, "checklistId", object_type=INSPECTION)
    open_project(project)
    results: list[Mapping[str, Any]] = values.get("results") or []
    if len(results) != len(checklist.items):
        raise DomainError(
            ErrorCode.INVALID,
            f"Answer each of the checklist's {len(checklist.items)} items once, in its order.",
            "results",
        )
    inspected_on: date = values["inspected_on"]
    if inspected_on > datetime.now(UTC).date() + timedelta(days=1):
        raise DomainError(ErrorCode.INVALID, "An inspection cannot be in the future.", "inspectedOn")
    cleaned = collect(
        {
            "title": lambda: required_text(values.get("title"), "title", 300),
            "notes": lambda: optional_text(values.get("notes"), "notes", 20_000),
            **{
                f"results.{index}": lambda result=result, index=index, item=item: {
                    "item": item,
                    "passed": bool(result["passed"]),
                    "note": optional_text(result.get("note"), f"results.{index}.note", 2_000),
                }
                for index, (item, result) in enumerate(zip(checklist.items, results, strict=True))
            },
        }
    )
    answers = [cleaned[f"results.{index}"] for index in range(len(results))]
    inspection = Inspection(
        tenant_id=actor.tenant_id,
        project_id=project.id,
        checklist_id=checklist.id,
        title=cleaned["title"],
        notes=cleaned["notes"],
        inspected_on=inspected_on,
        passed=all(answer["passed"] for answer in answers),
        results=answers,
        inspector_id=actor.user_id,
    )
    session.add(inspection)
    await session.flush()
    await audit.record(
        session,
        actor,
        "inspection.create",
        INSPECTION,
        inspection.id,
        {"checklist_id": str(checklist.id), "passed": inspection.passed},
    )
    await announce(session, actor.tenant_id, "quality.inspected", project=project.id)
    return inspection


def severity(value: str | None) -> str:
    if value not in SEVERITIES:
        raise DomainError(ErrorCode.INVALID, f"Severity is one of {', '.join(SEVERITIES)}.", "severity")
    return value


async def record_defect(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Defect:
    """A defect in a project (from an inspection of it, or found otherwise), owned by a project member."""
    actor.require(DEFECT, Action.CREATE)
    inspection_id = values.get("inspection_id")
    project_id = values.get("project_id")
    if inspection_id is not None:
        inspection = await session.scalar(select(Inspection).where(Inspection.id == inspection_id))
        if inspection is None or (project_id is not None and project_id != inspection.project_id):
            raise not_found("inspection", "inspectionId")
        project_id = inspection.project_id
    if project_id is None:
        raise DomainError(ErrorCode.REQUIRED, "Give the projectId or the inspectionId.", "projectId")
    field = "inspectionId" if inspection_id is not None else "projectId"
    project = await get_project(session, actor, project_id, field, object_type=DEFECT)
    open_project(project)
    cleaned = collect(
        {
            "title": lambda: required_text(values.get("title"), "title", 300),
            "description": lambda: optional_text(values.get("description"), "description", 20_000),
            "severity": lambda: severity(values.get("severity")),
        }
    )
    owner_id = await require_project_member(session, project.id, values["owner_id"], "ownerId")
    due_date: date | None = values.get("due_date")
    defect = Defect(
        tenant_id=actor.tenant_id,
        project_id=project.id,
        inspection_id=inspection_id,
        owner_id=owner_id,
        due_date=due_date,
        status="open",
        reported_by_id=actor.user_id,
        **cleaned,
    )
    custom = await apply_custom_values(session, actor, DEFECT, defect, values, creating=True)
    session.add(defect)
    await session.flush()
    changes = audit.diff({}, snapshot(defect, DEFECT_FIELDS)) | custom
    await audit.record(session, actor, "defect.create", DEFECT, defect.id, changes)
    await announce(session, actor.tenant_id, "quality.defect_recorded", project=project.id, defect=defect.id)
    return defect


async def change_defect_status(
    session: AsyncSession,
    actor: Actor,
    defect_id: uuid.UUID,
    version: int,
    status: str,
    resolution: str | None,
) -> Defect:
    actor.require(DEFECT, Action.UPDATE)
    defect = await session.scalar(select(Defect).where(Defect.id == defect_id))
    if defect is None:
        raise not_found("defect")
    await get_project(session, actor, defect.project_id, object_type=DEFECT)
    check_version(defect, version, "defect")
    require_transition(DEFECT_TRANSITIONS, defect.status, status, "defect")
    if status in MANAGER_MOVES or defect.owner_id != actor.user_id:
        await get_managed_project(session, actor, defect.project_id)
    check_builtin_writes(
        actor, DEFECT, {"status": status, **({"resolution": resolution} if resolution else {})}
    )
    note = optional_text(resolution, "resolution", 20_000)
    if status == "waived" and note is None:
        raise DomainError(ErrorCode.REQUIRED, "Say why the defect is waived.", "resolution")
    before = snapshot(defect, DEFECT_FIELDS)
    defect.status = status
    if note is not None:
        defect.resolution = note
    await flush_versioned(session, "defect")
    changes = audit.diff(before, snapshot(defect, DEFECT_FIELDS))
    await audit.record(session, actor, f"defect.{status}", DEFECT, defect.id, changes)
    await announce(
        session, actor.tenant_id, "quality.defect_changed", defect.version, project=defect.project_id
    )
    return defect


async def unresolved_defects(session: AsyncSession, project_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(Defect.project_id == project_id, Defect.status.in_(UNRESOLVED))
    )
    return int(count or 0)


async def failing_checklists(session: AsyncSession, project_id: uuid.UUID) -> list[str]:
    """Names of the project's checklists whose latest inspection failed."""
    latest = (
        select(Inspection.checklist_id, Inspection.passed)
        .where(Inspection.project_id == project_id)
        .ext(distinct_on(Inspection.checklist_id))
        .order_by(Inspection.checklist_id, Inspection.inspected_on.desc(), Inspection.id.desc())
        .subquery()
    )
    return list(
        await session.scalars(
            select(QualityChecklist.name)
            .join(latest, latest.c.checklist_id == QualityChecklist.id)
            .where(latest.c.passed.is_(False))
            .order_by(QualityChecklist.name)
        )
    )
