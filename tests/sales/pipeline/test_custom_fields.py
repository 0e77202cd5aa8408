"""Custom fields on opportunities: typed values validated on create/update, filters and sort keys."""

from __future__ import annotations

from tests.admin.documents import DEACTIVATE, REASSIGN, assign, create_role, define_field, grants
from tests.sales.pipeline.documents import (
    CREATE_OPPORTUNITY,
    OPPORTUNITY,
    UPDATE_OPPORTUNITY,
    create_account,
    create_opportunity,
    default_pipeline,
    error_pairs,
    move,
    stage_named,
)

LIST = """
query($filter: OpportunityFilter, $orderBy: [OpportunityOrder!]) {
  opportunities(filter: $filter, orderBy: $orderBy) { edges { node { name customFields } } } }"""


async def test_opportunity_custom_values_are_validated_stored_and_filterable(client):
    admin = await client.sign_up()
    await define_field(
        client, admin, "opportunity", "seats", "INTEGER", validation={"min": 1}, filterable=True
    )
    await define_field(
        client,
        admin,
        "opportunity",
        "channel",
        "SINGLE_SELECT",
        filterable=True,
        validation={
            "options": [{"key": "direct", "label": "Direct"}, {"key": "partner", "label": "Partner"}]
        },
    )
    account = await create_account(client, admin)
    big = await create_opportunity(
        client, admin, account["id"], name="Big", custom={"seats": 500, "channel": "direct"}
    )
    small = await create_opportunity(client, admin, account["id"], name="Small", custom={"seats": 20})

    assert big["id"] and small["id"]
    bad = [
        ({"seats": 0}, [("custom.seats", "INVALID")]),
        ({"seats": "many"}, [("custom.seats", "INVALID")]),
        ({"colour": "red"}, [("custom.colour", "INVALID")]),
        ({"channel": "retail"}, [("custom.channel", "INVALID")]),
    ]
    for custom, expected in bad:
        payload = await client.outcome(
            CREATE_OPPORTUNITY,
            {"input": {"name": "X", "accountId": account["id"], "custom": custom}},
            admin.token,
            "createOpportunity",
        )
        assert payload == expected, custom

    updated = (
        await client.execute(
            UPDATE_OPPORTUNITY,
            {"id": small["id"], "version": 1, "input": {"custom": {"channel": "partner"}}},
            admin.token,
        )
    )["updateOpportunity"]
    assert updated["errors"] == [] and updated["opportunity"]["version"] == 2

    by_channel = {"filter": {"custom": [{"key": "channel", "equals": "partner"}]}}
    listed = (await client.execute(LIST, by_channel, admin.token))["opportunities"]["edges"]
    assert [(e["node"]["name"], e["node"]["customFields"]) for e in listed] == [
        ("Small", {"seats": 20, "channel": "partner"})
    ]
    by_seats = {"orderBy": [{"customField": "seats", "direction": "DESC"}]}
    ordered = (await client.execute(LIST, by_seats, admin.token))["opportunities"]["edges"]
    assert [e["node"]["name"] for e in ordered] == ["Big", "Small"]


async def test_a_leavers_opportunities_are_reassigned_with_their_other_records(client):
    admin = await client.sign_up()
    leaver = await client.add_member(admin, "sales", "leaver")
    heir = await client.add_member(admin, "sales", "heir")
    account = await create_account(client, admin)
    opportunity = await create_opportunity(client, admin, account["id"], ownerId=leaver.user_id)
    await client.execute(DEACTIVATE, {"userId": leaver.user_id}, admin.token)

    payload = (await client.execute(REASSIGN, {"from": leaver.user_id, "to": heir.user_id}, admin.token))[
        "reassignRecords"
    ]

    assert {"objectType": "opportunity", "count": 1} in payload["reassigned"]
    current = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, heir.token))["opportunity"]
    assert current["owner"]["id"] == heir.user_id


async def test_a_read_only_stage_cannot_be_moved_by_that_role(client):
    admin = await client.sign_up()
    clerk = await client.add_member(admin, "sales", "clerk")
    grant = {"objectType": "opportunity", "actions": ["READ", "CREATE", "UPDATE"], "scope": "ALL"}
    rules = [{"field": "stage", "access": "READ_ONLY"}]
    role = await create_role(client, admin, "clerk", grants=[{**grant, "fields": rules}, *grants("ALL")])
    await assign(client, admin, clerk, role)
    pipeline = await default_pipeline(client, admin)
    opportunity = await create_opportunity(client, admin)

    refused = await move(client, clerk, opportunity, stage_named(pipeline, "Proposal")["id"])
    renamed = (
        await client.execute(
            UPDATE_OPPORTUNITY,
            {"id": opportunity["id"], "version": 1, "input": {"name": "Renamed"}},
            clerk.token,
        )
    )["updateOpportunity"]

    assert error_pairs(refused) == [("stage", "PERMISSION_DENIED")]
    assert renamed["errors"] == [] and renamed["opportunity"]["stage"]["name"] == "Prospecting"
