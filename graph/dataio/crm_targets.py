"""Accounts, contacts and products as import targets, written through their areas' services.

Duplicates follow the lead area's rules (graph/sales/leads/duplicates.py): an account duplicates a
visible live account with the same normalized company name; a contact one with the same email address
(case-insensitive) or phone number (digits only), among the contacts the importing member may see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm import accounts, contacts
from graph.crm.contacts import contact_scope
from graph.crm.models import ACCOUNT, CONTACT, Account, Contact
from graph.dataio.targets import BatchWrites, ImportField, ImportTarget, Match, register_target
from graph.sales.commerce import catalog
from graph.sales.commerce.models import PRODUCT, Product
from graph.sales.leads.duplicates import keys_for, matching_accounts, matching_contacts
from tenants.permissions import Action, Actor


async def duplicate_account(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Account | None:
    name = values.get("name")
    if not name:
        return None
    found = await matching_accounts(session, actor, await keys_for(session, None, None, name))
    return found[0].account if found else None


async def duplicate_contact(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Contact | None:
    email = next(iter(values.get("emails") or []), None)
    phone = next(iter(values.get("phones") or []), None)
    if not (email or phone):
        return None
    found = await matching_contacts(session, actor, await keys_for(session, email, phone, None))
    return found[0].contact if found else None


# Each row's first email and phone (what `duplicate_contact` looks up) and all of them (the keys its
# contact gets from the `contacts_match_keys` trigger), normalized by the same SQL functions, with the
# contacts already holding a looked-up key.
BATCH_KEYS = text(
    "select r.lookup_email, r.lookup_phone, crm_lower_array(r.emails), crm_phone_digits_array(r.phones),"
    " array(select distinct k.contact_id from contact_match_keys k where k.tenant_id = :tenant_id"
    " and ((k.kind = 'email' and k.key = r.lookup_email) or (k.kind = 'phone' and k.key = r.lookup_phone)))"
    " from (select lower(given.email) as lookup_email, crm_phone_digits(given.phone) as lookup_phone,"
    " given.emails, given.phones, given.n"
    " from jsonb_to_recordset(cast(:rows as jsonb))"
    " as given(n int, email text, phone text, emails text[], phones text[])) as r order by r.n"
)


async def duplicate_contacts(
    session: AsyncSession, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> list[Match]:
    """`duplicate_contact` for a batch of rows in two statements."""
    given = [
        {
            "n": n,
            "email": next(iter(values.get("emails") or []), None),
            "phone": next(iter(values.get("phones") or []), None),
            "emails": list(values.get("emails") or []),
            "phones": list(values.get("phones") or []),
        }
        for n, values in enumerate(rows)
    ]
    found = (
        await session.execute(
            BATCH_KEYS, {"tenant_id": actor.tenant_id, "rows": orjson.dumps(given).decode()}
        )
    ).all()
    candidates = {contact_id for row in found for contact_id in row[4]}
    visible: dict[Any, Contact] = {}
    if candidates and actor.permissions.can(CONTACT, Action.READ):
        visible = {
            contact.id: contact
            for contact in await session.scalars(
                select(Contact).where(
                    contact_scope(actor), Contact.deleted_at.is_(None), Contact.id.in_(list(candidates))
                )
            )
        }
    matches = []
    for entry, (email, phone, emails, phones, ids) in zip(given, found, strict=True):
        lookup = {("email", email), ("phone", phone)} if entry["email"] or entry["phone"] else set()
        seen = sorted(contact_id for contact_id in ids if contact_id in visible)
        matches.append(
            Match(
                record=visible[seen[0]] if seen else None,
                lookup=frozenset((kind, key) for kind, key in lookup if key),
                keys=frozenset({("email", k) for k in emails or []} | {("phone", k) for k in phones or []}),
            )
        )
    return matches


async def duplicate_product(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> Product | None:
    """A product with the same SKU (case-insensitive), the catalogue's own uniqueness rule."""
    sku = values.get("sku")
    if not sku:
        return None
    return await session.scalar(
        select(Product).where(
            Product.tenant_id == actor.tenant_id, func.lower(Product.sku) == sku.strip().lower()
        )
    )


async def deactivate_product(session: AsyncSession, actor: Actor, product_id: Any, version: int) -> Product:
    """Products are never deleted (quotes refer to them): undoing an import's new product retires it."""
    return await catalog.update_product(session, actor, product_id, version, {"active": False})


register_target(
    ImportTarget(
        object_type=PRODUCT,
        fields=(
            ImportField("sku", "sku"),
            ImportField("name", "name"),
            ImportField("unit", "unit"),
            ImportField("listPrice", "list_price", "decimal"),
            ImportField("currency", "currency"),
            ImportField("taxRate", "tax_rate", "decimal"),
            ImportField("description", "description"),
        ),
        required=("sku", "name", "unit", "listPrice", "currency"),
        find_duplicate=duplicate_product,
        create=catalog.create_product,
        update=catalog.update_product,
        delete=deactivate_product,
        get=catalog.get_product,
    )
)
register_target(
    ImportTarget(
        object_type=ACCOUNT,
        fields=(
            ImportField("name", "name"),
            ImportField("domain", "domain"),
            ImportField("industry", "industry"),
            ImportField("tags", "tags", "list"),
            ImportField("street", "street"),
            ImportField("city", "city"),
            ImportField("region", "region"),
            ImportField("postalCode", "postal_code"),
            ImportField("country", "country"),
            ImportField("notes", "notes"),
            ImportField("owner", "owner_id", "member"),
        ),
        required=("name",),
        find_duplicate=duplicate_account,
        create=accounts.create_account,
        update=accounts.update_account,
        delete=accounts.delete_account,
        get=accounts.get_account,
    )
)
register_target(
    ImportTarget(
        object_type=CONTACT,
        fields=(
            ImportField("firstName", "first_name"),
            ImportField("lastName", "last_name"),
            ImportField("emails", "emails", "list"),
            ImportField("phones", "phones", "list"),
            ImportField("birthday", "birthday", "date"),
            ImportField("tags", "tags", "list"),
            ImportField("notes", "notes"),
            ImportField("owner", "owner_id", "member"),
        ),
        required=("firstName", "lastName"),
        find_duplicate=duplicate_contact,
        create=contacts.create_contact,
        update=contacts.update_contact,
        delete=contacts.delete_contact,
        get=contacts.get_contact,
        batch=BatchWrites(
            find_duplicates=duplicate_contacts,
            create=contacts.create_contacts,
            versions=contacts.live_versions,
            delete=contacts.delete_contacts,
        ),
    )
)
