"""Lead conversion: one transaction that creates or links an account and a contact, links them to each
other, optionally opens an opportunity on the account (with the contact as its primary buying contact), and
marks the lead converted with links both ways.

Accounts, contacts and opportunities are made by their areas' own services, so their validation,
permissions and audit entries apply exactly as for createAccount/createContact/createOpportunity. Any
error on the way rolls the whole conversion back (the mutation's savepoint): nothing is left half-written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned, snapshot
from graph.crm.accounts import create_account, get_account
from graph.crm.contacts import create_contact, get_contact, link_contact_to_account
from graph.crm.models import Account, Contact, ContactAccount
from graph.crm.names import full_name
from graph.sales.leads.leads import AUDITED_FIELDS, get_lead, require_editable, transaction_time
from graph.sales.leads.models import LEAD, Lead
from graph.sales.pipeline.models import Opportunity
from graph.sales.pipeline.opportunities import create_opportunity
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.permissions import Action, Actor

OPPORTUNITY_FIELD = "createOpportunity"


@dataclass
class Conversion:
    lead: Lead
    account: Account
    contact: Contact
    opportunity: Opportunity | None = None


def under_opportunity(error: DomainError) -> DomainError:
    """The pipeline service names its own input's fields; here they sit under `createOpportunity`."""
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    moved = [
        DomainError(e.code, e.message, f"{OPPORTUNITY_FIELD}.{e.field}" if e.field else OPPORTUNITY_FIELD)
        for e in errors
    ]
    return ValidationErrors(moved)


async def open_opportunity(
    session: AsyncSession,
    actor: Actor,
    account: Account,
    contact: Contact,
    owner_id: uuid.UUID,
    values: Mapping[str, Any],
) -> Opportunity:
    given = dict(values)
    role = given.pop("contact_role")
    opportunity_values = {
        "name": account.name,
        **given,
        "account_id": account.id,
        "owner_id": owner_id,
        "contacts": [{"contact_id": contact.id, "role": role, "is_primary": True}],
    }
    try:
        return await create_opportunity(session, actor, opportunity_values)
    except DomainError as error:
        raise under_opportunity(error) from None


def require_convertible(lead: Lead) -> None:
    if lead.status == "converted":
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This lead is already converted.", "id")
    if lead.status == "disqualified":
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "A disqualified lead cannot be converted; reopen it first.", "id"
        )


def person_name(lead: Lead) -> str | None:
    return full_name(lead.first_name, lead.last_name) or None


async def account_for(
    session: AsyncSession, actor: Actor, lead: Lead, owner_id: uuid.UUID, account_id: uuid.UUID | None
) -> Account:
    if account_id is not None:
        return await get_account(session, actor, account_id, "accountId")
    values = {
        # A lead without a company is a person buying for themselves: the account carries their name.
        "name": lead.company_name or person_name(lead) or lead.email,
        "region": lead.region,
        "country": lead.country,
        "owner_id": owner_id,
    }
    return await create_account(session, actor, values)


async def contact_for(
    session: AsyncSession, actor: Actor, lead: Lead, owner_id: uuid.UUID, contact_id: uuid.UUID | None
) -> tuple[Contact, bool]:
    if contact_id is not None:
        return await get_contact(session, actor, contact_id, "contactId"), False
    values = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "emails": [lead.email] if lead.email else [],
        "phones": [lead.phone] if lead.phone else [],
        "owner_id": owner_id,
    }
    return await create_contact(session, actor, values), True


async def convert_lead(
    session: AsyncSession,
    actor: Actor,
    lead_id: uuid.UUID,
    version: int,
    account_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    opportunity: Mapping[str, Any] | None = None,
) -> Conversion:
    actor.require(LEAD, Action.UPDATE)
    lead = await get_lead(session, actor, lead_id, lock=True)
    check_version(lead, version, "lead")
    require_convertible(lead)
    # Converting makes the lead's records the converter's: a pool lead is claimed first, even by its creator.
    require_editable(actor, lead, creator_may=False)
    owner_id = lead.owner_id or actor.user_id
    account = await account_for(session, actor, lead, owner_id, account_id)
    contact, created = await contact_for(session, actor, lead, owner_id, contact_id)
    existing = await session.get(ContactAccount, (actor.tenant_id, contact.id, account.id))
    if existing is None:
        # A new contact's first account is its primary one; an existing contact keeps its primary.
        link = {"title": lead.title, "is_primary": created}
        await link_contact_to_account(session, actor, contact.id, account.id, link)
    opened = None
    if opportunity is not None:
        opened = await open_opportunity(session, actor, account, contact, owner_id, opportunity)

    now = await transaction_time(session)
    before = snapshot(lead, AUDITED_FIELDS)
    lead.status = "converted"
    lead.owner_id = owner_id
    lead.converted_account_id = account.id
    lead.converted_contact_id = contact.id
    lead.converted_opportunity_id = opened.id if opened else None
    lead.converted_at = now
    await flush_versioned(session, "lead")
    changes = audit.diff(before, snapshot(lead, AUDITED_FIELDS))
    await audit.record(session, actor, "lead.convert", LEAD, lead.id, changes)
    return Conversion(lead, account, contact, opened)
