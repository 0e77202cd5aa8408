"""The customer's satisfaction survey of a closed-out project.

After `closeOutProject`, the project's manager sends the closeout survey to a contact of the project's
customer (`sendCloseoutSurvey`): a CSAT (1-5) survey of the service desk's kind (graph/service/surveys.py
builds it, and answers it through the same public link, without login, once, before it expires), whose
subject is the project instead of a ticket. The token is returned once; the public view shows only the
project's name.

A separate mutation rather than part of `closeOutProject`: internal projects close out without a customer,
the manager chooses which of the customer's contacts answers, and a link that expired unanswered can be
sent again without reopening the project. One survey open at a time, and one answer per project (a unique
index keeps it so): the closeout then shows the customer's score and comment instead of the manager's
(`satisfactionSource`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm.contacts import get_contact
from graph.crm.models import ContactAccount
from graph.live.events import announce
from graph.projects.access import get_managed_project
from graph.projects.closeout.models import CLOSEOUT, ProjectCloseout
from graph.service.calendar import service_settings
from graph.service.models import Survey
from graph.service.surveys import new_survey
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Action, Actor

CLOSEOUT_SURVEY_KIND = "csat"  # the closeout's satisfaction is 1-5


async def send_closeout_survey(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, contact_id: uuid.UUID, now: datetime
) -> tuple[Survey, str]:
    """The survey and its link's token (shown once) for a closed-out customer project's contact."""
    actor.require(CLOSEOUT, Action.CREATE)
    # Locked: two managers sending at once would otherwise both find no open survey.
    project = await get_managed_project(session, actor, project_id, "projectId", lock=True)
    if project.account_id is None:
        raise DomainError(
            ErrorCode.NO_CUSTOMER_ACCOUNT,
            "This project has no customer account to survey; set its account first.",
            "projectId",
        )
    closed = await session.scalar(select(ProjectCloseout.id).where(ProjectCloseout.project_id == project.id))
    if closed is None or project.status != "done":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Close the project out (closeOutProject) before surveying its customer.",
            "projectId",
        )
    contact = await get_contact(session, actor, contact_id, "contactId")
    if await session.get(ContactAccount, (actor.tenant_id, contact.id, project.account_id)) is None:
        raise DomainError(
            ErrorCode.INVALID, "Choose a contact of the project's customer account.", "contactId"
        )
    earlier = (await session.scalars(select(Survey).where(Survey.project_id == project.id))).all()
    if any(survey.answered_at is not None for survey in earlier):
        raise DomainError(
            ErrorCode.DUPLICATE, "The customer has already answered this project's survey.", "projectId"
        )
    if any(survey.expires_at > now for survey in earlier):
        raise DomainError(
            ErrorCode.DUPLICATE,
            "A survey link of this project is still open; send another once it has expired.",
            "projectId",
        )
    survey, token = new_survey(
        actor.tenant_id,
        CLOSEOUT_SURVEY_KIND,
        now,
        await service_settings(session, actor.tenant_id),
        project_id=project.id,
        contact_id=contact.id,
        account_id=project.account_id,
    )
    session.add(survey)
    await session.flush()
    await audit.record(
        session,
        actor,
        "project.closeout_survey_sent",
        CLOSEOUT,
        closed,
        {"survey_id": str(survey.id), "contact_id": str(contact.id)},
    )
    await announce(session, actor.tenant_id, "survey.sent", None, survey=survey.id, project=project.id)
    return survey, token
