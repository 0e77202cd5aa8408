"""Filter and order inputs of the CRM lists, and their translation into SQL.

Every filterable column has an index leading with `tenant_id` (see migrations/versions/0002_crm.py);
every ordering ends with the id so keyset cursors are unique.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, func, or_, select
from strawberry import relay

from graph.admin.filters import CustomFieldCondition, custom_conditions_field, custom_order_field
from graph.admin.lists import CustomSort, sort_columns
from graph.core.filters import OrderDirection, ordered, search_text, soft_deleted, time_range
from graph.core.ids import decode_id
from graph.crm.models import ACTIVITY_KINDS, Account, Activity, Contact, ContactAccount
from graph.crm.names import FAMILY_FIRST, GIVEN_FIRST, NAME_ORDERS

NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


@strawberry.enum(description="What accounts can be sorted by.")
class AccountOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.enum(description="What contacts can be sorted by.")
class ContactOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.enum(description="What activities can be sorted by.")
class ActivityOrderField(Enum):
    OCCURRED_AT = "occurred_at"
    DUE_AT = "due_at"
    CREATED_AT = "created_at"


@strawberry.enum(description="The kind of an activity.")
class ActivityKind(Enum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"


assert {kind.value for kind in ActivityKind} == set(ACTIVITY_KINDS)


@strawberry.enum(description="Which name a full name starts with.")
class NameOrder(Enum):
    GIVEN_FIRST = GIVEN_FIRST
    FAMILY_FIRST = FAMILY_FIRST


assert {order.value for order in NameOrder} == set(NAME_ORDERS)


@strawberry.input(description="One sort key; the id is always added last so pages never skip or repeat.")
class AccountOrder:
    field: AccountOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="One sort key; NAME sorts by last name, then first name.")
class ContactOrder:
    field: ContactOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC or DESC.")


@strawberry.input(description="One sort key; the id is always added last.")
class ActivityOrder:
    field: ActivityOrderField | None = strawberry.field(
        default=None, description="Column to sort by; give this or customField."
    )
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC, description="ASC or DESC.")


@strawberry.input(description="Account filters; all given conditions must hold.")
class AccountFilter:
    owner_id: relay.GlobalID | None = strawberry.field(default=None, description="Owned by this User.")
    tag: str | None = strawberry.field(default=None, description="Carries this tag (exact match).")
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the name or domain (max 200 characters)."
    )
    parent_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Direct children of this Account."
    )
    created_after: datetime | None = strawberry.field(default=None, description="Created at or after.")
    created_before: datetime | None = strawberry.field(default=None, description="Created before.")
    updated_after: datetime | None = strawberry.field(default=None, description="Updated at or after.")
    updated_before: datetime | None = strawberry.field(default=None, description="Updated before.")
    deleted: bool | None = strawberry.field(
        default=False, description="false (default): live accounts; true: only soft-deleted ones, to restore."
    )
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


@strawberry.input(description="Contact filters; all given conditions must hold.")
class ContactFilter:
    owner_id: relay.GlobalID | None = strawberry.field(default=None, description="Owned by this User.")
    tag: str | None = strawberry.field(default=None, description="Carries this tag (exact match).")
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the names or email addresses."
    )
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="Linked to this Account.")
    created_after: datetime | None = strawberry.field(default=None, description="Created at or after.")
    created_before: datetime | None = strawberry.field(default=None, description="Created before.")
    updated_after: datetime | None = strawberry.field(default=None, description="Updated at or after.")
    updated_before: datetime | None = strawberry.field(default=None, description="Updated before.")
    deleted: bool | None = strawberry.field(
        default=False, description="false (default): live contacts; true: only soft-deleted ones, to restore."
    )
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


@strawberry.input(description="Activity filters; all given conditions must hold.")
class ActivityFilter:
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="On this Account.")
    contact_id: relay.GlobalID | None = strawberry.field(default=None, description="With this Contact.")
    author_id: relay.GlobalID | None = strawberry.field(default=None, description="Written by this User.")
    kind: ActivityKind | None = strawberry.field(default=None, description="Only this kind.")
    done: bool | None = strawberry.field(default=None, description="Only done (true) or open (false) ones.")
    due_before: datetime | None = strawberry.field(default=None, description="Tasks due before this time.")
    created_after: datetime | None = strawberry.field(default=None, description="Created at or after.")
    created_before: datetime | None = strawberry.field(default=None, description="Created before.")
    updated_after: datetime | None = strawberry.field(default=None, description="Updated at or after.")
    updated_before: datetime | None = strawberry.field(default=None, description="Updated before.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


def timestamps(model: Any, given: Any) -> list[ColumnElement[bool]]:
    return [
        *time_range(model.created_at, given.created_after, given.created_before),
        *time_range(model.updated_at, given.updated_after, given.updated_before),
    ]


def account_conditions(given: AccountFilter | None) -> list[ColumnElement[bool]]:
    given = given or AccountFilter()
    clauses = [soft_deleted(Account.deleted_at, given.deleted), *timestamps(Account, given)]
    if given.owner_id is not None:
        clauses.append(Account.owner_id == decode_id(given.owner_id, "User", "ownerId"))
    if given.parent_id is not None:
        clauses.append(Account.parent_id == decode_id(given.parent_id, "Account", "parentId"))
    if given.tag:
        clauses.append(Account.tags.contains([given.tag.strip()]))
    if given.search and given.search.strip():
        pattern = search_text(given.search)
        clauses.append(or_(Account.name.ilike(pattern), Account.domain.ilike(pattern)))
    return clauses


def contact_conditions(given: ContactFilter | None) -> list[ColumnElement[bool]]:
    given = given or ContactFilter()
    clauses = [soft_deleted(Contact.deleted_at, given.deleted), *timestamps(Contact, given)]
    if given.owner_id is not None:
        clauses.append(Contact.owner_id == decode_id(given.owner_id, "User", "ownerId"))
    if given.account_id is not None:
        account_id = decode_id(given.account_id, "Account", "accountId")
        clauses.append(
            Contact.id.in_(select(ContactAccount.contact_id).where(ContactAccount.account_id == account_id))
        )
    if given.tag:
        clauses.append(Contact.tags.contains([given.tag.strip()]))
    if given.search and given.search.strip():
        clauses.append(Contact.search_text.like(search_text(given.search)))
    return clauses


def activity_conditions(given: ActivityFilter | None) -> list[ColumnElement[bool]]:
    given = given or ActivityFilter()
    clauses = timestamps(Activity, given)
    if given.account_id is not None:
        clauses.append(Activity.account_id == decode_id(given.account_id, "Account", "accountId"))
    if given.contact_id is not None:
        clauses.append(Activity.contact_id == decode_id(given.contact_id, "Contact", "contactId"))
    if given.author_id is not None:
        clauses.append(Activity.author_id == decode_id(given.author_id, "User", "authorId"))
    if given.kind is not None:
        clauses.append(Activity.kind == given.kind.value)
    if given.done is not None:
        clauses.append(Activity.done.is_(given.done))
    if given.due_before is not None:
        clauses.append(Activity.due_at < given.due_before)
    return clauses


# Built-in fields each filter input reads: refused when the caller's role hides one of them.
ACCOUNT_FILTER_FIELDS = {"ownerId": ["owner"], "tag": ["tags"], "search": ["domain"]}
CONTACT_FILTER_FIELDS = {"ownerId": ["owner"], "tag": ["tags"], "search": ["emails"]}
ACTIVITY_FILTER_FIELDS = {"authorId": ["author"], "dueBefore": ["dueAt"]}
ACTIVITY_ORDER_FIELDS = {"DUE_AT": ["dueAt"]}


def account_ordering(orders: list[AccountOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        AccountOrderField.NAME: [func.lower(Account.name)],
        AccountOrderField.CREATED_AT: [Account.created_at],
        AccountOrderField.UPDATED_AT: [Account.updated_at],
    }
    orders = orders or [AccountOrder(field=AccountOrderField.NAME)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(Account.id, orders[-1].direction)]


def contact_ordering(orders: list[ContactOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        # The full name as shown ("Ada Lovelace", "张伟"): sorted the way people read the list.
        ContactOrderField.NAME: [func.lower(Contact.full_name)],
        ContactOrderField.CREATED_AT: [Contact.created_at],
        ContactOrderField.UPDATED_AT: [Contact.updated_at],
    }
    orders = orders or [ContactOrder(field=ContactOrderField.NAME)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(Contact.id, orders[-1].direction)]


def activity_ordering(orders: list[ActivityOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    columns = {
        ActivityOrderField.OCCURRED_AT: [Activity.occurred_at],
        # No due date sorts as the far future (keyset cursors need a non-null value).
        ActivityOrderField.DUE_AT: [func.coalesce(Activity.due_at, NO_DUE_DATE)],
        ActivityOrderField.CREATED_AT: [Activity.created_at],
    }
    orders = orders or [ActivityOrder(field=ActivityOrderField.OCCURRED_AT)]
    keys = [
        ordered(column, order.direction)
        for order in orders
        for column in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(Activity.id, orders[-1].direction)]
