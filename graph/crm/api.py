"""CRM queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry
from strawberry import relay

from graph.admin.lists import custom_page, used_filters, used_orders
from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection
from graph.crm import accounts, activities, contacts, loaders, models
from graph.crm import reminders as reminders  # registers the `crm.reminders` job
from graph.crm.filters import (
    ACCOUNT_FILTER_FIELDS,
    ACTIVITY_FILTER_FIELDS,
    ACTIVITY_ORDER_FIELDS,
    CONTACT_FILTER_FIELDS,
    AccountFilter,
    AccountOrder,
    ActivityFilter,
    ActivityOrder,
    ContactFilter,
    ContactOrder,
    account_conditions,
    account_ordering,
    activity_conditions,
    activity_ordering,
    contact_conditions,
    contact_ordering,
)
from graph.crm.inputs import (
    AccountPayload,
    ActivityPayload,
    ContactPayload,
    CreateAccountInput,
    CreateActivityInput,
    CreateContactInput,
    LinkContactToAccountInput,
    UpdateAccountInput,
    UpdateActivityInput,
    UpdateContactInput,
    given_values,
)
from graph.crm.types import Account, Activity, Contact
from tenants.errors import DomainError
from tenants.fields.query import refuse_hidden_filters, refuse_hidden_search

T = TypeVar("T")

AccountId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of an Account.")]
ContactId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Contact.")]
ActivityId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of an Activity.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


@strawberry.type
class CrmQuery:
    @strawberry.field(description="Accounts you may see; live ones unless `filter.deleted` is true.")
    async def accounts(
        self,
        info: Info,
        filter: Annotated[AccountFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[AccountOrder] | None, strawberry.argument(description="Sort keys; default NAME ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Account]:
        actor = info.context.actor
        refuse_hidden_filters(actor, models.ACCOUNT, used_filters(filter, ACCOUNT_FILTER_FIELDS))
        statement = accounts.visible_accounts(actor).where(*account_conditions(filter))
        return await custom_page(
            info,
            models.ACCOUNT,
            models.Account,
            statement,
            filter,
            order_by,
            account_ordering,
            Account.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="Contacts you may see; live ones unless `filter.deleted` is true.")
    async def contacts(
        self,
        info: Info,
        filter: Annotated[ContactFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[ContactOrder] | None, strawberry.argument(description="Sort keys; default NAME ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Contact]:
        actor = info.context.actor
        refuse_hidden_filters(actor, models.CONTACT, used_filters(filter, CONTACT_FILTER_FIELDS))
        if filter is not None and filter.search:
            await refuse_hidden_search(await info.context.session(), actor, models.CONTACT)
        statement = contacts.visible_contacts(actor).where(*contact_conditions(filter))
        return await custom_page(
            info,
            models.CONTACT,
            models.Contact,
            statement,
            filter,
            order_by,
            contact_ordering,
            Contact.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="Activities you may see.")
    async def activities(
        self,
        info: Info,
        filter: Annotated[ActivityFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[ActivityOrder] | None,
            strawberry.argument(description="Sort keys; default OCCURRED_AT DESC."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Activity]:
        actor = info.context.actor
        refuse_hidden_filters(actor, models.ACTIVITY, used_filters(filter, ACTIVITY_FILTER_FIELDS))
        refuse_hidden_filters(actor, models.ACTIVITY, used_orders(order_by, ACTIVITY_ORDER_FIELDS), "orderBy")
        statement = activities.visible_activities(actor).where(*activity_conditions(filter))
        return await custom_page(
            info,
            models.ACTIVITY,
            models.Activity,
            statement,
            filter,
            order_by,
            activity_ordering,
            Activity.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(
        description="One account (also soft-deleted ones); null if missing or not yours to see."
    )
    async def account(self, info: Info, id: AccountId) -> Account | None:
        try:
            account_id = decode_id(id, "Account")
        except DomainError:
            return None
        record = await info.context.loader("accounts_by_id", loaders.accounts_by_id).load(account_id)
        return Account.from_model(record) if record else None

    @strawberry.field(
        description="One contact (also soft-deleted ones); null if missing or not yours to see."
    )
    async def contact(self, info: Info, id: ContactId) -> Contact | None:
        try:
            contact_id = decode_id(id, "Contact")
        except DomainError:
            return None
        record = await info.context.loader("contacts_by_id", loaders.contacts_by_id).load(contact_id)
        return Contact.from_model(record) if record else None


@strawberry.type
class CrmMutation:
    @strawberry.mutation(description="Create an account (needs account create permission).")
    @mutation_payload(AccountPayload)
    async def create_account(self, info: Info, input: Input[CreateAccountInput]) -> AccountPayload:
        session, actor = await info.context.session(), info.context.actor
        account = await accounts.create_account(session, actor, given_values(input))
        return AccountPayload(account=Account.from_model(account))

    @strawberry.mutation(description="Change the given fields of an account.")
    @mutation_payload(AccountPayload)
    async def update_account(
        self, info: Info, id: AccountId, version: Version, input: Input[UpdateAccountInput]
    ) -> AccountPayload:
        session, actor = await info.context.session(), info.context.actor
        account_id = decode_id(id, "Account")
        account = await accounts.update_account(session, actor, account_id, version, given_values(input))
        return AccountPayload(account=Account.from_model(account))

    @strawberry.mutation(description="Soft-delete an account; restoreAccount brings it back.")
    @mutation_payload(AccountPayload)
    async def delete_account(self, info: Info, id: AccountId, version: Version) -> AccountPayload:
        session, actor = await info.context.session(), info.context.actor
        account = await accounts.delete_account(session, actor, decode_id(id, "Account"), version)
        return AccountPayload(account=Account.from_model(account))

    @strawberry.mutation(description="Bring back a soft-deleted account.")
    @mutation_payload(AccountPayload)
    async def restore_account(self, info: Info, id: AccountId) -> AccountPayload:
        session, actor = await info.context.session(), info.context.actor
        account = await accounts.restore_account(session, actor, decode_id(id, "Account"))
        return AccountPayload(account=Account.from_model(account))

    @strawberry.mutation(description="Create a contact (needs contact create permission).")
    @mutation_payload(ContactPayload)
    async def create_contact(self, info: Info, input: Input[CreateContactInput]) -> ContactPayload:
        session, actor = await info.context.session(), info.context.actor
        contact = await contacts.create_contact(session, actor, given_values(input))
        return ContactPayload(contact=Contact.from_model(contact))

    @strawberry.mutation(description="Change the given fields of a contact.")
    @mutation_payload(ContactPayload)
    async def update_contact(
        self, info: Info, id: ContactId, version: Version, input: Input[UpdateContactInput]
    ) -> ContactPayload:
        session, actor = await info.context.session(), info.context.actor
        contact_id = decode_id(id, "Contact")
        contact = await contacts.update_contact(session, actor, contact_id, version, given_values(input))
        return ContactPayload(contact=Contact.from_model(contact))

    @strawberry.mutation(description="Soft-delete a contact; restoreContact brings it back.")
    @mutation_payload(ContactPayload)
    async def delete_contact(self, info: Info, id: ContactId, version: Version) -> ContactPayload:
        session, actor = await info.context.session(), info.context.actor
        contact = await contacts.delete_contact(session, actor, decode_id(id, "Contact"), version)
        return ContactPayload(contact=Contact.from_model(contact))

    @strawberry.mutation(description="Bring back a soft-deleted contact.")
    @mutation_payload(ContactPayload)
    async def restore_contact(self, info: Info, id: ContactId) -> ContactPayload:
        session, actor = await info.context.session(), info.context.actor
        contact = await contacts.restore_contact(session, actor, decode_id(id, "Contact"))
        return ContactPayload(contact=Contact.from_model(contact))

    @strawberry.mutation(
        description="Link a contact to an account, or update the link's title, role, primary."
    )
    @mutation_payload(ContactPayload)
    async def link_contact_to_account(
        self, info: Info, input: Input[LinkContactToAccountInput]
    ) -> ContactPayload:
        session, actor = await info.context.session(), info.context.actor
        contact = await contacts.link_contact_to_account(
            session,
            actor,
            decode_id(input.contact_id, "Contact", "contactId"),
            decode_id(input.account_id, "Account", "accountId"),
            {"title": input.title, "role": input.role, "is_primary": input.is_primary},
        )
        return ContactPayload(contact=Contact.from_model(contact))

    @strawberry.mutation(description="Remove a contact's link to an account.")
    @mutation_payload(ContactPayload)
    async def unlink_contact_from_account(
        self, info: Info, contact_id: ContactId, account_id: AccountId
    ) -> ContactPayload:
        session, actor = await info.context.session(), info.context.actor
        contact = await contacts.unlink_contact_from_account(
            session,
            actor,
            decode_id(contact_id, "Contact", "contactId"),
            decode_id(account_id, "Account", "accountId"),
        )
        return ContactPayload(contact=Contact.from_model(contact))

    @strawberry.mutation(description="Record an activity on an account and/or a contact you may see.")
    @mutation_payload(ActivityPayload)
    async def create_activity(self, info: Info, input: Input[CreateActivityInput]) -> ActivityPayload:
        session, actor = await info.context.session(), info.context.actor
        activity = await activities.create_activity(session, actor, given_values(input))
        return ActivityPayload(activity=Activity.from_model(activity))

    @strawberry.mutation(description="Change the given fields of an activity.")
    @mutation_payload(ActivityPayload)
    async def update_activity(
        self, info: Info, id: ActivityId, version: Version, input: Input[UpdateActivityInput]
    ) -> ActivityPayload:
        session, actor = await info.context.session(), info.context.actor
        activity_id = decode_id(id, "Activity")
        activity = await activities.update_activity(session, actor, activity_id, version, given_values(input))
        return ActivityPayload(activity=Activity.from_model(activity))

    @strawberry.mutation(
        description="Mark a planned activity (or task) as done; one still dated ahead is dated now."
    )
    @mutation_payload(ActivityPayload)
    async def complete_activity(self, info: Info, id: ActivityId, version: Version) -> ActivityPayload:
        session, actor = await info.context.session(), info.context.actor
        activity = await activities.complete_activity(session, actor, decode_id(id, "Activity"), version)
        return ActivityPayload(activity=Activity.from_model(activity))

    @strawberry.mutation(description="Delete an activity for good (the audit log keeps its content).")
    @mutation_payload(ActivityPayload)
    async def delete_activity(self, info: Info, id: ActivityId, version: Version) -> ActivityPayload:
        session, actor = await info.context.session(), info.context.actor
        activity = await activities.delete_activity(session, actor, decode_id(id, "Activity"), version)
        return ActivityPayload(activity=Activity.from_model(activity))
