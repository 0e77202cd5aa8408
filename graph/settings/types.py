"""GraphQL types of tenant settings: numbering sequences, option lists, currencies and exchange rates."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import strawberry
from sqlalchemy import select
from strawberry import relay

from graph.core.context import RequestContext
from graph.core.errors import UserError, payload_errors
from graph.core.ids import nodes_in_order
from graph.money.models import ExchangeRate as ExchangeRateModel
from graph.money.tax import TaxRules
from tenants.options import OptionValue, label_in


@strawberry.type(description="A per-tenant numbering sequence, e.g. quote numbers QUO-2026-0001.")
class NumberingSequence:
    key: str = strawberry.field(description="Stable key, e.g. quote, contract, project.")
    label: str = strawberry.field(description="What the sequence numbers, for people.")
    pattern: str = strawberry.field(description="The tenant's pattern, or the default when it set none.")
    default_pattern: str = strawberry.field(description="The pattern a tenant starts with.")
    tokens: str = strawberry.field(
        default="{YYYY} {YY} {MM} year/month of the document's date; {SEQ} or {SEQ:n} the counter "
        "padded to n digits. The counter restarts each period the date tokens name.",
        description="What a pattern may contain.",
    )


@strawberry.type(description="An option's label in one language, as the tenant translated it.")
class OptionLabel:
    locale: str = strawberry.field(description="BCP 47 locale, e.g. zh-CN.")
    label: str = strawberry.field(description="The label in that locale.")


@strawberry.type(description="One choice of an option list; records store its `key`.")
class OptionValueType:
    key: str = strawberry.field(description="Stable key stored on records; never changes.")
    base_label: str = strawberry.field(
        description="The label as the tenant wrote it (renaming never touches data); `label` is the reader's."
    )
    position: int = strawberry.field(description="Order in the list, ascending.")
    archived: bool = strawberry.field(description="Archived options stay on old records, not new ones.")
    translated: strawberry.Private[dict[str, str]]

    @strawberry.field(
        description="The label in the reader's language: the tenant's translation for it "
        "(setOptionTranslation), else the built-in translation of a default label, else `baseLabel`."
    )
    async def label(self, info: strawberry.Info[RequestContext, None]) -> str:
        return label_in(self.base_label, self.translated, await info.context.locale())

    @strawberry.field(description="The tenant's translations of the label, by locale.")
    def translations(self) -> list[OptionLabel]:
        return [OptionLabel(locale=locale, label=label) for locale, label in sorted(self.translated.items())]

    @classmethod
    def from_model(cls, option: OptionValue) -> OptionValueType:
        return cls(
            key=option.key,
            base_label=option.label,
            position=option.position,
            archived=option.archived,
            translated=dict(option.labels or {}),
        )


@strawberry.type(description="A per-tenant list of choices such as lead sources or loss reasons.")
class OptionList:
    key: str = strawberry.field(description="Stable key, e.g. lead_sources, loss_reasons.")
    label: str = strawberry.field(description="What the list is, for people.")
    options: list[OptionValueType] = strawberry.field(description="Its options in order.")


@strawberry.type(
    description="1 unit of `currency` is worth `rate` units of the base currency from `effectiveOn`."
)
class ExchangeRate(relay.Node):
    id: relay.NodeID[str]
    currency: str = strawberry.field(description="ISO 4217 code of the foreign currency.")
    effective_on: date = strawberry.field(description="First day the rate applies (until the next one).")
    rate: Decimal = strawberry.field(description="Units of base currency per unit of `currency`.")

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info[RequestContext, None], node_ids: Iterable[str], required: bool = False
    ) -> list[ExchangeRate | None]:
        """Every member reads the tenant's rates (as `exchangeRates`)."""

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, ExchangeRate]:
            rows = await (await info.context.session()).scalars(
                select(ExchangeRateModel).where(ExchangeRateModel.id.in_(ids))
            )
            return {row.id: cls.from_model(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(cls, rate: ExchangeRateModel) -> ExchangeRate:
        return cls(
            id=str(rate.id),
            currency=rate.currency,
            effective_on=rate.effective_on,
            rate=rate.rate,
        )


@strawberry.input(description="Conditions on exchange rates.")
class ExchangeRateFilter:
    currency: str | None = strawberry.field(default=None, description="Only this currency (ISO 4217 code).")


@strawberry.type(description="The tenant's money settings.")
class CurrencySettings:
    base_currency: str = strawberry.field(description="Reports and forecasts convert into it.")
    locale: str = strawberry.field(description="The tenant's locale (BCP 47, e.g. zh-CN), chosen at sign-up.")


@strawberry.type(description="How quotes compute tax.")
class TaxSettings:
    cash_discount_reduces_tax_base: bool = strawberry.field(
        description="Whether a quote's cash (early-payment) discount lowers the tax base. Discounts shown"
        " on the invoice (line, promotion, volume, customer type) always do. False in China and most VAT"
        " regimes (a financial expense): tax is then charged on the amount before the cash discount."
    )
    is_default: bool = strawberry.field(
        description="True while the rule follows the default of the tenant's locale (not chosen yet)."
    )

    @classmethod
    def from_rules(cls, rules: TaxRules) -> TaxSettings:
        return cls(
            cash_discount_reduces_tax_base=rules.cash_discount_reduces_tax_base, is_default=rules.is_default
        )


@strawberry.type(description="Result of a NumberingSequence mutation.")
class NumberingSequencePayload:
    sequence: NumberingSequence | None = strawberry.field(
        default=None, description="The sequence after the change."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of a Option mutation.")
class OptionPayload:
    option: OptionValueType | None = strawberry.field(
        default=None, description="The option after the change."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of a CurrencySettings mutation.")
class CurrencySettingsPayload:
    settings: CurrencySettings | None = strawberry.field(
        default=None, description="The settings after the change."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of a TaxSettings mutation.")
class TaxSettingsPayload:
    settings: TaxSettings | None = strawberry.field(default=None, description="The rules after the change.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of a ExchangeRate mutation.")
class ExchangeRatePayload:
    rate: ExchangeRate | None = strawberry.field(default=None, description="The rate set or deleted.")
    errors: list[UserError] = payload_errors()


@strawberry.input(description="A new option at the end of the list (or at `position`).")
class AddOptionInput:
    list_key: str = strawberry.field(description="The option list, e.g. lead_sources.")
    key: str = strawberry.field(description="1-50 lowercase letters, digits, underscores; never changes.")
    label: str = strawberry.field(description="1-100 characters.")
    position: int | None = strawberry.field(
        default=None, description="Where to insert; left out: at the end."
    )


@strawberry.input(description="Rename and/or move an option; its key stays.")
class UpdateOptionInput:
    list_key: str = strawberry.field(description="The option list, e.g. lead_sources.")
    key: str = strawberry.field(description="The option's key.")
    label: str | None = strawberry.field(default=None, description="New label; null: unchanged.")
    position: int | None = strawberry.field(default=None, description="New position; null: unchanged.")


@strawberry.input(description="An option's label in one language.")
class SetOptionTranslationInput:
    list_key: str = strawberry.field(description="The option list, e.g. lead_sources.")
    key: str = strawberry.field(description="The option's key.")
    locale: str = strawberry.field(description="A CLDR locale such as zh-CN (INVALID otherwise).")
    label: str | None = strawberry.field(
        default=None, description="The label in that locale (1-100 characters); null removes the translation."
    )


@strawberry.input(description="The rate in effect from `effectiveOn` until the next one.")
class SetExchangeRateInput:
    currency: str = strawberry.field(description="ISO 4217 code, not the base currency.")
    effective_on: date = strawberry.field(description="First day the rate applies.")
    rate: Decimal = strawberry.field(description="Units of base currency per unit of `currency`; > 0.")
