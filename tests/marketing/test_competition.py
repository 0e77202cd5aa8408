"""Competing products, and win/loss by competitor over the opportunities the caller may see."""

from __future__ import annotations

from tests.marketing.documents import CREATE_PRODUCT, NODE, PRODUCTS, UPDATE_PRODUCT, WIN_LOSS, error_pairs
from tests.sales.pipeline.documents import (
    ARCHIVE_COMPETITOR,
    create_opportunity,
    default_pipeline,
    moved,
    stage_named,
)
from tests.sales.pipeline.test_opportunities import create_competitor
from tests.support import ok


async def create_product(client, member, competitor_id, **values):
    given = {"competitorId": competitor_id, "name": "Globex CRM", **values}
    return (await ok(client, member, CREATE_PRODUCT, {"input": given}, "createCompetitorProduct"))["product"]


async def test_competing_products_are_listed_changed_and_archived(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    globex = await create_competitor(client, admin)
    initech = await create_competitor(client, admin, name="Initech")
    crm = await create_product(client, admin, globex["id"], strengths="Cheap", priceNote="¥99/seat/month")
    await create_product(client, admin, initech["id"], name="Initech Suite")

    assert (crm["competitor"]["name"], crm["priceNote"], crm["version"]) == ("Globex", "¥99/seat/month", 1)
    of_globex = await client.execute(PRODUCTS, {"competitorId": globex["id"], "all": False}, viewer.token)
    assert [p["name"] for p in of_globex["competitorProducts"]["nodes"]] == ["Globex CRM"]
    archived = await ok(
        client,
        admin,
        UPDATE_PRODUCT,
        {"id": crm["id"], "version": 1, "input": {"archived": True}},
        "updateCompetitorProduct",
    )
    assert archived["product"]["archivedAt"] is not None
    live = await client.execute(PRODUCTS, {"all": False}, admin.token)
    assert [p["name"] for p in live["competitorProducts"]["nodes"]] == ["Initech Suite"]
    everything = await client.execute(PRODUCTS, {"all": True}, admin.token)
    assert [p["name"] for p in everything["competitorProducts"]["nodes"]] == ["Globex CRM", "Initech Suite"]
    assert (await client.execute(NODE, {"id": crm["id"]}, viewer.token))["node"]["id"] == crm["id"]

    refusals = [
        (CREATE_PRODUCT, {"input": {"competitorId": globex["id"], "name": ""}}, "createCompetitorProduct",
         [("name", "REQUIRED")]),
        (CREATE_PRODUCT, {"input": {"competitorId": crm["id"], "name": "x"}}, "createCompetitorProduct",
         [("competitorId", "NOT_FOUND")]),
        (UPDATE_PRODUCT, {"id": crm["id"], "version": 1, "input": {"name": "x"}}, "updateCompetitorProduct",
         [("version", "CONFLICT")]),
        (UPDATE_PRODUCT, {"id": crm["id"], "version": 2, "input": {"archived": True}}, "updateCompetitorProduct",
         [("archived", "INVALID_TRANSITION")]),
        (UPDATE_PRODUCT, {"id": crm["id"], "version": 2, "input": {"priceNote": "x" * 501}}, "updateCompetitorProduct",
         [("priceNote", "TOO_LONG")]),
    ]  # fmt: skip
    for document, variables, name, expected in refusals:
        assert error_pairs((await client.execute(document, variables, admin.token))[name]) == expected, (
            variables
        )
    retired = await client.execute(ARCHIVE_COMPETITOR, {"id": initech["id"], "version": 1}, admin.token)
    assert retired["archiveCompetitor"]["errors"] == []
    on_archived = await client.execute(
        CREATE_PRODUCT, {"input": {"competitorId": initech["id"], "name": "x"}}, admin.token
    )
    assert error_pairs(on_archived["createCompetitorProduct"]) == [("competitorId", "INVALID")]
    refused = await client.refused(
        CREATE_PRODUCT,
        {"input": {"competitorId": globex["id"], "name": "x"}},
        viewer.token,
        "createCompetitorProduct",
    )
    assert refused == [(None, "PERMISSION_DENIED")]


async def test_win_loss_by_competitor_counts_the_callers_opportunities(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    globex = await create_competitor(client, admin)
    initech = await create_competitor(client, admin, name="Initech")
    await create_competitor(client, admin, name="Umbrella")
    pipeline = await default_pipeline(client, admin)
    won, lost = stage_named(pipeline, "Won")["id"], stage_named(pipeline, "Lost")["id"]
    both = [globex["id"], initech["id"]]
    deals = [
        (admin, both, won, {}),
        (admin, [globex["id"]], lost, {"lostReason": "price"}),
        (rep, [globex["id"]], lost, {"lostReason": "competitor"}),
        (rep, [globex["id"]], lost, {"lostReason": "price"}),
        (rep, [initech["id"]], None, {}),
    ]
    for member, competitors, stage, extra in deals:
        deal = await create_opportunity(client, member, competitorIds=competitors)
        if stage is not None:
            await moved(client, member, deal, stage, **extra)

    by_admin = {
        row["competitor"]["name"]: row
        for row in (await client.execute(WIN_LOSS, {}, admin.token))["competitorWinLoss"]["competitors"]
    }
    by_rep = {
        row["competitor"]["name"]: row
        for row in (await client.execute(WIN_LOSS, {}, rep.token))["competitorWinLoss"]["competitors"]
    }

    assert list(by_admin) == ["Globex", "Initech", "Umbrella"]
    assert {k: by_admin["Globex"][k] for k in ("met", "open", "won", "lost", "winRate")} == {
        "met": 4, "open": 0, "won": 1, "lost": 3, "winRate": 0.25,
    }  # fmt: skip
    assert by_admin["Globex"]["lossReasons"] == [
        {"reason": "price", "count": 2},
        {"reason": "competitor", "count": 1},
    ]
    assert (by_admin["Initech"]["met"], by_admin["Initech"]["open"], by_admin["Initech"]["winRate"]) == (
        2,
        1,
        1.0,
    )
    assert (by_admin["Umbrella"]["met"], by_admin["Umbrella"]["winRate"]) == (0, None)
    assert (by_rep["Globex"]["met"], by_rep["Globex"]["won"], by_rep["Globex"]["lost"]) == (2, 0, 2)
