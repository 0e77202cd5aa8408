"""Inputs and payloads of the CRM mutations, and their translation into service values.

Update inputs leave every field UNSET by default: only the fields a caller sends change, and an
explicit null clears an optional field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core import inputs as core_inputs
from graph.core.errors import UserError
from graph.crm.filters import ActivityKind, NameOrder
from graph.crm.types import Account, Activity, Contact


@strawberry.input(description="A postal address; in updates only the parts you send change.")
class AddressInput:
    street: str | None = strawberry.field(default=UNSET, description="Street and number (max 200).")
    city: str | None = strawberry.field(default=UNSET, description="City (max 100).")
    region: str | None = strawberry.field(default=UNSET, description="State or region (max 100).")
    postal_code: str | None = strawberry.field(default=UNSET, description="Postal code (max 20).")
    country: str | None = strawberry.field(default=UNSET, description="Country (max 100).")


@strawberry.input(description="A new account. The owner defaults to you.")
class CreateAccountInput:
    name: str = strawberry.field(description="Display name, 1-200 characters.")
    domain: str | None = strawberry.field(default=UNSET, description="Web domain, e.g. example.com.")
    industry: str | None = strawberry.field(default=UNSET, description="Industry (max 100).")
    parent_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Parent Account.")
    owner_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Owning User; must be an active member. Defaults to you."
    )
    tags: list[str] | None = strawberry.field(default=UNSET, description="At most 20 tags of 50 characters.")
    address: AddressInput | None = strawberry.field(default=UNSET, description="Postal address.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes (max 10,000 characters).")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to an account; fields you leave out stay as they are.")
class UpdateAccountInput:
    name: str | None = strawberry.field(default=UNSET, description="Display name, 1-200 characters.")
    domain: str | None = strawberry.field(default=UNSET, description="Web domain; null clears it.")
    industry: str | None = strawberry.field(default=UNSET, description="Industry; null clears it.")
    parent_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="New parent Account; null makes it a top-level account. No cycles."
    )
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="New owning User.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces all tags.")
    address: AddressInput | None = strawberry.field(default=UNSET, description="Address parts to change.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes; null clears them.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="A new contact. The owner defaults to you.")
class CreateContactInput:
    first_name: str = strawberry.field(description="Given name, 1-100 characters.")
    last_name: str = strawberry.field(description="Family name, 1-100 characters.")
    name_order: NameOrder | None = strawberry.field(
        default=UNSET,
        description="How fullName orders the names; left out or null: guessed (CJK family name first).",
    )
    emails: list[str] | None = strawberry.field(default=UNSET, description="Valid addresses, at most 10.")
    phones: list[str] | None = strawberry.field(default=UNSET, description="Phone numbers, at most 10.")
    birthday: date | None = strawberry.field(default=UNSET, description="Date of birth, not in the future.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Owning User.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="At most 20 tags.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes (max 10,000 characters).")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a contact; fields you leave out stay as they are.")
class UpdateContactInput:
    first_name: str | None = strawberry.field(default=UNSET, description="Given name.")
    last_name: str | None = strawberry.field(default=UNSET, description="Family name.")
    name_order: NameOrder | None = strawberry.field(
        default=UNSET, description="How fullName orders the names; null: guessed from the script again."
    )
    emails: list[str] | None = strawberry.field(default=UNSET, description="Replaces all addresses.")
    phones: list[str] | None = strawberry.field(default=UNSET, description="Replaces all phone numbers.")
    sms_opt_out: bool | None = strawberry.field(
        default=UNSET,
        description="True: no marketing SMS (campaign SMS skip this contact and, while true, anyone with the "
        "same number); false: accepts them again. Null is refused.",
    )
    birthday: date | None = strawberry.field(default=UNSET, description="Date of birth; null clears it.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="New owning User.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces all tags.")
    notes: str | None = strawberry.field(default=UNSET, description="Notes; null clears them.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Link a contact to an account (or update an existing link).")
class LinkContactToAccountInput:
    contact_id: relay.GlobalID = strawberry.field(description="The Contact.")
    account_id: relay.GlobalID = strawberry.field(description="The Account.")
    title: str | None = strawberry.field(default=None, description="Job title there (max 200).")
    role: str | None = strawberry.field(default=None, description="Role in the relationship (max 100).")
    is_primary: bool = strawberry.field(
        default=False, description="Make this the contact's primary account (demotes the previous one)."
    )


@strawberry.input(description="A new activity on an account, a contact, or both (at least one).")
class CreateActivityInput:
    kind: ActivityKind = strawberry.field(description="CALL, EMAIL, MEETING, NOTE or TASK.")
    subject: str = strawberry.field(description="One-line summary, 1-300 characters.")
    body: str | None = strawberry.field(default=UNSET, description="Details (max 20,000 characters).")
    occurred_at: datetime | None = strawberry.field(
        default=UNSET,
        description="When it happened (done) or is planned for; defaults to now. A done activity may be "
        "dated at most 5 minutes ahead (INVALID otherwise).",
    )
    due_at: datetime | None = strawberry.field(default=UNSET, description="Due date (tasks only).")
    done: bool | None = strawberry.field(
        default=UNSET,
        description="Done (it happened; counts as contact) or planned (a follow-up). Left out: done when "
        "dated now or earlier, planned when dated ahead; tasks start planned.",
    )
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The Account.")
    contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The Contact.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to an activity; fields you leave out stay as they are.")
class UpdateActivityInput:
    kind: ActivityKind | None = strawberry.field(default=UNSET, description="New kind.")
    subject: str | None = strawberry.field(default=UNSET, description="One-line summary.")
    body: str | None = strawberry.field(default=UNSET, description="Details; null clears them.")
    occurred_at: datetime | None = strawberry.field(
        default=UNSET, description="When it happened or is planned for; a done one at most 5 minutes ahead."
    )
    due_at: datetime | None = strawberry.field(default=UNSET, description="Due date (tasks only).")
    done: bool | None = strawberry.field(
        default=UNSET,
        description="Mark done (a planned one still dated ahead is dated now) or planned again.",
    )
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Move to this Account.")
    contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Move to this Contact.")
    custom: JSON | None = custom_values_field()


@strawberry.type(description="Result of an account mutation: the account, or errors.")
class AccountPayload:
    account: Account | None = strawberry.field(default=None, description="The account after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of a contact mutation: the contact, or errors.")
class ContactPayload:
    contact: Contact | None = strawberry.field(default=None, description="The contact after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


@strawberry.type(description="Result of an activity mutation: the activity, or errors.")
class ActivityPayload:
    activity: Activity | None = strawberry.field(default=None, description="The activity after the change.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="What went wrong, if anything."
    )


# (input attribute, GraphQL type of a global id or None, GraphQL field name)
ID_FIELDS = {
    "parent_id": ("Account", "parentId"),
    "owner_id": ("User", "ownerId"),
    "account_id": ("Account", "accountId"),
    "contact_id": ("Contact", "contactId"),
}


def given_values(data: Any) -> dict[str, Any]:
    """The fields the caller sent (see graph/core/inputs.py), the address flattened into its parts."""
    values = core_inputs.given_values(data, ID_FIELDS, skip=("address",))
    address = getattr(data, "address", UNSET)
    if address is not UNSET:
        parts = core_inputs.given_values(address, {}) if address is not None else dict.fromkeys(ADDRESS_PARTS)
        values.update(parts)
    return values


ADDRESS_PARTS = ("street", "city", "region", "postal_code", "country")
