"""Competing products met by opportunities: links with a note, win/loss by product, refusals, the wall."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.marketing.documents import UPDATE_PRODUCT, error_pairs
from tests.marketing.test_competition import create_product
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named
from tests.sales.pipeline.test_opportunities import create_competitor
from tests.support import ok, relay_uuid

LINK = """
mutation($input: LinkCompetitorProductInput!) {
  linkCompetitorProduct(input: $input) { link { product { id name } note createdAt } errors { field code message } }
}"""
UNLINK = """
mutation($opportunityId: ID!, $productId: ID!) {
  unlinkCompetitorProduct(opportunityId: $opportunityId, productId: $productId) {
    removed errors { field code message }
  }
}"""
MET = """
query($id: ID!) { opportunityCompetitorProducts(opportunityId: $id) { products { product { name } note } } }"""
WIN_LOSS = """
query {
  competitorProductWinLoss { products { product { name } met open won lost winRate lossReasons { reason count } } }
}"""


async def link(client, member, opportunity, product, note=None):
    variables = {"input": {"opportunityId": opportunity["id"], "productId": product["id"], "note": note}}
    return (await client.execute(LINK, variables, member.token))["linkCompetitorProduct"]


async def test_products_met_by_opportunities_and_win_loss_by_product(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    globex = await create_competitor(client, admin)
    suite = await create_product(client, admin, globex["id"], name="Globex Suite")
    lite = await create_product(client, admin, globex["id"], name="Globex Lite")
    await create_product(client, admin, globex["id"], name="Globex Unmet")
    pipeline = await default_pipeline(client, admin)
    won, lost = stage_named(pipeline, "Won")["id"], stage_named(pipeline, "Lost")["id"]
    deals = [
        (admin, [(suite, "Our reporting won them over")], won, {}),
        (admin, [(suite, None), (lite, "Cheaper")], lost, {"lostReason": "price"}),
        (rep, [(suite, "Their integrations")], lost, {"lostReason": "competitor"}),
        (rep, [(lite, None)], None, {}),
    ]
    opportunities = []
    for member, met, stage, extra in deals:
        deal = await create_opportunity(client, member, competitorIds=[globex["id"]])
        for product, note in met:
            assert (await link(client, member, deal, product, note))["errors"] == []
        if stage is not None:
            await moved(client, member, deal, stage, **extra)
        opportunities.append(deal)

    again = await link(client, admin, opportunities[1], suite, "Price and a faster rollout")
    assert again["link"]["note"] == "Price and a faster rollout"
    met = (await client.execute(MET, {"id": opportunities[1]["id"]}, admin.token))[
        "opportunityCompetitorProducts"
    ]
    assert met["products"] == [
        {"product": {"name": "Globex Lite"}, "note": "Cheaper"},
        {"product": {"name": "Globex Suite"}, "note": "Price and a faster rollout"},
    ]

    by_admin = {
        row["product"]["name"]: row
        for row in (await client.execute(WIN_LOSS, {}, admin.token))["competitorProductWinLoss"]["products"]
    }
    assert list(by_admin) == ["Globex Lite", "Globex Suite", "Globex Unmet"]
    assert {k: by_admin["Globex Suite"][k] for k in ("met", "open", "won", "lost")} == {
        "met": 3, "open": 0, "won": 1, "lost": 2,
    }  # fmt: skip
    assert by_admin["Globex Suite"]["winRate"] == pytest.approx(1 / 3)
    assert by_admin["Globex Suite"]["lossReasons"] == [
        {"reason": "competitor", "count": 1},
        {"reason": "price", "count": 1},
    ]
    assert (
        by_admin["Globex Lite"]["met"],
        by_admin["Globex Lite"]["open"],
        by_admin["Globex Lite"]["winRate"],
    ) == (2, 1, 0.0)
    assert (by_admin["Globex Unmet"]["met"], by_admin["Globex Unmet"]["winRate"]) == (0, None)
    by_rep = {
        row["product"]["name"]: row
        for row in (await client.execute(WIN_LOSS, {}, rep.token))["competitorProductWinLoss"]["products"]
    }
    assert (by_rep["Globex Suite"]["met"], by_rep["Globex Suite"]["lost"]) == (1, 1)

    removed = await ok(
        client,
        admin,
        UNLINK,
        {"opportunityId": opportunities[1]["id"], "productId": lite["id"]},
        "unlinkCompetitorProduct",
    )
    assert removed["removed"] is True
    gone = await client.execute(
        UNLINK, {"opportunityId": opportunities[1]["id"], "productId": lite["id"]}, admin.token
    )
    assert error_pairs(gone["unlinkCompetitorProduct"]) == [("productId", "NOT_FOUND")]


async def test_bad_links_are_refused_with_the_exact_error(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    viewer = await client.add_member(admin, "viewer", "viewer")
    globex = await create_competitor(client, admin)
    product = await create_product(client, admin, globex["id"])
    retired = await create_product(client, admin, globex["id"], name="Retired")
    archive = {"id": retired["id"], "version": 1, "input": {"archived": True}}
    await ok(client, admin, UPDATE_PRODUCT, archive, "updateCompetitorProduct")
    deal = await create_opportunity(client, admin)

    assert error_pairs(await link(client, admin, deal, retired)) == [("productId", "INVALID")]
    assert error_pairs(await link(client, admin, deal, globex)) == [("productId", "NOT_FOUND")]
    assert error_pairs(await link(client, admin, product, product)) == [("opportunityId", "NOT_FOUND")]
    assert error_pairs(await link(client, admin, deal, product, "x" * 2001)) == [("note", "TOO_LONG")]
    assert error_pairs(await link(client, rep, deal, product)) == [("opportunityId", "NOT_FOUND")]
    variables = {"input": {"opportunityId": deal["id"], "productId": product["id"]}}
    assert await client.refused(LINK, variables, viewer.token, "linkCompetitorProduct") == [
        (None, "PERMISSION_DENIED")
    ]


async def test_another_tenant_sees_and_changes_no_link(client, db):
    a = await client.sign_up("Tenant A")
    globex = await create_competitor(client, a)
    product = await create_product(client, a, globex["id"])
    deal = await create_opportunity(client, a)
    assert (await link(client, a, deal, product, "Seen at the fair"))["errors"] == []
    b = await client.sign_up("Tenant B")

    assert error_pairs(await link(client, b, deal, product)) == [("opportunityId", "NOT_FOUND")]
    unlink = await client.execute(UNLINK, {"opportunityId": deal["id"], "productId": product["id"]}, b.token)
    assert error_pairs(unlink["unlinkCompetitorProduct"]) == [("opportunityId", "NOT_FOUND")]
    assert (await client.execute(WIN_LOSS, {}, b.token))["competitorProductWinLoss"]["products"] == []
    seen = await client.post(MET, {"id": deal["id"]}, b.token)
    assert seen.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    opportunity_id = uuid.UUID(relay_uuid(deal["id"]))
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        table = "opportunity_competitor_products"
        assert (
            await connection.fetchval(
                f"select count(*) from {table} where opportunity_id = $1", opportunity_id
            )
            == 0
        )
        assert (
            await connection.execute(
                f"update {table} set note = 'x' where opportunity_id = $1", opportunity_id
            )
            == "UPDATE 0"
        )
        assert (
            await connection.execute(f"delete from {table} where opportunity_id = $1", opportunity_id)
            == "DELETE 0"
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
            await connection.execute(
                f"insert into {table} (tenant_id, opportunity_id, product_id) values ($1, $2, $3)",
                uuid.UUID(a.tenant_id),
                opportunity_id,
                uuid.UUID(relay_uuid(product["id"])),
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
        assert (
            await connection.fetchval(f"select note from {table} where opportunity_id = $1", opportunity_id)
            == "Seen at the fair"
        )
