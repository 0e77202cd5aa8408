"""What can be exported: each list with its own filter and sort inputs, the statement its API list runs
(record scope and conditions), and its columns named by the fields role rules speak of, so a field the
caller's role hides is never written. Another list joins with one `register_export_list(...)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.admin.filters import custom_conditions
from graph.crm import accounts, contacts
from graph.crm.filters import (
    ACCOUNT_FILTER_FIELDS,
    CONTACT_FILTER_FIELDS,
    AccountFilter,
    AccountOrder,
    ContactFilter,
    ContactOrder,
    account_conditions,
    account_ordering,
    contact_conditions,
    contact_ordering,
)
from graph.crm.models import ACCOUNT, CONTACT, Account, Contact
from graph.sales.leads import leads
from graph.sales.leads.inputs import (
    LEAD_FILTER_FIELDS,
    LEAD_ORDER_FIELDS,
    LeadFilter,
    LeadOrder,
    lead_conditions,
    lead_ordering,
)
from graph.sales.leads.models import LEAD, Lead
from tenants.errors import DomainError, ErrorCode
from tenants.fields.query import CustomQuery, refuse_hidden_filters, refuse_hidden_search
from tenants.permissions import Actor


@dataclass(frozen=True)
class ExportColumn:
    header: str
    field: str  # the field role rules name (`address` covers street..country)
    value: Callable[[Any], Any]
    member: bool = False  # a user id, written as the member's email


@dataclass(frozen=True)
class ExportList:
    object_type: str
    model: Any
    filter_type: type
    order_type: type
    filter_fields: dict[str, list[str]]
    visible: Callable[[Actor], Select[Any]]
    conditions: Callable[[Any], list[Any]]
    ordering: Callable[[list[Any] | None, Any], list[Any]]
    columns: tuple[ExportColumn, ...]
    order_fields: dict[str, list[str]] = field(default_factory=dict)  # sort keys reading hideable fields

    async def statement(
        self, session: AsyncSession, actor: Actor, given: Any, order_by: list[Any] | None
    ) -> Select[Any]:
        """The list's own statement, as its API list builds it (hidden filters refused the same way)."""
        from graph.admin.lists import used_filters, used_orders

        refuse_hidden_filters(actor, self.object_type, used_filters(given, self.filter_fields))
        refuse_hidden_filters(actor, self.object_type, used_orders(order_by, self.order_fields), "orderBy")
        if given is not None and getattr(given, "search", None):
            await refuse_hidden_search(session, actor, self.object_type)
        statement = self.visible(actor).where(*self.conditions(given))
        custom = custom_conditions(getattr(given, "custom", None) if given is not None else None)
        sorted_by_custom = any(getattr(order, "custom_field", None) for order in order_by or [])
        sort_key = None
        if custom or sorted_by_custom:
            query = await CustomQuery.load(session, actor, self.object_type, self.model)
            statement = statement.where(*query.conditions(custom))
            sort_key = query.sort_key
        return statement.order_by(*self.ordering(order_by, sort_key))


EXPORT_LISTS: dict[str, ExportList] = {}


def register_export_list(entry: ExportList) -> ExportList:
    EXPORT_LISTS[entry.object_type] = entry
    return entry


def export_list(object_type: str) -> ExportList:
    if object_type not in EXPORT_LISTS:
        known = ", ".join(sorted(EXPORT_LISTS))
        raise DomainError(ErrorCode.INVALID, f"Exports take one of: {known}.", "objectType")
    return EXPORT_LISTS[object_type]


def attribute(name: str) -> Callable[[Any], Any]:
    return lambda record: getattr(record, name)


register_export_list(
    ExportList(
        object_type=ACCOUNT,
        model=Account,
        filter_type=AccountFilter,
        order_type=AccountOrder,
        filter_fields=ACCOUNT_FILTER_FIELDS,
        visible=accounts.visible_accounts,
        conditions=account_conditions,
        ordering=account_ordering,
        columns=(
            ExportColumn("name", "name", attribute("name")),
            ExportColumn("domain", "domain", attribute("domain")),
            ExportColumn("industry", "industry", attribute("industry")),
            ExportColumn("tags", "tags", attribute("tags")),
            ExportColumn("street", "address", attribute("street")),
            ExportColumn("city", "address", attribute("city")),
            ExportColumn("region", "address", attribute("region")),
            ExportColumn("postalCode", "address", attribute("postal_code")),
            ExportColumn("country", "address", attribute("country")),
            ExportColumn("notes", "notes", attribute("notes")),
            ExportColumn("owner", "owner", attribute("owner_id"), member=True),
        ),
    )
)
register_export_list(
    ExportList(
        object_type=CONTACT,
        model=Contact,
        filter_type=ContactFilter,
        order_type=ContactOrder,
        filter_fields=CONTACT_FILTER_FIELDS,
        visible=contacts.visible_contacts,
        conditions=contact_conditions,
        ordering=contact_ordering,
        columns=(
            ExportColumn("firstName", "firstName", attribute("first_name")),
            ExportColumn("lastName", "lastName", attribute("last_name")),
            ExportColumn("emails", "emails", attribute("emails")),
            ExportColumn("phones", "phones", attribute("phones")),
            ExportColumn("birthday", "birthday", attribute("birthday")),
            ExportColumn("tags", "tags", attribute("tags")),
            ExportColumn("notes", "notes", attribute("notes")),
            ExportColumn("owner", "owner", attribute("owner_id"), member=True),
        ),
    )
)
register_export_list(
    ExportList(
        object_type=LEAD,
        model=Lead,
        filter_type=LeadFilter,
        order_type=LeadOrder,
        filter_fields=LEAD_FILTER_FIELDS,
        order_fields=LEAD_ORDER_FIELDS,
        visible=leads.visible_leads,
        conditions=lead_conditions,
        ordering=lead_ordering,
        columns=(
            ExportColumn("source", "source", attribute("source")),
            ExportColumn("firstName", "firstName", attribute("first_name")),
            ExportColumn("lastName", "lastName", attribute("last_name")),
            ExportColumn("email", "email", attribute("email")),
            ExportColumn("phone", "phone", attribute("phone")),
            ExportColumn("title", "title", attribute("title")),
            ExportColumn("companyName", "companyName", attribute("company_name")),
            ExportColumn("region", "region", attribute("region")),
            ExportColumn("country", "country", attribute("country")),
            ExportColumn("notes", "notes", attribute("notes")),
            ExportColumn("status", "status", attribute("status")),
            ExportColumn("owner", "owner", attribute("owner_id"), member=True),
        ),
    )
)
