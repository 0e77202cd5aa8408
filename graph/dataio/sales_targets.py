"""Leads and opportunities as import targets, written through their areas' services (the same functions
as createLead/updateLead and createOpportunity/updateOpportunity).

Duplicates: a lead duplicates a visible lead with the same email address or phone number (the leads'
own rule, graph/sales/leads/duplicates.py, without the company: colleagues are not duplicates); an
opportunity duplicates a visible opportunity of the same account with the same name (case-insensitive).
An opportunity's `account` cell names the account the way the duplicate rules match company names
(legal forms and punctuation aside), among the accounts the importing member may see. Undo deletes what
the import created (a converted lead, or an opportunity a quote or project refers to, is left and
reported) and restores what it updated.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.dataio.targets import ImportField, ImportTarget, register_target
from graph.sales.leads.duplicates import find_duplicates, keys_for, matching_accounts
from graph.sales.leads.intake import create_lead
from graph.sales.leads.leads import delete_lead, get_lead, update_lead
from graph.sales.leads.models import LEAD, Lead
from graph.sales.pipeline.models import OPPORTUNITY, Opportunity
from graph.sales.pipeline.opportunities import (
    create_opportunity,
    delete_opportunity,
    get_opportunity,
    opportunity_scope,
    update_opportunity,
)
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor


async def duplicate_lead(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Lead | None:
    email, phone = values.get("email"), values.get("phone")
    if not (email or phone):
        return None
    found = await find_duplicates(session, actor, email, phone, None)
    return next((duplicate.lead for duplicate in found if duplicate.lead is not None), None)


async def import_lead(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Lead:
    lead, _ = await create_lead(session, actor, values)
    return lead


async def account_named(session: AsyncSession, actor: Actor, name: str, field: str) -> uuid.UUID:
    found = await matching_accounts(session, actor, await keys_for(session, None, None, name))
    if not found:
        raise DomainError(ErrorCode.NOT_FOUND, f"No account you may see is named {name[:80]}.", field)
    return found[0].account.id


async def duplicate_opportunity(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any]
) -> Opportunity | None:
    name, account_id = values.get("name"), values.get("account_id")
    if not (name and account_id):
        return None
    return await session.scalar(
        select(Opportunity)
        .where(
            opportunity_scope(actor),
            Opportunity.account_id == account_id,
            func.lower(Opportunity.name) == name.strip().lower(),
        )
        .order_by(Opportunity.id)
        .limit(1)
    )


register_target(
    ImportTarget(
        object_type=LEAD,
        fields=(
            ImportField("source", "source"),
            ImportField("firstName", "first_name"),
            ImportField("lastName", "last_name"),
            ImportField("email", "email"),
            ImportField("phone", "phone"),
            ImportField("title", "title"),
            ImportField("companyName", "company_name"),
            ImportField("region", "region"),
            ImportField("country", "country"),
            ImportField("notes", "notes"),
            ImportField("owner", "owner_id", "member"),
        ),
        required=("source",),
        find_duplicate=duplicate_lead,
        create=import_lead,
        update=update_lead,
        delete=delete_lead,
        get=get_lead,
    )
)
register_target(
    ImportTarget(
        object_type=OPPORTUNITY,
        fields=(
            ImportField("name", "name"),
            ImportField("account", "account_id", "reference", account_named),
            ImportField("amount", "amount", "decimal"),
            ImportField("currency", "currency"),
            ImportField("expectedCloseOn", "expected_close_on", "date"),
            ImportField("nextStep", "next_step"),
            ImportField("owner", "owner_id", "member"),
        ),
        required=("name", "account"),
        find_duplicate=duplicate_opportunity,
        create=create_opportunity,
        update=update_opportunity,
        delete=delete_opportunity,
        get=get_opportunity,
    )
)
