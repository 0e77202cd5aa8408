"""How a quote line's price becomes net, tax and total: pure Decimal arithmetic, no database.

The server applies the discounts in this fixed order, each to what the previous ones left (they
compound; none is applied to the undiscounted price twice):

1. the line discount the seller typed on the line,
2. the promotional percentage (the best active promotion for the product, its line, or everything),
3. the volume tier (the highest quantity threshold the line reaches; product tiers before line tiers),
4. the customer-type discount of the quote's customer type,
5. the cash / early-payment discount of the quote.

Then tax: the product's tax rate on the tax base. The discounts shown on the invoice (1-4) always lower
the base; the cash discount (5) lowers it only when the tenant's rule says so (`graph/money/tax.py`): in
China and most VAT regimes it is a financial expense, so the tax stays on the amount before it.

Rounding: the intermediate amounts stay exact (Decimal, never float); each line's gross and net are
rounded once by the money rule (`graph.money.service.quantize`: ROUND_HALF_UP to the currency's minor
unit, 0.005 -> 0.01; JPY has none, BHD three); the tax is computed on the rounded base and rounded the
same way; the line total is net + tax. Quote
totals are the sums of the rounded line amounts, so a document always adds up line by line (three
lines of 100.00 at 33.3333 % off are 66.67 each and 200.01 together, not a rounded 200.00).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from graph.money.service import quantize

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Discounts:
    """The five percentages in application order (0 where a rule does not apply)."""

    line: Decimal = Decimal(0)
    promotion: Decimal = Decimal(0)
    volume: Decimal = Decimal(0)
    customer_type: Decimal = Decimal(0)
    cash: Decimal = Decimal(0)

    def in_order(self) -> tuple[Decimal, ...]:
        return (self.line, self.promotion, self.volume, self.customer_type, self.cash)


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    tax_base: Decimal  # what the tax was computed on: net, or net before the cash discount


def price_line(
    quantity: Decimal,
    unit_price: Decimal,
    discounts: Discounts,
    tax_rate: Decimal,
    currency: str,
    *,
    cash_discount_reduces_tax_base: bool = True,
) -> LineAmounts:
    exact = quantity * unit_price
    gross = quantize(exact, currency)
    *invoiced, cash = discounts.in_order()
    for percent in invoiced:
        exact = exact * (HUNDRED - percent) / HUNDRED
    before_cash = quantize(exact, currency)
    net = quantize(exact * (HUNDRED - cash) / HUNDRED, currency)
    tax_base = net if cash_discount_reduces_tax_base else before_cash
    tax = quantize(tax_base * tax_rate / HUNDRED, currency)
    return LineAmounts(
        gross=gross, discount=gross - net, net=net, tax=tax, total=net + tax, tax_base=tax_base
    )


@dataclass(frozen=True)
class Totals:
    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


def sum_lines(lines: list[LineAmounts]) -> Totals:
    """Totals are sums of the already rounded lines, never a re-rounded total."""
    return Totals(
        gross=sum((line.gross for line in lines), Decimal(0)),
        discount=sum((line.discount for line in lines), Decimal(0)),
        net=sum((line.net for line in lines), Decimal(0)),
        tax=sum((line.tax for line in lines), Decimal(0)),
        total=sum((line.total for line in lines), Decimal(0)),
    )


def best_tier(tiers: list[tuple[Decimal, Decimal]], quantity: Decimal) -> Decimal:
    """Percent of the highest (min_quantity, percent) threshold that `quantity` reaches, else 0."""
    reached = [percent for threshold, percent in sorted(tiers) if quantity >= threshold]
    return reached[-1] if reached else Decimal(0)
