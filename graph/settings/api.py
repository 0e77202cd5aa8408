"""Tenant settings queries and mutations: numbering patterns, option lists, base currency, exchange rates,
the cash-discount tax rule.

Every member may read them (forms and reports need them); changing them needs the MANAGE_FIELDS
(option lists) or MANAGE_SETTINGS (numbering, currencies) capability.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, connection_of, paginate
from graph.money import service as money
from graph.money import tax
from graph.money.models import ExchangeRate as ExchangeRateModel
from graph.settings.types import (
    AddOptionInput,
    CurrencySettings,
    CurrencySettingsPayload,
    ExchangeRate,
    ExchangeRateFilter,
    ExchangeRatePayload,
    NumberingSequence,
    NumberingSequencePayload,
    OptionList,
    OptionPayload,
    OptionValueType,
    SetExchangeRateInput,
    SetOptionTranslationInput,
    TaxSettings,
    TaxSettingsPayload,
    UpdateOptionInput,
)
from tenants import numbering, options
from tenants.models import Tenant
from tenants.numbering import SEQUENCES
from tenants.options import OPTION_LISTS


async def sequence_view(info: Info, key: str) -> NumberingSequence:
    sequence = numbering.sequence_named(key)
    session, tenant_id = await info.context.session(), info.context.actor.tenant_id
    return NumberingSequence(
        key=key,
        label=sequence.label,
        pattern=await numbering.current_pattern(session, tenant_id, key),
        default_pattern=sequence.default_pattern,
    )


async def option_list_view(info: Info, key: str, include_archived: bool) -> OptionList:
    option_list = options.option_list_named(key, "key")
    session, tenant_id = await info.context.session(), info.context.actor.tenant_id
    values = await options.option_values(session, tenant_id, key, include_archived)
    return OptionList(
        key=key, label=option_list.label, options=[OptionValueType.from_model(v) for v in values]
    )


async def currency_settings_view(session: AsyncSession, tenant_id: uuid.UUID) -> CurrencySettings:
    base_currency, locale = (
        await session.execute(select(Tenant.base_currency, Tenant.locale).where(Tenant.id == tenant_id))
    ).one()
    return CurrencySettings(base_currency=base_currency, locale=locale)


ListKey = Annotated[str, strawberry.argument(description="The option list, e.g. lead_sources.")]
OptionKey = Annotated[str, strawberry.argument(description="The option's key.")]
IncludeArchived = Annotated[
    bool, strawberry.argument(description="Also list archived options (for admin screens).")
]


@strawberry.type
class SettingsQuery:
    @strawberry.field(description="The tenant's numbering sequences and their patterns.")
    async def numbering_sequences(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[NumberingSequence]:
        found = [await sequence_view(info, key) for key in sorted(SEQUENCES)]
        return connection_of(found, lambda sequence: sequence.key, first, after, last, before)

    @strawberry.field(description="One option list by key, e.g. lead_sources.")
    async def option_list(
        self,
        info: Info,
        key: Annotated[str, strawberry.argument(description="The list's key, e.g. lead_sources.")],
        include_archived: IncludeArchived = False,
    ) -> OptionList:
        return await option_list_view(info, key, include_archived)

    @strawberry.field(description="Every option list, with live options only.")
    async def option_lists(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[OptionList]:
        found = [await option_list_view(info, key, False) for key in sorted(OPTION_LISTS)]
        return connection_of(found, lambda option_list: option_list.key, first, after, last, before)

    @strawberry.field(description="The tenant's base currency and locale.")
    async def currency_settings(self, info: Info) -> CurrencySettings:
        session, tenant_id = await info.context.session(), info.context.actor.tenant_id
        return await currency_settings_view(session, tenant_id)

    @strawberry.field(description="The tenant's tax rules (the cash-discount rule).")
    async def tax_settings(self, info: Info) -> TaxSettings:
        session, tenant_id = await info.context.session(), info.context.actor.tenant_id
        return TaxSettings.from_rules(await tax.tax_rules(session, tenant_id))

    @strawberry.field(description="Exchange rates, by currency then newest first.")
    async def exchange_rates(
        self,
        info: Info,
        filter: Annotated[
            ExchangeRateFilter | None, strawberry.argument(description="Conditions; left out: every rate.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ExchangeRate]:
        info.context.actor  # noqa: B018 - reading rates still needs a login
        statement = select(ExchangeRateModel)
        if filter is not None and filter.currency is not None:
            currency = money.validate_currency(filter.currency, "filter.currency")
            statement = statement.where(ExchangeRateModel.currency == currency)
        ordered = statement.order_by(
            ExchangeRateModel.currency, ExchangeRateModel.effective_on.desc(), ExchangeRateModel.id
        )
        session = await info.context.session()
        return await paginate(session, ordered, ExchangeRate.from_model, first, after, before, last)


@strawberry.type
class SettingsMutation:
    @strawberry.mutation(description="Set the pattern of a numbering sequence (manage_settings).")
    @mutation_payload(NumberingSequencePayload)
    async def set_numbering_pattern(
        self,
        info: Info,
        sequence: Annotated[str, strawberry.argument(description="The sequence's key, e.g. quote.")],
        pattern: Annotated[str, strawberry.argument(description="E.g. QUO-{YYYY}-{SEQ:4}; see `tokens`.")],
    ) -> NumberingSequencePayload:
        session, actor = await info.context.session(), info.context.actor
        await numbering.set_pattern(session, actor, sequence, pattern)
        return NumberingSequencePayload(sequence=await sequence_view(info, sequence))

    @strawberry.mutation(description="Add an option to a list (manage_fields).")
    @mutation_payload(OptionPayload)
    async def add_option(
        self, info: Info, input: Annotated[AddOptionInput, strawberry.argument(description="The option.")]
    ) -> OptionPayload:
        session, actor = await info.context.session(), info.context.actor
        option = await options.add_option(
            session, actor, input.list_key, input.key, input.label, input.position
        )
        return OptionPayload(option=OptionValueType.from_model(option))

    @strawberry.mutation(description="Rename or move an option (manage_fields); records keep its key.")
    @mutation_payload(OptionPayload)
    async def update_option(
        self, info: Info, input: Annotated[UpdateOptionInput, strawberry.argument(description="The change.")]
    ) -> OptionPayload:
        session, actor = await info.context.session(), info.context.actor
        option = await options.update_option(
            session, actor, input.list_key, input.key, input.label, input.position
        )
        return OptionPayload(option=OptionValueType.from_model(option))

    @strawberry.mutation(
        description="Set the tenant's label of an option in one language (manage_fields): readers of that "
        "locale (or language) see it as `label`; `label: null` removes the translation. The key, which "
        "records store, never changes."
    )
    @mutation_payload(OptionPayload)
    async def set_option_translation(
        self,
        info: Info,
        input: Annotated[SetOptionTranslationInput, strawberry.argument(description="The translation.")],
    ) -> OptionPayload:
        session, actor = await info.context.session(), info.context.actor
        option = await options.set_option_translation(
            session, actor, input.list_key, input.key, input.locale, input.label
        )
        return OptionPayload(option=OptionValueType.from_model(option))

    @strawberry.mutation(description="Archive an option: old records keep it, new writes refuse it.")
    @mutation_payload(OptionPayload)
    async def archive_option(self, info: Info, list_key: ListKey, key: OptionKey) -> OptionPayload:
        session, actor = await info.context.session(), info.context.actor
        option = await options.set_option_archived(session, actor, list_key, key, archived=True)
        return OptionPayload(option=OptionValueType.from_model(option))

    @strawberry.mutation(description="Bring an archived option back.")
    @mutation_payload(OptionPayload)
    async def restore_option(self, info: Info, list_key: ListKey, key: OptionKey) -> OptionPayload:
        session, actor = await info.context.session(), info.context.actor
        option = await options.set_option_archived(session, actor, list_key, key, archived=False)
        return OptionPayload(option=OptionValueType.from_model(option))

    @strawberry.mutation(description="Change the base currency (manage_settings); rates are not rewritten.")
    @mutation_payload(CurrencySettingsPayload)
    async def set_base_currency(
        self, info: Info, currency: Annotated[str, strawberry.argument(description="ISO 4217 code.")]
    ) -> CurrencySettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        await money.set_base_currency(session, actor, currency)
        return CurrencySettingsPayload(settings=await currency_settings_view(session, actor.tenant_id))

    @strawberry.mutation(
        description="Choose whether a cash (early-payment) discount lowers the tax base of quotes"
        " (manage_settings); null goes back to the locale's default. Draft quotes are repriced on their"
        " next change; sent quotes keep their tax."
    )
    @mutation_payload(TaxSettingsPayload)
    async def set_cash_discount_tax_rule(
        self,
        info: Info,
        reduces_tax_base: Annotated[
            bool | None,
            strawberry.argument(description="True: lowers the base; false: does not; null: the default."),
        ] = None,
    ) -> TaxSettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        rules = await tax.set_cash_discount_rule(session, actor, reduces_tax_base)
        return TaxSettingsPayload(settings=TaxSettings.from_rules(rules))

    @strawberry.mutation(description="Add or replace the rate of a currency from a date (manage_settings).")
    @mutation_payload(ExchangeRatePayload)
    async def set_exchange_rate(
        self, info: Info, input: Annotated[SetExchangeRateInput, strawberry.argument(description="The rate.")]
    ) -> ExchangeRatePayload:
        session, actor = await info.context.session(), info.context.actor
        rate = await money.set_exchange_rate(session, actor, input.currency, input.effective_on, input.rate)
        return ExchangeRatePayload(rate=ExchangeRate.from_model(rate))

    @strawberry.mutation(description="Delete an exchange rate (manage_settings).")
    @mutation_payload(ExchangeRatePayload)
    async def delete_exchange_rate(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="An ExchangeRate `id`.")],
    ) -> ExchangeRatePayload:
        session, actor = await info.context.session(), info.context.actor
        rate = await money.delete_exchange_rate(session, actor, decode_id(id, "ExchangeRate"))
        return ExchangeRatePayload(rate=ExchangeRate.from_model(rate))
