"""The pricing arithmetic on its own: discount order, compounding, half-up rounding per line."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from graph.sales.commerce.pricing import Discounts, best_tier, price_line, sum_lines


def test_discounts_compound_in_the_documented_order_then_tax_on_the_net() -> None:
    # 10 x 50.00 = 500.00; -10 % = 450; -5 % = 427.5; -4 % = 410.4; -2.5 % = 400.14; -2 % = 392.1372
    discounts = Discounts(line=D(10), promotion=D(5), volume=D(4), customer_type=D("2.5"), cash=D(2))
    amounts = price_line(D(10), D("50.00"), discounts, D(19), "EUR")

    assert amounts.gross == D("500.00")
    assert amounts.net == D("392.14")
    assert amounts.discount == D("107.86")
    assert amounts.tax == D("74.51")  # 19 % of 392.14 = 74.5066
    assert amounts.total == D("466.65")


def test_a_cash_discount_leaves_the_tax_base_alone_unless_the_rule_says_otherwise() -> None:
    # Same line: the tax base is 400.14 (after discounts 1-4) where the cash discount is a financial expense.
    discounts = Discounts(line=D(10), promotion=D(5), volume=D(4), customer_type=D("2.5"), cash=D(2))
    amounts = price_line(D(10), D("50.00"), discounts, D(19), "EUR", cash_discount_reduces_tax_base=False)

    assert (amounts.net, amounts.tax_base) == (D("392.14"), D("400.14"))
    assert amounts.tax == D("76.03")  # 19 % of 400.14 = 76.0266
    assert amounts.total == D("468.17")


def test_no_intermediate_rounding_between_discounts() -> None:
    # 0.01 x 1 with 50 % then 50 %: rounding after each step would give 0.01 -> 0.01 -> 0.01;
    # exact arithmetic gives 0.0025 -> 0.00.
    amounts = price_line(D(1), D("0.01"), Discounts(line=D(50), promotion=D(50)), D(0), "EUR")
    assert amounts.net == D("0.00")


@pytest.mark.parametrize(
    ("quantity", "price", "net"),
    [
        (D(1), D("0.125"), D("0.13")),  # a tie rounds up (banker's rounding would give 0.12)
        (D(1), D("2.675"), D("2.68")),  # float(2.675) is 2.67499..., Decimal keeps the tie
        (D(3), D("0.3333"), D("1.00")),  # 0.9999
        (D("0.5"), D("0.01"), D("0.01")),  # 0.005 -> 0.01
    ],
)
def test_half_up_to_the_minor_unit(quantity: D, price: D, net: D) -> None:
    assert price_line(quantity, price, Discounts(), D(0), "EUR").net == net


def test_currencies_round_to_their_own_minor_unit() -> None:
    assert price_line(D(1), D("100.5"), Discounts(), D(0), "JPY").net == D("101")
    assert price_line(D(1), D("1.0005"), Discounts(), D(0), "KWD").net == D("1.001")


def test_totals_are_the_sum_of_rounded_lines_a_third_off() -> None:
    # Three lines of 100.00 at 33.3333 % off are 66.6667 each: 66.67 per line, 200.01 in total
    # (a total rounded once would say 200.00 and not match the lines the customer reads).
    lines = [price_line(D(1), D(100), Discounts(line=D("33.3333")), D(0), "EUR") for _ in range(3)]
    totals = sum_lines(lines)
    assert [line.net for line in lines] == [D("66.67")] * 3
    assert totals.net == D("200.01")
    assert totals.discount == D("99.99")


def test_tax_is_rounded_per_line_and_summed() -> None:
    # 19 % of 10.05 = 1.9095 -> 1.91 per line; two lines 3.82 (not 19 % of 20.10 = 3.819 -> 3.82 by chance)
    # 7 % of 0.50 = 0.035 -> 0.04 per line; three lines 0.12 (7 % of 1.50 = 0.105 -> 0.11 if rounded once)
    lines = [price_line(D(1), D("0.50"), Discounts(), D(7), "EUR") for _ in range(3)]
    assert [line.tax for line in lines] == [D("0.04")] * 3
    assert sum_lines(lines).tax == D("0.12")


def test_best_tier_is_the_highest_threshold_reached() -> None:
    tiers = [(D(100), D(10)), (D(10), D(5)), (D(50), D(7))]
    assert best_tier(tiers, D(9)) == D(0)
    assert best_tier(tiers, D(10)) == D(5)
    assert best_tier(tiers, D(99)) == D(7)
    assert best_tier(tiers, D(100)) == D(10)
    assert best_tier([], D(1000)) == D(0)
