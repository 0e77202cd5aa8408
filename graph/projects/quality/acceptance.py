"""Customer acceptance: the project's manager asks a customer contact to accept the delivered scope; the
contact's signature is a document linked to the acceptance as its SIGNED_COPY (uploaded through the
documents area, like a contract's signed copy).

pending → signed (with its signed copy, once no defect is open or fixed-but-unverified and the latest
inspection of every checklist passed) or rejected (with the customer's reason; ask again with a new
acceptance once fixed).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm.contacts import get_contact
from graph.documents.targets import register_link_target, signed_copy_of
from graph.live.events import announce
from graph.projects.access import get_managed_project, get_project, in_visible_projects
from graph.projects.quality.inspections import failing_checklists, unresolved_defects
from graph.projects.quality.models import ACCEPTANCE, ProjectAcceptance
from graph.projects.rules import check_version, flush_versioned
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.permissions import Action, Actor
from tenants.validation import optional_text, required_text


def acceptance_scope(actor: Actor) -> ColumnElement[bool]:
    return (ProjectAcceptance.tenant_id == actor.tenant_id) & in_visible_projects(
        actor, ACCEPTANCE, ProjectAcceptance.project_id
    )


register_link_target(ACCEPTANCE, "ProjectAcceptance", ProjectAcceptance, acceptance_scope)


async def request_acceptance(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID,
    contact_id: uuid.UUID,
    scope: str,
) -> ProjectAcceptance:
    actor.require(ACCEPTANCE, Action.CREATE)
    project = await get_managed_project(session, actor, project_id, "projectId")
    contact = await get_contact(session, actor, contact_id, "contactId")
    acceptance = ProjectAcceptance(
        tenant_id=actor.tenant_id,
        project_id=project.id,
        contact_id=contact.id,
        scope=required_text(scope, "scope", 20_000),
        status="pending",
        requested_by_id=actor.user_id,
    )
    session.add(acceptance)
    await session.flush()
    await audit.record(
        session,
        actor,
        "project_acceptance.create",
        ACCEPTANCE,
        acceptance.id,
        {"contact_id": str(contact.id)},
    )
    return acceptance


async def get_pending(
    session: AsyncSession, actor: Actor, acceptance_id: uuid.UUID, version: int
) -> ProjectAcceptance:
    actor.require(ACCEPTANCE, Action.UPDATE)
    acceptance = await session.scalar(
        select(ProjectAcceptance).where(ProjectAcceptance.id == acceptance_id).with_for_update()
    )
    if acceptance is None:
        raise not_found("acceptance")
    await get_project(session, actor, acceptance.project_id, object_type=ACCEPTANCE)
    await get_managed_project(session, actor, acceptance.project_id)
    check_version(acceptance, version, "acceptance")
    if acceptance.status != "pending":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"This acceptance is already {acceptance.status}.", "id"
        )
    return acceptance


async def sign_acceptance(
    session: AsyncSession,
    actor: Actor,
    acceptance_id: uuid.UUID,
    version: int,
    signed_on: date,
    comment: str | None,
) -> ProjectAcceptance:
    """Records the customer's signature: needs the signed copy and a project without quality debts."""
    acceptance = await get_pending(session, actor, acceptance_id, version)
    if signed_on > datetime.now(UTC).date() + timedelta(days=1):
        raise DomainError(ErrorCode.INVALID, "A signature cannot be dated in the future.", "signedOn")
    open_defects = await unresolved_defects(session, acceptance.project_id)
    if open_defects:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"{open_defects} defect(s) are open or not yet verified; resolve them before acceptance.",
            "id",
        )
    failing = await failing_checklists(session, acceptance.project_id)
    if failing:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"The latest inspection failed for: {', '.join(failing)}; inspect again once fixed.",
            "id",
        )
    document_id = await signed_copy_of(session, ACCEPTANCE, acceptance.id)
    if document_id is None:
        raise DomainError(
            ErrorCode.REQUIRED,
            "Upload the signed acceptance as a document linked to it with the role SIGNED_COPY first.",
            "document",
        )
    acceptance.status, acceptance.document_id, acceptance.signed_on = "signed", document_id, signed_on
    acceptance.comment = optional_text(comment, "comment", 2_000)
    await flush_versioned(session, "acceptance")
    await audit.record(
        session,
        actor,
        "project_acceptance.signed",
        ACCEPTANCE,
        acceptance.id,
        {
            "status": ["pending", "signed"],
            "document_id": str(document_id),
            "signed_on": signed_on.isoformat(),
        },
    )
    await announce(session, actor.tenant_id, "quality.accepted", project=acceptance.project_id)
    return acceptance


async def reject_acceptance(
    session: AsyncSession, actor: Actor, acceptance_id: uuid.UUID, version: int, comment: str
) -> ProjectAcceptance:
    acceptance = await get_pending(session, actor, acceptance_id, version)
    acceptance.comment = required_text(comment, "comment", 2_000)
    acceptance.status = "rejected"
    await flush_versioned(session, "acceptance")
    await audit.record(
        session,
        actor,
        "project_acceptance.rejected",
        ACCEPTANCE,
        acceptance.id,
        {"status": ["pending", "rejected"]},
    )
    return acceptance
