"""The board and the funnel: figures checked against values computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.sales.pipeline.documents import (
    create_account,
    create_opportunity,
    default_pipeline,
    error_pairs,
    moved,
    stage_named,
)
from tests.sales.pipeline.reporting import rewrite_history, set_rate

BOARD = """
query($pipelineId: ID, $ownerId: ID, $first: Int, $after: String) {
  pipelineBoard(pipelineId: $pipelineId, ownerId: $ownerId) {
    pipeline { name } currency
    columns {
      stage { name } count amount weightedAmount unconvertedCount
      opportunities(first: $first, after: $after) {
        totalCount edges { node { name amount owner { email } } } pageInfo { hasNextPage endCursor }
      }
    }
  }
}"""
# The same board without the cards: served by the compiled path (graph/sales/pipeline/compiled.py), which
# the suite's verify mode compares with the executor; `read_board` checks it equals BOARD's figures.
TOTALS = """
query($pipelineId: ID, $ownerId: ID) {
  pipelineBoard(pipelineId: $pipelineId, ownerId: $ownerId) {
    pipeline { name } currency
    columns { stage { name } count amount weightedAmount unconvertedCount }
  }
}"""
# `count` is the column's total; `totalCount` on each column's connection would cost a COUNT per column.
LEAN_BOARD = """
query($first: Int) {
  pipelineBoard { columns { count opportunities(first: $first) { edges { node { name owner { email } } } } } } }"""
COLUMN_PAGE = """
query($first: Int, $after: String) {
  pipelineBoard { columns { stage { name } opportunities(first: $first, after: $after) {
    edges { node { name } } pageInfo { hasNextPage endCursor } } } } }"""
FUNNEL = """
query($from: Date!, $to: Date!, $ownerId: ID, $pipelineId: ID) {
  funnel(from: $from, to: $to, ownerId: $ownerId, pipelineId: $pipelineId) {
    pipeline { name } currency total unconvertedCount
    stages { stage { name } count amount reached conversionRate averageDaysInStage }
  }
}"""


async def read_board(client, variables: dict, token: str) -> dict:  # type: ignore[no-untyped-def]
    """BOARD's answer, after checking that the totals alone (the compiled path) agree with it."""
    board = (await client.execute(BOARD, variables, token))["pipelineBoard"]
    filters = {k: v for k, v in variables.items() if k in ("pipelineId", "ownerId")}
    totals = (await client.execute(TOTALS, filters, token))["pipelineBoard"]
    without_cards = [{k: v for k, v in column.items() if k != "opportunities"} for column in board["columns"]]
    assert totals == {**board, "columns": without_cards}
    return board


def today() -> date:
    return datetime.now(UTC).date()


def window() -> dict[str, str]:
    return {"from": str(today() - timedelta(days=1)), "to": str(today() + timedelta(days=1))}


async def test_board_columns_count_sum_and_page_per_stage(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    pipeline = await default_pipeline(client, admin)
    stages = {s["name"]: s["id"] for s in pipeline["stages"]}
    await set_rate(client, admin, "EUR", "2020-01-01", "1.10")
    account = await create_account(client, admin)
    for name, amount in [("A", "100"), ("B", "300"), ("C", "200")]:
        await create_opportunity(client, admin, account["id"], name=name, amount=amount)
    await create_opportunity(
        client, admin, account["id"], name="Euro", amount="1000", currency="EUR", stageId=stages["Proposal"]
    )
    await create_opportunity(
        client, admin, account["id"], name="Pound", amount="50", currency="GBP", stageId=stages["Proposal"]
    )
    rep_account = await create_account(client, rep)
    await create_opportunity(
        client, rep, rep_account["id"], name="Rep", amount="70", stageId=stages["Proposal"]
    )

    board = await read_board(client, {"first": 2}, admin.token)
    assert (board["pipeline"]["name"], board["currency"]) == ("Sales", "USD")
    columns = {c["stage"]["name"]: c for c in board["columns"]}
    assert list(columns) == ["Prospecting", "Qualification", "Proposal", "Negotiation", "Won", "Lost"]
    prospecting = columns["Prospecting"]
    assert (prospecting["count"], prospecting["amount"], prospecting["weightedAmount"]) == (
        3,
        "600.00",
        "60.00",
    )
    assert [e["node"]["name"] for e in prospecting["opportunities"]["edges"]] == ["B", "C"]
    assert prospecting["opportunities"]["pageInfo"]["hasNextPage"] is True
    assert prospecting["opportunities"]["totalCount"] == 3
    # 1000 EUR at 1.10 + 70 USD + 50 GBP, which has no rate: the column's amount is unknown, not 1170.00.
    proposal = columns["Proposal"]
    assert (
        proposal["count"],
        proposal["amount"],
        proposal["weightedAmount"],
        proposal["unconvertedCount"],
    ) == (
        3,
        None,
        None,
        1,
    )
    assert columns["Won"]["count"] == 0 and columns["Won"]["amount"] == "0.00"

    cursor = prospecting["opportunities"]["pageInfo"]["endCursor"]
    rest = (await client.execute(COLUMN_PAGE, {"first": 2, "after": cursor}, admin.token))["pipelineBoard"]
    page = rest["columns"][0]["opportunities"]
    assert [e["node"]["name"] for e in page["edges"]] == ["A"] and page["pageInfo"]["hasNextPage"] is False

    mine = await read_board(client, {"first": 5}, rep.token)
    counts = {c["stage"]["name"]: c["count"] for c in mine["columns"]}
    assert counts == {
        "Prospecting": 0,
        "Qualification": 0,
        "Proposal": 1,
        "Negotiation": 0,
        "Won": 0,
        "Lost": 0,
    }
    assert [e["node"]["name"] for e in mine["columns"][2]["opportunities"]["edges"]] == ["Rep"]
    filtered = await read_board(client, {"ownerId": rep.user_id}, admin.token)
    assert [c["count"] for c in filtered["columns"]] == [0, 0, 1, 0, 0, 0]


async def test_board_statement_count_does_not_grow_with_the_columns(client, app):
    from tests.crm.test_no_n_plus_one import counted_statements

    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    account = await create_account(client, admin)
    for stage in pipeline["stages"][:4]:
        for index in range(3):
            await create_opportunity(
                client, admin, account["id"], name=f"{stage['name']} {index}", stageId=stage["id"]
            )
    with counted_statements(app) as statements:
        board = (await client.execute(LEAN_BOARD, {"first": 2}, admin.token))["pipelineBoard"]
    assert [len(c["opportunities"]["edges"]) for c in board["columns"]] == [2, 2, 2, 2, 0, 0]
    assert [c["count"] for c in board["columns"]] == [3, 3, 3, 3, 0, 0]
    # authentication (4), the board (pipeline, stages, base currency and rollup totals), every column's
    # cards, owners
    assert len(statements) <= 7, statements


async def test_funnel_counts_conversions_and_days_in_stage(client, database_urls):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    pipeline = await default_pipeline(client, admin)
    s = {stage["name"]: stage["id"] for stage in pipeline["stages"]}
    await set_rate(client, admin, "EUR", "2020-01-01", "1.10")
    account = await create_account(client, admin)
    rep_account = await create_account(client, rep)

    o1 = await create_opportunity(client, admin, account["id"], name="o1", amount="1000")
    for stage in ["Qualification", "Proposal", "Won"]:
        o1 = await moved(client, admin, o1, s[stage])
    o2 = await create_opportunity(client, admin, account["id"], name="o2", amount="2000")
    o2 = await moved(client, admin, o2, s["Qualification"])
    o2 = await moved(client, admin, o2, s["Lost"], lostReason="price")
    o3 = await create_opportunity(
        client, admin, account["id"], name="o3", amount="500", currency="EUR", stageId=s["Proposal"]
    )
    await create_opportunity(client, admin, account["id"], name="o4", amount="300")
    o5 = await create_opportunity(client, rep, rep_account["id"], name="o5", amount="700", currency="GBP")
    o5 = await moved(client, rep, o5, s["Negotiation"])
    # Real moves take milliseconds: finished stays of about zero days, none for stages not left yet.
    quick = (await client.execute(FUNNEL, window(), admin.token))["funnel"]["stages"]
    assert [r["averageDaysInStage"] for r in quick] == [0.0, 0.0, 0.0, None, None, None]
    await rewrite_history(database_urls, admin.tenant_id, o1["id"], [0, 2, 5, 6])
    await rewrite_history(database_urls, admin.tenant_id, o2["id"], [0, 4, 10])
    await rewrite_history(database_urls, admin.tenant_id, o5["id"], [0, 1])

    result = (await client.execute(FUNNEL, window(), admin.token))["funnel"]

    assert (result["pipeline"]["name"], result["currency"], result["total"], result["unconvertedCount"]) == (
        "Sales",
        "USD",
        5,
        1,
    )
    rows = [
        (
            r["stage"]["name"],
            r["count"],
            r["amount"],
            r["reached"],
            r["conversionRate"],
            r["averageDaysInStage"],
        )
        for r in result["stages"]
    ]
    assert rows == [
        ("Prospecting", 1, "300.00", 5, 0.8, 2.33),  # stays of 2, 4 and 1 days
        ("Qualification", 0, "0.00", 4, 0.75, 4.5),  # 3 and 6 days
        ("Proposal", 1, "550.00", 3, 0.6667, 1.0),  # o3 came in straight here: it reached the two above
        ("Negotiation", 1, None, 2, 0.5, None),  # o5 is in GBP without a rate: unknown, not 0.00
        ("Won", 1, "1000.00", 1, None, None),
        ("Lost", 1, "2000.00", 1, None, None),
    ]
    assert o3["stage"]["name"] == "Proposal"

    # The rep's own scope: only o5, whoever asks for more.
    for variables in [window(), {**window(), "ownerId": admin.user_id}]:
        theirs = (await client.execute(FUNNEL, variables, rep.token))["funnel"]
        expected_total = 1 if "ownerId" not in variables else 0
        assert theirs["total"] == expected_total
    own = (await client.execute(FUNNEL, window(), rep.token))["funnel"]
    assert [(r["reached"], r["count"]) for r in own["stages"]] == [
        (1, 0),
        (1, 0),
        (1, 0),
        (1, 1),
        (0, 0),
        (0, 0),
    ]
    by_owner = (await client.execute(FUNNEL, {**window(), "ownerId": rep.user_id}, admin.token))["funnel"]
    assert by_owner["total"] == 1

    earlier = {"from": "2020-01-01", "to": "2020-02-01"}
    assert (await client.execute(FUNNEL, earlier, admin.token))["funnel"]["total"] == 0


async def test_report_arguments_are_checked(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    foreign = await default_pipeline(client, other)
    bad = [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to", "INVALID"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "to", "INVALID"),
        ({**window(), "pipelineId": foreign["id"]}, "pipelineId", "NOT_FOUND"),
    ]
    for variables, field, code in bad:
        errors = await client.errors(FUNNEL, variables, admin.token)
        assert errors[0]["extensions"]["code"] == code, errors
    for board in (BOARD, TOTALS):
        errors = await client.errors(board, {"pipelineId": foreign["id"]}, admin.token)
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"
        malformed = await client.errors(board, {"ownerId": foreign["id"]}, admin.token)
        assert malformed[0]["extensions"]["code"] == "NOT_FOUND", malformed
    assert error_pairs({"errors": []}) == []
    assert stage_named(foreign, "Won")["kind"] == "WON"
