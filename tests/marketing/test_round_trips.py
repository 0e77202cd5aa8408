"""The campaign list and a campaign are compiled reads: four round trips (docs/request-path.md)."""

from __future__ import annotations

from tests.marketing.documents import add_cost, create_campaign
from tests.platform.test_round_trips import counted, round_trips  # noqa: F401 - the fixture

LIST = """
query {
  campaigns(first: 50, orderBy: [{field: NAME}]) {
    nodes { id name channel status currency budget actualCost startsOn owner { fullName } }
  }
}"""
ONE = """
query($id: ID!) { campaign(id: $id) { id name budget actualCost version owner { fullName } } }"""


async def test_the_campaign_list_takes_four_round_trips(client, round_trips) -> None:  # noqa: F811
    admin = await client.sign_up(baseCurrency="CNY")
    for index in range(3):
        campaign = await create_campaign(client, admin, name=f"Campaign {index}", budget="100.5")
        await add_cost(client, admin, campaign["id"], "1.25")

    data, seen = await counted(client, round_trips, LIST, {}, admin.token)

    nodes = data["campaigns"]["nodes"]
    assert [(n["name"], n["budget"], n["actualCost"]) for n in nodes] == [
        (f"Campaign {index}", "100.50", "1.25") for index in range(3)
    ]
    assert len(seen) <= 4, "\n".join(s[:80] for s in seen)
    data, seen = await counted(client, round_trips, ONE, {"id": campaign["id"]}, admin.token)
    assert data["campaign"]["actualCost"] == "1.25"
    assert len(seen) <= 4, "\n".join(s[:80] for s in seen)
