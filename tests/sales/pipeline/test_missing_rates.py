"""Reports never show 0.00 for an amount they could not convert: the figure is null, the report names the
missing rate (currency pair and the earliest date it is needed on) and every other figure still answers.
A Chinese company signs up in zh-CN, so its CNY deals are in its base currency from the start."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.sales.pipeline.documents import create_account, create_opportunity, default_pipeline, moved
from tests.sales.pipeline.reporting import set_rate

MISSING = "missingRates { fromCurrency toCurrency neededFrom }"
BOARD = f"""{{ pipelineBoard {{ currency columns {{ stage {{ name }} count amount weightedAmount
  unconvertedCount }} {MISSING} }} }}"""
FUNNEL = f"""query($from: Date!, $to: Date!) {{ funnel(from: $from, to: $to) {{ currency unconvertedCount
  stages {{ stage {{ name }} count amount }} {MISSING} }} }}"""
FORECAST = f"""query($from: Date!, $to: Date!) {{ forecast(from: $from, to: $to, groupBy: []) {{ currency
  total {{ openCount weightedAmount bestCaseAmount wonCount closedWonAmount unconvertedCount }} {MISSING} }} }}"""
WIN_RATE = f"""query($from: Date!, $to: Date!) {{ winRate(from: $from, to: $to, groupBy: []) {{ currency
  total {{ wonCount wonAmount }} {MISSING} }} }}"""


def today() -> date:
    return datetime.now(UTC).date()


def window(days: int = 90) -> dict[str, str]:
    return {"from": str(today() - timedelta(days=1)), "to": str(today() + timedelta(days=days))}


def columns(board: dict) -> dict[str, tuple]:
    return {
        c["stage"]["name"]: (c["count"], c["amount"], c["weightedAmount"], c["unconvertedCount"])
        for c in board["columns"]
    }


async def test_a_chinese_company_sees_its_yuan_deals_on_the_board_and_in_the_forecast(client) -> None:
    admin = await client.sign_up("华磊科技", locale="zh-CN")
    account = await create_account(client, admin)
    await create_opportunity(
        client, admin, account["id"], amount="1000", currency="CNY", expectedCloseOn=str(today())
    )

    board = (await client.execute(BOARD, token=admin.token))["pipelineBoard"]
    assert board["currency"] == "CNY" and board["missingRates"] == []
    assert columns(board)["Prospecting"] == (1, "1000.00", "100.00", 0)
    forecast = (await client.execute(FORECAST, window(), admin.token))["forecast"]
    assert (forecast["currency"], forecast["total"]["bestCaseAmount"]) == ("CNY", "1000.00")
    assert forecast["total"]["weightedAmount"] == "100.00" and forecast["missingRates"] == []


async def test_reports_name_the_missing_rate_and_still_answer_everything_else(client) -> None:
    admin = await client.sign_up("华磊科技", locale="zh-CN")
    stages = {s["name"]: s["id"] for s in (await default_pipeline(client, admin))["stages"]}
    account = await create_account(client, admin)
    in_ten_days, in_twenty_days = str(today() + timedelta(days=10)), str(today() + timedelta(days=20))
    await create_opportunity(client, admin, account["id"], amount="1000", expectedCloseOn=in_ten_days)
    await create_opportunity(
        client, admin, account["id"], amount="500", currency="USD", expectedCloseOn=in_twenty_days
    )
    await create_opportunity(
        client,
        admin,
        account["id"],
        amount="200",
        currency="USD",
        stageId=stages["Proposal"],
        expectedCloseOn=in_ten_days,
    )
    won = await create_opportunity(client, admin, account["id"], amount="300", currency="CNY")
    await moved(client, admin, won, stages["Won"])
    usd_to_cny = {"fromCurrency": "USD", "toCurrency": "CNY", "neededFrom": str(today())}

    board = (await client.execute(BOARD, token=admin.token))["pipelineBoard"]
    by_stage = columns(board)
    assert by_stage["Prospecting"] == (2, None, None, 1)  # 1000 CNY + 500 USD: unknown, never 1000.00
    assert by_stage["Proposal"] == (1, None, None, 1)
    assert by_stage["Won"] == (1, "300.00", "300.00", 0)  # the rest still answers
    assert by_stage["Qualification"] == (0, "0.00", "0.00", 0)
    assert board["missingRates"] == [usd_to_cny]

    funnel = (await client.execute(FUNNEL, window(), admin.token))["funnel"]
    amounts = {s["stage"]["name"]: s["amount"] for s in funnel["stages"]}
    assert (amounts["Prospecting"], amounts["Proposal"], amounts["Won"]) == (None, None, "300.00")
    assert funnel["unconvertedCount"] == 2 and funnel["missingRates"] == [usd_to_cny]

    forecast = (await client.execute(FORECAST, window(), admin.token))["forecast"]
    assert forecast["total"] == {
        "openCount": 3,
        "weightedAmount": None,
        "bestCaseAmount": None,
        "wonCount": 1,
        "closedWonAmount": "300.00",
        "unconvertedCount": 2,
    }
    # Open deals convert at the rate of their expected close date: the earliest USD one is in ten days.
    assert forecast["missingRates"] == [{**usd_to_cny, "neededFrom": in_ten_days}]
    win_rate = (await client.execute(WIN_RATE, window(), admin.token))["winRate"]
    assert win_rate["total"] == {"wonCount": 1, "wonAmount": "300.00"} and win_rate["missingRates"] == []

    # The named rate is all it takes.
    await set_rate(client, admin, "USD", str(today()), "7.10")
    board = (await client.execute(BOARD, token=admin.token))["pipelineBoard"]
    assert columns(board)["Prospecting"] == (2, "4550.00", "455.00", 0)  # 1000 + 500 x 7.10
    assert board["missingRates"] == []
    forecast = (await client.execute(FORECAST, window(), admin.token))["forecast"]
    # 1000 + (500 + 200) x 7.10
    assert forecast["total"]["bestCaseAmount"] == "5970.00" and forecast["missingRates"] == []
