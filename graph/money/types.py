"""GraphQL types of the money rules that several areas' reports share."""

from __future__ import annotations

from datetime import date

import strawberry

from graph.money import service


@strawberry.type(
    description="An exchange rate a report needed and the tenant has not entered; the figures that needed "
    "it are null (never 0.00). Add it with setExchangeRate(currency: fromCurrency, effectiveOn: neededFrom "
    "or earlier)."
)
class MissingRate:
    from_currency: str = strawberry.field(description="The currency of the amounts left unconverted.")
    to_currency: str = strawberry.field(description="The tenant's base currency.")
    needed_from: date = strawberry.field(
        description="The earliest date the report needed the rate on; a rate effective on or before it "
        "covers every figure of this report."
    )

    @classmethod
    def from_missing(cls, missing: service.MissingRate) -> MissingRate:
        return cls(
            from_currency=missing.currency, to_currency=missing.base_currency, needed_from=missing.needed_from
        )


def missing_rate_list(missing: list[service.MissingRate]) -> list[MissingRate]:
    return [MissingRate.from_missing(entry) for entry in missing]
