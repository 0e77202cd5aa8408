"""Per-request DataLoaders of the CRM area: one query per level of nesting, never one per row.

Each loader is created through `info.context.loader(name, factory)`, so it lives for one request and
runs on the request's own session (RLS applies). Every query carries the actor's role and record
scope; what the actor may not see resolves to None (or is left out of lists).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, literal, select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.core.loaders import by_id, can_read, first_page_loader
from graph.crm.accounts import MAX_DEPTH, account_scope
from graph.crm.activities import activity_scope
from graph.crm.contacts import contact_scope
from graph.crm.models import ACCOUNT, ACTIVITY, CONTACT, Account, Activity, Contact, ContactAccount

# Sort keys of the nested connections: (expression, descending), ending with the id.
CHILDREN_ORDER = ((func.lower(Account.name), False), (Account.id, False))
CONTACTS_ORDER = (
    (func.lower(Contact.full_name), False),
    (Contact.id, False),
)
TIMELINE_ORDER = ((Activity.occurred_at, True), (Activity.id, True))


accounts_by_id = by_id(Account, ACCOUNT, account_scope)
# The account of a record the actor may see (a deal, quote, contract, project): that record's own scope
# already decided, so the account reads by tenant alone. An owner change (a reclaim, a reassignment)
# never hides the customer of the deals and contracts a rep still owns. Read-only: writes still need
# the account in the actor's own scope.
referenced_accounts_by_id = by_id(Account, ACCOUNT, lambda actor: Account.tenant_id == actor.tenant_id)
contacts_by_id = by_id(Contact, CONTACT, contact_scope)
activities_by_id = by_id(Activity, ACTIVITY, activity_scope)


def children_statement(context: RequestContext) -> Select[Any]:
    return select(Account).where(account_scope(context.actor), Account.deleted_at.is_(None))


def contacts_statement(context: RequestContext) -> Select[Any]:
    return (
        select(Contact)
        .join(
            ContactAccount,
            (ContactAccount.tenant_id == Contact.tenant_id) & (ContactAccount.contact_id == Contact.id),
        )
        .where(contact_scope(context.actor), Contact.deleted_at.is_(None))
    )


def timeline_statement(context: RequestContext) -> Select[Any]:
    return select(Activity).where(activity_scope(context.actor))


children_pages_by_account_id = first_page_loader(
    Account, ACCOUNT, children_statement, Account.parent_id, CHILDREN_ORDER
)
contact_pages_by_account_id = first_page_loader(
    Contact, CONTACT, contacts_statement, ContactAccount.account_id, CONTACTS_ORDER
)
timeline_pages_by_account_id = first_page_loader(
    Activity, ACTIVITY, timeline_statement, Activity.account_id, TIMELINE_ORDER
)
timeline_pages_by_contact_id = first_page_loader(
    Activity, ACTIVITY, timeline_statement, Activity.contact_id, TIMELINE_ORDER
)


def contact_counts_by_account_id(context: RequestContext) -> DataLoader[uuid.UUID, int]:
    """Live, visible contacts linked to each account: one grouped COUNT for the whole page."""

    async def load(ids: Sequence[uuid.UUID]) -> list[int]:
        if not can_read(context, CONTACT):
            return [0] * len(ids)
        session = await context.session()
        rows = await session.execute(
            contacts_statement(context)
            .with_only_columns(ContactAccount.account_id, func.count())
            .where(ContactAccount.account_id.in_(ids))
            .group_by(ContactAccount.account_id)
        )
        counts = {account_id: count for account_id, count in rows}
        return [counts.get(account_id, 0) for account_id in ids]

    return DataLoader(load_fn=load)


def account_links_by_contact_id(context: RequestContext) -> DataLoader[uuid.UUID, list[Any]]:
    """[(link, account)] of each contact, live visible accounts only, primary first then by name."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
        if not can_read(context, ACCOUNT):
            return [[] for _ in ids]
        session = await context.session()
        rows = await session.execute(
            select(ContactAccount, Account)
            .join(
                Account,
                (Account.tenant_id == ContactAccount.tenant_id) & (Account.id == ContactAccount.account_id),
            )
            .where(
                ContactAccount.contact_id.in_(ids),
                account_scope(context.actor),
                Account.deleted_at.is_(None),
            )
            .order_by(ContactAccount.is_primary.desc(), func.lower(Account.name), Account.id)
        )
        links: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for link, account in rows:
            links[link.contact_id].append((link, account))
        return [links.get(contact_id, []) for contact_id in ids]

    return DataLoader(load_fn=load)


def ancestors_by_account_id(context: RequestContext) -> DataLoader[uuid.UUID, list[Account]]:
    """Visible live ancestors of each account, root first: one recursive query for the whole page."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[Account]]:
        if not can_read(context, ACCOUNT):
            return [[] for _ in ids]
        session = await context.session()
        chain = (
            select(
                Account.id.label("start_id"),
                Account.parent_id.label("ancestor_id"),
                literal(1).label("depth"),
            )
            .where(Account.id.in_(ids), Account.parent_id.is_not(None))
            .cte("chain", recursive=True)
        )
        chain = chain.union_all(
            select(chain.c.start_id, Account.parent_id, chain.c.depth + 1)
            .join(Account, Account.id == chain.c.ancestor_id)
            .where(Account.parent_id.is_not(None), chain.c.depth <= MAX_DEPTH)
        )
        rows = await session.execute(
            select(chain.c.start_id, Account)
            .join(Account, Account.id == chain.c.ancestor_id)
            .where(account_scope(context.actor), Account.deleted_at.is_(None))
            .order_by(chain.c.start_id, chain.c.depth.desc())
        )
        ancestors: dict[uuid.UUID, list[Account]] = defaultdict(list)
        for start_id, account in rows:
            ancestors[start_id].append(account)
        return [ancestors.get(account_id, []) for account_id in ids]

    return DataLoader(load_fn=load)
