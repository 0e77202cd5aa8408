"""Custom values as GraphQL: `customFields: JSON` and a typed `fieldValues` list on every opted-in type.

A type opts in by mixing in `HasCustomFields`, naming its object type in `CUSTOM_OBJECT_TYPE` and
passing `custom=record.custom` in `from_model`. Definitions come from a per-request loader (one query
per object type per request, whatever the page size); fields hidden from the caller's role and
archived fields are left out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from graph.core.context import Info, RequestContext
from graph.core.ids import encode_id
from graph.identity.loaders import users_by_id
from graph.identity.types import User
from tenants.fields.kinds import FieldType
from tenants.fields.models import FieldDefinition
from tenants.fields.registry import target
from tenants.fields.values import active_definitions, visible_definitions

CustomFieldType = strawberry.enum(
    Enum("CustomFieldType", {kind.name: kind.value for kind in FieldType}),  # type: ignore[misc]
    description="The type of a custom field; decides validation, storage and the value wrapper.",
)


def definitions_by_object_type(context: RequestContext) -> DataLoader[str, list[FieldDefinition]]:
    async def load(object_types: Sequence[str]) -> list[list[FieldDefinition]]:
        session = await context.session()
        return [
            visible_definitions(context.actor, object_type, await active_definitions(session, object_type))
            for object_type in object_types
        ]

    return DataLoader(load_fn=load)


def option_labels_by_list(context: RequestContext) -> DataLoader[str, dict[str, str]]:
    """{option key: label} of tenant option lists, archived options included (old values keep a label)."""
    from tenants.options import option_values

    async def load(list_keys: Sequence[str]) -> list[dict[str, str]]:
        session = await context.session()
        tenant_id = context.actor.tenant_id
        return [
            {o.key: o.label for o in await option_values(session, tenant_id, key, include_archived=True)}
            for key in list_keys
        ]

    return DataLoader(load_fn=load)


async def option_labels(info: Info, definitions: Sequence[FieldDefinition]) -> dict[str, dict[str, str]]:
    """Labels of the option lists the given definitions use, one query per list per request."""
    loader = info.context.loader("option_labels_by_list", option_labels_by_list)
    keys = sorted({d.validation["option_list"] for d in definitions if d.validation.get("option_list")})
    return dict(zip(keys, await loader.load_many(keys), strict=True)) if keys else {}


async def definitions_for(info: Info, object_type: str) -> list[FieldDefinition]:
    loader = info.context.loader("definitions_by_object_type", definitions_by_object_type)
    return await loader.load(object_type)


@strawberry.type(description="Value of a text, long text, URL, email or phone field.")
class TextValue:
    text: str = strawberry.field(description="The text.")


@strawberry.type(description="Value of an integer field (32-bit).")
class IntegerValue:
    integer: int = strawberry.field(description="The number.")


@strawberry.type(description="Value of a decimal field.")
class DecimalValue:
    decimal: Decimal = strawberry.field(description="The number.")


@strawberry.type(description="Value of a currency amount field.")
class MoneyValue:
    amount: Decimal = strawberry.field(description="The amount, in `currency`.")
    currency: str = strawberry.field(description="ISO 4217 code.")


@strawberry.type(description="Value of a date field.")
class DateValue:
    date: date = strawberry.field(description="The date.")


@strawberry.type(description="Value of a date-and-time field (UTC).")
class DateTimeValue:
    date_time: datetime = strawberry.field(description="The instant.")


@strawberry.type(description="Value of a boolean field.")
class BooleanValue:
    boolean: bool = strawberry.field(description="The value.")


@strawberry.type(description="One chosen option: its stable key and its current label.")
class OptionValue:
    key: str = strawberry.field(description="The option's stable key.")
    label: str | None = strawberry.field(description="Its label; null if the option was removed.")


@strawberry.type(description="Value of a multi select field.")
class OptionsValue:
    options: list[OptionValue] = strawberry.field(description="The options chosen.")


@strawberry.type(description="Value of a user reference field.")
class UserValue:
    user_id: strawberry.ID = strawberry.field(description="Global id of the User.")
    _user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The member; null when no longer visible.")
    async def user(self, info: Info) -> User | None:
        return await info.context.loader("users_by_id", users_by_id).load(self._user_id)


@strawberry.type(description="Value of a record reference field: fetch the record with `node(id:)`.")
class RecordValue:
    object_type: str = strawberry.field(description="The referenced record's object type.")
    record_id: strawberry.ID = strawberry.field(description="Global id of the referenced record.")


CustomValue = Annotated[
    TextValue
    | IntegerValue
    | DecimalValue
    | MoneyValue
    | DateValue
    | DateTimeValue
    | BooleanValue
    | OptionValue
    | OptionsValue
    | UserValue
    | RecordValue,
    strawberry.union("CustomValue", description="A custom value in its typed wrapper."),
]


@strawberry.type(description="One custom field of a record: definition key, type and typed value.")
class FieldValue:
    key: str = strawberry.field(description="The field's key.")
    label: str = strawberry.field(description="The field's label.")
    type: CustomFieldType = strawberry.field(description="The field's type.")  # type: ignore[valid-type]
    value: CustomValue | None = strawberry.field(description="Null when the record has no value.")


def option_label(definition: FieldDefinition, key: str, lists: dict[str, dict[str, str]]) -> str | None:
    if definition.validation.get("option_list"):
        return lists.get(definition.validation["option_list"], {}).get(key)
    for option in definition.validation.get("options", []):
        if option["key"] == key:
            return str(option["label"])
    return None


def typed_value(definition: FieldDefinition, value: Any, lists: dict[str, dict[str, str]]) -> Any:
    if value is None:
        return None
    match FieldType(definition.field_type):
        case FieldType.INTEGER:
            return IntegerValue(integer=int(value))
        case FieldType.DECIMAL:
            return DecimalValue(decimal=Decimal(str(value)))
        case FieldType.CURRENCY_AMOUNT:
            return MoneyValue(amount=Decimal(value["amount"]), currency=value["currency"])
        case FieldType.DATE:
            return DateValue(date=date.fromisoformat(value))
        case FieldType.DATETIME:
            return DateTimeValue(date_time=datetime.fromisoformat(value))
        case FieldType.BOOLEAN:
            return BooleanValue(boolean=bool(value))
        case FieldType.SINGLE_SELECT:
            return OptionValue(key=value, label=option_label(definition, value, lists))
        case FieldType.MULTI_SELECT:
            return OptionsValue(
                options=[OptionValue(key=k, label=option_label(definition, k, lists)) for k in value]
            )
        case FieldType.USER_REFERENCE:
            user_id = uuid.UUID(value)
            return UserValue(user_id=strawberry.ID(str(encode_id("User", user_id))), _user_id=user_id)
        case FieldType.RECORD_REFERENCE:
            referenced = target(definition.validation["target_type"])
            global_id = encode_id(referenced.graphql_type, uuid.UUID(value))
            return RecordValue(object_type=referenced.object_type, record_id=strawberry.ID(str(global_id)))
    return TextValue(text=str(value))


def plain_value(definition: FieldDefinition, value: Any) -> Any:
    """customFields JSON: the stored form, except references as global ids (what inputs accept)."""
    field_type = FieldType(definition.field_type)
    if field_type is FieldType.USER_REFERENCE:
        return str(encode_id("User", uuid.UUID(value)))
    if field_type is FieldType.RECORD_REFERENCE:
        return str(encode_id(target(definition.validation["target_type"]).graphql_type, uuid.UUID(value)))
    return value


@strawberry.type
class HasCustomFields:
    """Mixin of every type with custom fields; subclasses set CUSTOM_OBJECT_TYPE."""

    CUSTOM_OBJECT_TYPE = ""
    custom: strawberry.Private[dict[str, Any]]

    @strawberry.field(
        description="Custom values by field key (fields hidden from your role and archived ones left out)."
    )
    async def custom_fields(self, info: Info) -> JSON:
        definitions = await definitions_for(info, self.CUSTOM_OBJECT_TYPE)
        return {
            d.key: plain_value(d, self.custom[d.key])
            for d in definitions
            if self.custom.get(d.key) is not None
        }

    @strawberry.field(description="Every custom field you may see, in form order, with its typed value.")
    async def field_values(self, info: Info) -> list[FieldValue]:
        definitions = await definitions_for(info, self.CUSTOM_OBJECT_TYPE)
        lists = await option_labels(info, definitions)
        return [
            FieldValue(
                key=d.key,
                label=d.label,
                type=CustomFieldType(d.field_type),
                value=typed_value(d, self.custom.get(d.key), lists),
            )
            for d in definitions
        ]
