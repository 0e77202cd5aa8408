"""Marketing consent per channel: where a refusal is kept, whether anyone with an address refused, and
opting out everyone of the tenant with an address.

Email: `email_opt_out` on contacts (found by their email match keys) and leads (`email_key`), the address
lower-cased. SMS: `sms_opt_out` on contacts (phone match keys) and leads (`phone_digits`), the number's
duplicate key (`crm_phone_digits`: `+49 151...` and `0151...` are one number).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from graph.crm.models import Contact
from graph.sales.leads.models import ContactMatchKey, Lead

# Per channel: the contacts' match-key kind and refusal column, the leads' key column and refusal column.
OPT_OUTS = {
    "email": ("email", "email_opt_out", "email_key", "email_opt_out"),
    "sms": ("phone", "sms_opt_out", "phone_digits", "sms_opt_out"),
}


def address_key(channel: str, address: Any) -> Any:
    """The SQL key an address is matched by in `channel`."""
    return func.crm_phone_digits(address) if channel == "sms" else func.lower(address)


def someone_opted_out(tenant_id: Any, channel: str, address: Any) -> ColumnElement[bool]:
    """Whether any contact or lead of the tenant with this address refused the channel's messages."""
    kind, contact_flag, lead_key, lead_flag = OPT_OUTS[channel]
    key = address_key(channel, address)
    other = aliased(Contact)
    by_contact = exists(
        select(literal(1))
        .select_from(ContactMatchKey)
        .join(
            other, (other.tenant_id == ContactMatchKey.tenant_id) & (other.id == ContactMatchKey.contact_id)
        )
        .where(
            ContactMatchKey.tenant_id == tenant_id,
            ContactMatchKey.kind == kind,
            ContactMatchKey.key == key,
            getattr(other, contact_flag),
        )
    )
    other_lead = aliased(Lead)
    by_lead = exists(
        select(literal(1))
        .select_from(other_lead)
        .where(
            other_lead.tenant_id == tenant_id,
            getattr(other_lead, lead_key) == key,
            getattr(other_lead, lead_flag),
        )
    )
    return by_contact | by_lead


async def opt_out(session: AsyncSession, tenant_id: uuid.UUID, channel: str, address: str) -> tuple[int, int]:
    """Every contact and lead of the tenant with this address refuses the channel's marketing messages
    from now on; how many contacts and leads changed."""
    kind, contact_flag, lead_key, lead_flag = OPT_OUTS[channel]
    key = select(address_key(channel, address)).scalar_subquery()
    contact_ids = select(ContactMatchKey.contact_id).where(
        ContactMatchKey.tenant_id == tenant_id, ContactMatchKey.kind == kind, ContactMatchKey.key == key
    )
    contacts = await session.execute(
        update(Contact)
        .where(Contact.tenant_id == tenant_id, Contact.id.in_(contact_ids), ~getattr(Contact, contact_flag))
        .values({contact_flag: True})
        .returning(Contact.id)
    )
    leads = await session.execute(
        update(Lead)
        .where(Lead.tenant_id == tenant_id, getattr(Lead, lead_key) == key, ~getattr(Lead, lead_flag))
        .values({lead_flag: True})
        .returning(Lead.id)
    )
    return len(contacts.all()), len(leads.all())
