"""GraphQL types of the CRM area: Account, Contact, Activity and their links.

Explicit field lists (never "all columns"). Every nested field goes through a per-request DataLoader
from `graph/crm/loaders.py`; nested lists hide soft-deleted records and anything outside the caller's
scope.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.nodes import live_node, nested_connection, resolve_by_ids
from graph.core.pagination import Connection
from graph.crm import loaders
from graph.crm import models as crm
from graph.crm.filters import ActivityKind, NameOrder
from graph.identity.types import User, owner

if TYPE_CHECKING:
    from graph.sales.leads.types import Lead


async def referenced_account(info: Info, account_id: uuid.UUID | None) -> Account | None:
    """The live account a visible record belongs to, whoever owns the account now."""
    loader = loaders.referenced_accounts_by_id
    account = await live_node(info, "referenced_accounts_by_id", loader, account_id)
    return Account.from_model(account) if account else None


async def converted_from_lead(info: Info, name: str, record_id: uuid.UUID) -> Lead | None:
    # Imported here: the leads area builds on this module, not the other way round.
    from graph.sales.leads import loaders as lead_loaders
    from graph.sales.leads.types import Lead

    lead = await info.context.loader(name, getattr(lead_loaders, name)).load(record_id)
    return Lead.from_model(lead) if lead else None


@strawberry.type(description="A postal address; every part is optional.")
class Address:
    street: str | None = strawberry.field(description="Street and number.")
    city: str | None = strawberry.field(description="City or town.")
    region: str | None = strawberry.field(description="State, province or region.")
    postal_code: str | None = strawberry.field(description="Postal or ZIP code.")
    country: str | None = strawberry.field(description="Country name or ISO code.")


@strawberry.type(description="A company or organisation you do business with; may sit under a parent.")
class Account(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = crm.ACCOUNT

    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name (1-200 characters).")
    domain: str | None = strawberry.field(description="Web domain, lowercased, e.g. example.com.")
    industry: str | None = strawberry.field(description="Free-text industry.")
    tags: list[str] | None = strawberry.field(description="Labels, at most 20 (null when hidden).")
    address: Address | None = strawberry.field(description="Postal address (null when hidden).")
    notes: str | None = strawberry.field(description="Free-text notes.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    deleted_at: datetime | None = strawberry.field(description="Set while soft-deleted; restore to clear.")
    version: int = strawberry.field(description="Pass to updates and deletes; a stale one is a CONFLICT.")
    owner_id: strawberry.Private[uuid.UUID | None]
    parent_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, account: crm.Account) -> Account:
        return cls(
            id=str(account.id),
            name=account.name,
            domain=account.domain,
            industry=account.industry,
            tags=list(account.tags),
            address=Address(
                street=account.street,
                city=account.city,
                region=account.region,
                postal_code=account.postal_code,
                country=account.country,
            ),
            notes=account.notes,
            created_at=account.created_at,
            updated_at=account.updated_at,
            deleted_at=account.deleted_at,
            version=account.version,
            custom=account.custom or {},
            owner_id=account.owner_id,
            parent_id=account.parent_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Account | None]:
        return await resolve_by_ids(info, "accounts_by_id", loaders.accounts_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The member responsible for this account; null while in the public pool.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id) if self.owner_id else None

    @strawberry.field(description="The lead this account was created from or linked to by conversion.")
    async def converted_from_lead(
        self, info: Info
    ) -> Annotated[Lead, strawberry.lazy("graph.sales.leads.types")] | None:
        return await converted_from_lead(info, "leads_by_converted_account_id", uuid.UUID(self.id))

    @strawberry.field(description="The parent account; null at the top, or when hidden or deleted.")
    async def parent(self, info: Info) -> Account | None:
        parent = await live_node(info, "accounts_by_id", loaders.accounts_by_id, self.parent_id)
        return Account.from_model(parent) if parent else None

    @strawberry.field(description="Every ancestor you may see, root first.")
    async def ancestors(self, info: Info) -> list[Account]:
        loader = info.context.loader("ancestors_by_account_id", loaders.ancestors_by_account_id)
        return [Account.from_model(account) for account in await loader.load(uuid.UUID(self.id))]

    @strawberry.field(description="Direct child accounts, by name.")
    async def children(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Account]:
        return await nested_connection(
            info,
            "children_pages_by_account_id",
            loaders.children_pages_by_account_id,
            loaders.children_statement,
            crm.Account.parent_id,
            loaders.CHILDREN_ORDER,
            Account.from_model,
            uuid.UUID(self.id),
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Contacts linked to this account, by last and first name.")
    async def contacts(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Contact]:
        return await nested_connection(
            info,
            "contact_pages_by_account_id",
            loaders.contact_pages_by_account_id,
            loaders.contacts_statement,
            crm.ContactAccount.account_id,
            loaders.CONTACTS_ORDER,
            Contact.from_model,
            uuid.UUID(self.id),
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="Number of live contacts you may see that are linked to this account.")
    async def contact_count(self, info: Info) -> int:
        loader = info.context.loader("contact_counts_by_account_id", loaders.contact_counts_by_account_id)
        return await loader.load(uuid.UUID(self.id))

    @strawberry.field(description="Activities on this account, newest first.")
    async def timeline(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Activity]:
        return await nested_connection(
            info,
            "timeline_pages_by_account_id",
            loaders.timeline_pages_by_account_id,
            loaders.timeline_statement,
            crm.Activity.account_id,
            loaders.TIMELINE_ORDER,
            Activity.from_model,
            uuid.UUID(self.id),
            first,
            after,
            last,
            before,
        )


@strawberry.type(description="A person, possibly linked to several accounts (one of them primary).")
class Contact(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = crm.CONTACT

    id: relay.NodeID[str]
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    full_name: str = strawberry.field(
        description='The names as people write them: given name first ("Ada Lovelace"), family name '
        'first without a space for CJK names ("张伟"), or as nameOrder says. Sorting by NAME and '
        "search use it."
    )
    name_order: NameOrder | None = strawberry.field(
        description="The order chosen for this contact; null: guessed from the script."
    )
    emails: list[str] | None = strawberry.field(
        description="Normalized email addresses, at most 10 (null when your role hides them)."
    )
    phones: list[str] | None = strawberry.field(
        description="Phone numbers as entered, at most 10 (null when hidden)."
    )
    birthday: date | None = strawberry.field(description="Date of birth, if known.")
    tags: list[str] | None = strawberry.field(description="Labels, at most 20 (null when hidden).")
    notes: str | None = strawberry.field(description="Free-text notes.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    deleted_at: datetime | None = strawberry.field(description="Set while soft-deleted; restore to clear.")
    version: int = strawberry.field(description="Pass to updates and deletes; a stale one is a CONFLICT.")
    email_opt_out: bool = strawberry.field(
        default=False,
        description="True: refuses marketing email (campaign messages skip them); set by an unsubscribe "
        "link or `setEmailOptOut`.",
    )
    sms_opt_out: bool = strawberry.field(
        default=False,
        description="True: refuses marketing SMS (campaign SMS skip them and anyone sharing the number); set "
        "by a STOP reply (`recordSmsStop`), an SMS unsubscribe link, `setSmsOptOut` or this record's update.",
    )
    owner_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, contact: crm.Contact) -> Contact:
        return cls(
            id=str(contact.id),
            first_name=contact.first_name,
            last_name=contact.last_name,
            full_name=contact.full_name,
            name_order=NameOrder(contact.name_order) if contact.name_order else None,
            emails=list(contact.emails),
            phones=list(contact.phones),
            birthday=contact.birthday,
            tags=list(contact.tags),
            notes=contact.notes,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
            deleted_at=contact.deleted_at,
            version=contact.version,
            email_opt_out=contact.email_opt_out,
            sms_opt_out=contact.sms_opt_out,
            custom=contact.custom or {},
            owner_id=contact.owner_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Contact | None]:
        return await resolve_by_ids(info, "contacts_by_id", loaders.contacts_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The member responsible for this contact.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id)

    @strawberry.field(description="The lead this contact was created from or linked to by conversion.")
    async def converted_from_lead(
        self, info: Info
    ) -> Annotated[Lead, strawberry.lazy("graph.sales.leads.types")] | None:
        return await converted_from_lead(info, "leads_by_converted_contact_id", uuid.UUID(self.id))

    @strawberry.field(description="Accounts this contact works with, primary first, then by name.")
    async def accounts(self, info: Info) -> list[ContactAccount]:
        loader = info.context.loader("account_links_by_contact_id", loaders.account_links_by_contact_id)
        return [
            ContactAccount(
                account=Account.from_model(account),
                title=link.title,
                role=link.role,
                is_primary=link.is_primary,
            )
            for link, account in await loader.load(uuid.UUID(self.id))
        ]

    @strawberry.field(description="The primary account, if one is set and visible to you.")
    async def primary_account(self, info: Info) -> Account | None:
        loader = info.context.loader("account_links_by_contact_id", loaders.account_links_by_contact_id)
        links = await loader.load(uuid.UUID(self.id))
        return next((Account.from_model(account) for link, account in links if link.is_primary), None)

    @strawberry.field(description="Activities with this contact, newest first.")
    async def timeline(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Activity]:
        return await nested_connection(
            info,
            "timeline_pages_by_contact_id",
            loaders.timeline_pages_by_contact_id,
            loaders.timeline_statement,
            crm.Activity.contact_id,
            loaders.TIMELINE_ORDER,
            Activity.from_model,
            uuid.UUID(self.id),
            first,
            after,
            last,
            before,
        )


@strawberry.type(description="A contact's link to one account.")
class ContactAccount:
    account: Account = strawberry.field(description="The linked account.")
    title: str | None = strawberry.field(description="Job title at this account.")
    role: str | None = strawberry.field(description="Role in the relationship, e.g. decision maker.")
    is_primary: bool = strawberry.field(description="True for the contact's main account (at most one).")


@strawberry.type(description="A call, email, meeting, note or task on an account and/or a contact.")
class Activity(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = crm.ACTIVITY

    id: relay.NodeID[str]
    kind: ActivityKind = strawberry.field(description="What kind of activity.")
    subject: str = strawberry.field(description="One-line summary.")
    body: str | None = strawberry.field(description="Details.")
    occurred_at: datetime = strawberry.field(description="When it happened (done) or is planned for (UTC).")
    due_at: datetime | None = strawberry.field(description="For tasks: when it is due.")
    done: bool = strawberry.field(
        description="Done (it happened; counts as contact with the customer) or planned (a follow-up)."
    )
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates and deletes; a stale one is a CONFLICT.")
    account_id: strawberry.Private[uuid.UUID | None]
    contact_id: strawberry.Private[uuid.UUID | None]
    author_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, activity: crm.Activity) -> Activity:
        return cls(
            id=str(activity.id),
            kind=ActivityKind(activity.kind),
            subject=activity.subject,
            body=activity.body,
            occurred_at=activity.occurred_at,
            due_at=activity.due_at,
            done=activity.done,
            created_at=activity.created_at,
            updated_at=activity.updated_at,
            version=activity.version,
            custom=activity.custom or {},
            account_id=activity.account_id,
            contact_id=activity.contact_id,
            author_id=activity.author_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Activity | None]:
        return await resolve_by_ids(
            info, "activities_by_id", loaders.activities_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="The account it is on; null when none, hidden or deleted.")
    async def account(self, info: Info) -> Account | None:
        account = await live_node(info, "accounts_by_id", loaders.accounts_by_id, self.account_id)
        return Account.from_model(account) if account else None

    @strawberry.field(description="The contact it involves; null when none, hidden or deleted.")
    async def contact(self, info: Info) -> Contact | None:
        contact = await live_node(info, "contacts_by_id", loaders.contacts_by_id, self.contact_id)
        return Contact.from_model(contact) if contact else None

    @strawberry.field(description="Who recorded it.")
    async def author(self, info: Info) -> User | None:
        return await owner(info, self.author_id)
