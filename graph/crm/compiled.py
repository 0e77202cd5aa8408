"""How the CRM types read from SQL on the compiled path (graph/compiled): one entry per served field.

Each entry mirrors the resolver in graph/crm/types.py and the loader it uses (same scope, same
soft-delete rule, same ordering), so both paths answer alike; the differential mode of the test suite
checks that they do. Fields not listed here (custom fields, timelines, nested lists) are served by the
executor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import aliased

from graph.admin.lists import used_filters
from graph.compiled.errors import CannotCompile
from graph.compiled.planner import Build, from_clause, rescoped
from graph.compiled.registry import (
    CompiledType,
    ConnectionRoot,
    CreateRoot,
    NewRecord,
    NodeRoot,
    column,
    count_of,
    embedded,
    node_id,
    reference,
    register_create,
    register_root,
    register_type,
    timestamp,
)
from graph.crm import accounts, contacts, inputs
from graph.crm.filters import (
    ACCOUNT_FILTER_FIELDS,
    CONTACT_FILTER_FIELDS,
    account_conditions,
    account_ordering,
    contact_conditions,
    contact_ordering,
)
from graph.crm.models import ACCOUNT, CONTACT, Account, Contact, ContactAccount
from graph.identity.compiled import member_user
from graph.identity.members import active_member_exists
from tenants.fields.query import refuse_hidden_filters
from tenants.fields.values import (
    audit_changes,
    check_builtin_writes,
    custom_changes,
    given_custom,
    needs_database_checks,
    sort_keys,
)
from tenants.ids import new_id
from tenants.permissions import Action, Actor, Scope


def live_account(build: Build, target: Any) -> Any:
    """accounts_by_id + live_node: visible to the caller and not soft-deleted."""
    return rescoped(accounts.account_scope(build.actor), target) & target.deleted_at.is_(None)


def contact_count(build: Build, source: Any, selection: Any) -> Any:
    """The account's stored count of live contacts when the caller sees every contact; otherwise the
    links in the caller's scope are counted (as the executor's loader always does)."""
    if build.can_read(CONTACT) and build.actor.permissions.scope(CONTACT) is Scope.ALL:
        return source.live_contact_count
    return count_live_contacts(build, source, selection)


def live_contacts_of_account(build: Build, source: Any) -> Any:
    """loaders.contact_counts_by_account_id: live contacts in scope linked to the account."""
    return (
        select(Contact.id)
        .join(
            ContactAccount,
            (ContactAccount.tenant_id == Contact.tenant_id) & (ContactAccount.contact_id == Contact.id),
        )
        .where(
            contacts.contact_scope(build.actor),
            Contact.deleted_at.is_(None),
            ContactAccount.account_id == source.id,
        )
    )


def primary_account(build: Build, source: Any, selection: Any) -> Any:
    """loaders.account_links_by_contact_id, primary link only: a live account in scope, or null."""
    if not build.can_read(ACCOUNT):
        return literal_column("null")
    target = aliased(Account)
    return (
        select(build.object("Account", target, selection))
        .select_from(ContactAccount)
        .join(
            target, (target.tenant_id == ContactAccount.tenant_id) & (target.id == ContactAccount.account_id)
        )
        .where(
            ContactAccount.contact_id == source.id,
            ContactAccount.is_primary.is_(True),
            live_account(build, target),
        )
        .order_by(func.lower(target.name), target.id)
        .limit(1)
        .correlate(from_clause(source))
        .scalar_subquery()
    )


ADDRESS_FIELDS = {
    "street": column("street"),
    "city": column("city"),
    "region": column("region"),
    "postalCode": column("postal_code"),
    "country": column("country"),
}

register_type(CompiledType(name="Address", model=Account, fields=ADDRESS_FIELDS))
count_live_contacts = count_of(live_contacts_of_account, readable_as=CONTACT)
register_type(
    CompiledType(
        name="Account",
        model=Account,
        object_type=ACCOUNT,
        fields={
            "id": node_id("Account"),
            "name": column("name"),
            "domain": column("domain"),
            "industry": column("industry"),
            "tags": column("tags"),
            "address": embedded("Address"),
            "notes": column("notes"),
            "createdAt": timestamp("created_at"),
            "updatedAt": timestamp("updated_at"),
            "deletedAt": timestamp("deleted_at"),
            "version": column("version"),
            "owner": reference("User", lambda source: source.owner_id, visible=member_user),
            "parent": reference("Account", lambda source: source.parent_id, visible=live_account),
            "contactCount": contact_count,
        },
    )
)
register_type(
    CompiledType(
        name="Contact",
        model=Contact,
        object_type=CONTACT,
        fields={
            "id": node_id("Contact"),
            "firstName": column("first_name"),
            "lastName": column("last_name"),
            "fullName": column("full_name"),
            "emails": column("emails"),
            "phones": column("phones"),
            "birthday": column("birthday"),
            "tags": column("tags"),
            "notes": column("notes"),
            "createdAt": timestamp("created_at"),
            "updatedAt": timestamp("updated_at"),
            "deletedAt": timestamp("deleted_at"),
            "version": column("version"),
            "owner": reference("User", lambda source: source.owner_id, visible=member_user),
            "primaryAccount": primary_account,
        },
    )
)


def plain_list(
    object_type: str, filter_fields: Any, visible: Any, conditions: Any, ordering: Any, *, search_reads: bool
) -> Any:
    """A CRM root list as its resolver builds it, for what needs no read before the statement: custom-field
    conditions and sort keys read definitions first, and so does a contact search (its hidden-field check)."""

    def statement(actor: Any, arguments: dict[str, Any]) -> Any:
        given, orders = arguments.get("filter"), arguments.get("order_by")
        reads_first = given is not None and (given.custom or (search_reads and given.search))
        if reads_first or any(order.custom_field for order in orders or []):
            raise CannotCompile("custom-field conditions or a search that reads first")
        refuse_hidden_filters(actor, object_type, used_filters(given, filter_fields))
        return visible(actor).where(*conditions(given)).order_by(*ordering(orders))

    return statement


account_list = plain_list(
    ACCOUNT,
    ACCOUNT_FILTER_FIELDS,
    accounts.visible_accounts,
    account_conditions,
    account_ordering,
    search_reads=False,
)
contact_list = plain_list(
    CONTACT,
    CONTACT_FILTER_FIELDS,
    contacts.visible_contacts,
    contact_conditions,
    contact_ordering,
    search_reads=True,
)


register_root("account", NodeRoot(type_name="Account", object_type=ACCOUNT, scope=accounts.account_scope))
register_root("contact", NodeRoot(type_name="Contact", object_type=CONTACT, scope=contacts.contact_scope))
register_root("accounts", ConnectionRoot(type_name="Account", statement=account_list))
register_root("contacts", ConnectionRoot(type_name="Contact", statement=contact_list))


# --- createAccount -----------------------------------------------------------------------------------

# Every column but those PostgreSQL fills (timestamps, the trigger-kept contact count) or a create
# never sets (deleted_at).
ACCOUNT_COLUMNS = tuple(
    column.key
    for column in Account.__table__.c
    if column.key not in ("created_at", "updated_at", "deleted_at", "live_contact_count")
)


def prepare_account(actor: Actor, arguments: dict[str, Any], definitions: Any) -> NewRecord:
    """accounts.create_account up to its writes, with its functions; the owner is checked by the guard.
    A parent (hierarchy checks) and custom values checked against other rows go to the executor."""
    values = inputs.given_values(arguments["input"])
    actor.require(ACCOUNT, Action.CREATE)
    if values.get("parent_id") is not None:
        raise CannotCompile("a parent account needs the hierarchy checks")
    cleaned = accounts.clean_account_fields({"name": None, **values})
    if "owner_id" in values:
        cleaned["owner_id"] = accounts.required_owner(values)
    row = accounts.new_account_values(actor, cleaned)
    row["id"] = new_id()
    check_builtin_writes(actor, ACCOUNT, values)
    custom = custom_changes(actor, ACCOUNT, definitions, given_custom(values), {}, creating=True)
    if custom.errors or any(needs_database_checks(definitions[key]) for key in custom.changed):
        raise CannotCompile("custom values the executor checks or refuses")
    row["custom"] = custom.updated
    row["custom_sort"] = sort_keys(definitions, custom.updated, {})
    return NewRecord(
        row=row,
        audit=accounts.creation_audit(actor, row, audit_changes(custom)),
        event=accounts.change_event(actor, "created", row["id"], 1),
    )


register_create(
    "createAccount",
    CreateRoot(
        type_name="Account",
        object_type=ACCOUNT,
        payload_field="account",
        columns=ACCOUNT_COLUMNS,
        prepare=prepare_account,
        guards=lambda build, row: [active_member_exists(build.actor.tenant_id, row["owner_id"])],
        accepts=lambda arguments: not arguments["input"].parent_id,
    ),
)
