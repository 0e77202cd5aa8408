"""Opportunities: create and update with contacts, competitors, money and probability rules."""

from __future__ import annotations

from tests.crm.documents import create_contact
from tests.sales.pipeline.documents import (
    ARCHIVE_COMPETITOR,
    COMPETITORS,
    CREATE_COMPETITOR,
    CREATE_OPPORTUNITY,
    OPPORTUNITIES,
    OPPORTUNITY,
    UPDATE_COMPETITOR,
    UPDATE_OPPORTUNITY,
    create_account,
    create_opportunity,
    default_pipeline,
    error_pairs,
    moved,
    stage_named,
)
from tests.sales.pipeline.test_pipelines import create_pipeline


async def create_competitor(client, member, **values):
    payload = (
        await client.execute(CREATE_COMPETITOR, {"input": {"name": "Globex", **values}}, member.token)
    )["createCompetitor"]
    assert payload["errors"] == [], payload
    return payload["competitor"]


async def test_create_opportunity_with_contacts_and_competitors(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    account = await create_account(client, admin, name="Initech")
    buyer = await create_contact(client, admin, lastName="Buyer")
    blocker = await create_contact(client, admin, lastName="Blocker")
    rival = await create_competitor(client, admin, strengths="cheap", weaknesses="slow")

    opportunity = await create_opportunity(
        client,
        admin,
        account["id"],
        name=" Licences ",
        amount="12345.68",
        currency="eur",
        expectedCloseOn="2027-03-31",
        ownerId=rep.user_id,
        nextStep="Send proposal",
        contacts=[
            {"contactId": blocker["id"], "role": "BLOCKER"},
            {"contactId": buyer["id"], "role": "DECISION_MAKER", "isPrimary": True},
        ],
        competitorIds=[rival["id"]],
    )

    assert opportunity["name"] == "Licences"
    assert (opportunity["amount"], opportunity["currency"]) == ("12345.68", "EUR")
    assert (opportunity["status"], opportunity["closedAt"], opportunity["version"]) == ("OPEN", None, 1)
    assert (opportunity["stage"]["name"], opportunity["pipeline"]["name"]) == ("Prospecting", "Sales")
    assert (opportunity["probability"], opportunity["probabilityOverridden"]) == (10, False)
    assert opportunity["weightedAmount"] == "1234.57"
    assert opportunity["account"]["name"] == "Initech"
    assert opportunity["owner"]["id"] == rep.user_id
    assert [(c["contact"]["lastName"], c["role"], c["isPrimary"]) for c in opportunity["contacts"]] == [
        ("Buyer", "DECISION_MAKER", True),
        ("Blocker", "BLOCKER", False),
    ]
    assert [c["name"] for c in opportunity["competitors"]] == ["Globex"]
    history = (await client.execute(OPPORTUNITY, {"id": opportunity["id"]}, admin.token))["opportunity"][
        "stageHistory"
    ]
    assert [(h["fromStage"], h["toStage"]["name"], h["probability"]) for h in history] == [
        (None, "Prospecting", 10)
    ]


async def test_defaults_come_from_the_tenant_and_the_pipeline(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    account = await create_account(client, admin)
    payload = (
        await client.execute(
            CREATE_OPPORTUNITY,
            {
                "input": {
                    "name": "Bare",
                    "accountId": account["id"],
                    "stageId": stage_named(pipeline, "Proposal")["id"],
                }
            },
            admin.token,
        )
    )["createOpportunity"]
    opportunity = payload["opportunity"]
    assert (opportunity["amount"], opportunity["currency"], opportunity["probability"]) == ("0.00", "USD", 50)
    assert opportunity["owner"]["id"] == admin.user_id


async def test_create_opportunity_rejects_bad_input(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    account = await create_account(client, admin)
    contact = await create_contact(client, admin)
    pipeline = await default_pipeline(client, admin)
    renewals = await create_pipeline(client, admin)
    foreign_account = await create_account(client, other)
    base = {"name": "Deal", "accountId": account["id"]}
    won = stage_named(pipeline, "Won")["id"]
    cases = [
        ({"name": " "}, [("name", "REQUIRED")]),
        ({"amount": "-1"}, [("amount", "INVALID")]),
        ({"amount": "100000000000000000000"}, [("amount", "INVALID")]),
        ({"currency": "EURO"}, [("currency", "INVALID")]),
        ({"currency": "XXX"}, [("currency", "INVALID")]),
        ({"probability": 101}, [("probability", "INVALID")]),
        ({"probability": -5}, [("probability", "INVALID")]),
        ({"name": "", "amount": "-3"}, [("name", "REQUIRED"), ("amount", "INVALID")]),
        ({"accountId": foreign_account["id"]}, [("accountId", "NOT_FOUND")]),
        ({"accountId": contact["id"]}, [("accountId", "NOT_FOUND")]),
        ({"ownerId": other.user_id}, [("ownerId", "NOT_FOUND")]),
        ({"stageId": won}, [("stageId", "INVALID_TRANSITION")]),
        ({"stageId": renewals["stages"][0]["id"]}, [("stageId", "INVALID_TRANSITION")]),
        ({"stageId": account["id"]}, [("stageId", "NOT_FOUND")]),
        ({"pipelineId": account["id"]}, [("pipelineId", "NOT_FOUND")]),
        (
            {"contacts": [{"contactId": contact["id"], "role": "USER"}] * 2},
            [("contacts", "DUPLICATE")],
        ),
        (
            {"contacts": [{"contactId": account["id"], "role": "USER"}]},
            [("contacts.0.contactId", "NOT_FOUND")],
        ),
        ({"competitorIds": [contact["id"]]}, [("competitorIds.0", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_OPPORTUNITY, {"input": {**base, **values}}, admin.token))[
            "createOpportunity"
        ]
        assert error_pairs(payload) == expected, values
        assert payload["opportunity"] is None
    listed = (await client.execute(OPPORTUNITIES, {}, admin.token))["opportunities"]
    assert listed["totalCount"] == 0


async def test_two_primary_contacts_are_refused(client):
    admin = await client.sign_up()
    first, second = await create_contact(client, admin), await create_contact(client, admin)
    account = await create_account(client, admin)
    contacts = [
        {"contactId": first["id"], "role": "USER", "isPrimary": True},
        {"contactId": second["id"], "role": "INFLUENCER", "isPrimary": True},
    ]
    payload = (
        await client.execute(
            CREATE_OPPORTUNITY,
            {"input": {"name": "D", "accountId": account["id"], "contacts": contacts}},
            admin.token,
        )
    )["createOpportunity"]
    assert error_pairs(payload) == [("contacts", "INVALID")]


async def test_update_changes_fields_links_and_probability_override(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    contact = await create_contact(client, admin, lastName="Champion")
    rival = await create_competitor(client, admin)
    opportunity = await create_opportunity(client, admin)

    updated = (
        await client.execute(
            UPDATE_OPPORTUNITY,
            {
                "id": opportunity["id"],
                "version": 1,
                "input": {
                    "amount": "500.5",
                    "probability": 35,
                    "nextStep": None,
                    "contacts": [{"contactId": contact["id"], "role": "INFLUENCER", "isPrimary": True}],
                    "competitorIds": [rival["id"]],
                },
            },
            admin.token,
        )
    )["updateOpportunity"]
    assert updated["errors"] == []
    current = updated["opportunity"]
    assert (current["amount"], current["probability"], current["probabilityOverridden"]) == (
        "500.50",
        35,
        True,
    )
    assert current["version"] == 2
    assert [c["contact"]["lastName"] for c in current["contacts"]] == ["Champion"]

    # An override survives a move between open stages, and null brings back the stage default.
    current = await moved(client, admin, current, stage_named(pipeline, "Qualification")["id"])
    assert (current["probability"], current["probabilityOverridden"]) == (35, True)
    reset = (
        await client.execute(
            UPDATE_OPPORTUNITY,
            {
                "id": current["id"],
                "version": current["version"],
                "input": {"probability": None, "contacts": []},
            },
            admin.token,
        )
    )["updateOpportunity"]["opportunity"]
    assert (reset["probability"], reset["probabilityOverridden"], reset["contacts"]) == (20, False, [])

    stale = (
        await client.execute(
            UPDATE_OPPORTUNITY, {"id": current["id"], "version": 1, "input": {"name": "X"}}, admin.token
        )
    )["updateOpportunity"]
    assert error_pairs(stale) == [("version", "CONFLICT")]
    for values, expected in [
        ({"accountId": None}, [("accountId", "REQUIRED")]),
        ({"ownerId": None}, [("ownerId", "REQUIRED")]),
        ({"amount": "-1"}, [("amount", "INVALID")]),
        ({"currency": "ABC"}, [("currency", "INVALID")]),
        ({"probability": 150}, [("probability", "INVALID")]),
    ]:
        bad = await client.outcome(
            UPDATE_OPPORTUNITY,
            {"id": current["id"], "version": reset["version"], "input": values},
            admin.token,
            "updateOpportunity",
        )
        assert bad == expected, values


async def test_competitor_list(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    rival = await create_competitor(client, admin, strengths="price")
    duplicate = (await client.execute(CREATE_COMPETITOR, {"input": {"name": "globex"}}, admin.token))[
        "createCompetitor"
    ]
    assert error_pairs(duplicate) == [("name", "DUPLICATE")]
    denied = await client.refused(
        CREATE_COMPETITOR, {"input": {"name": "Umbrella"}}, viewer.token, "createCompetitor"
    )
    assert denied == [(None, "PERMISSION_DENIED")]

    updated = (
        await client.execute(
            UPDATE_COMPETITOR,
            {"id": rival["id"], "version": 1, "input": {"weaknesses": "support"}},
            admin.token,
        )
    )["updateCompetitor"]["competitor"]
    assert (updated["strengths"], updated["weaknesses"], updated["version"]) == ("price", "support", 2)
    archived = (await client.execute(ARCHIVE_COMPETITOR, {"id": rival["id"], "version": 2}, admin.token))[
        "archiveCompetitor"
    ]["competitor"]
    assert archived["archivedAt"] is not None
    again = (await client.execute(ARCHIVE_COMPETITOR, {"id": rival["id"], "version": 3}, admin.token))[
        "archiveCompetitor"
    ]
    assert error_pairs(again) == [("id", "INVALID_TRANSITION")]
    other = await create_competitor(client, admin, name="Initrode")
    renamed = (
        await client.execute(
            UPDATE_COMPETITOR, {"id": other["id"], "version": 1, "input": {"name": " "}}, admin.token
        )
    )["updateCompetitor"]
    assert error_pairs(renamed) == [("name", "REQUIRED")]
    stale = (
        await client.execute(
            UPDATE_COMPETITOR, {"id": other["id"], "version": 5, "input": {"name": "X"}}, admin.token
        )
    )["updateCompetitor"]
    assert error_pairs(stale) == [("version", "CONFLICT")]
    live = (await client.execute(COMPETITORS, {"all": False}, viewer.token))["competitors"]["nodes"]
    assert [c["name"] for c in live] == ["Initrode"]
    everyone = (await client.execute(COMPETITORS, {"all": True}, viewer.token))["competitors"]["nodes"]
    assert [c["name"] for c in everyone] == ["Globex", "Initrode"]
    account = await create_account(client, admin)
    payload = (
        await client.execute(
            CREATE_OPPORTUNITY,
            {"input": {"name": "D", "accountId": account["id"], "competitorIds": [rival["id"]]}},
            admin.token,
        )
    )["createOpportunity"]
    assert error_pairs(payload) == [("competitorIds.0", "NOT_FOUND")]


async def test_list_filters_orders_and_pages(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    pipeline = await default_pipeline(client, admin)
    account = await create_account(client, admin)
    for index, amount in enumerate(["300", "100", "200"]):
        await create_opportunity(client, admin, account["id"], name=f"Deal {index}", amount=amount)
    await create_opportunity(client, admin, account["id"], name="Rep deal", amount="50", ownerId=rep.user_id)

    by_amount = (
        await client.execute(
            OPPORTUNITIES, {"orderBy": [{"field": "AMOUNT", "direction": "DESC"}], "first": 2}, admin.token
        )
    )["opportunities"]
    assert [e["node"]["amount"] for e in by_amount["edges"]] == ["300.00", "200.00"]
    assert by_amount["pageInfo"]["hasNextPage"] is True and by_amount["totalCount"] == 4
    rest = (
        await client.execute(
            OPPORTUNITIES,
            {
                "orderBy": [{"field": "AMOUNT", "direction": "DESC"}],
                "after": by_amount["pageInfo"]["endCursor"],
            },
            admin.token,
        )
    )["opportunities"]
    assert [e["node"]["amount"] for e in rest["edges"]] == ["100.00", "50.00"]

    filters = [
        ({"ownerId": rep.user_id}, ["Rep deal"]),
        ({"search": "deal 1"}, ["Deal 1"]),
        ({"minAmount": "200"}, ["Deal 0", "Deal 2"]),
        ({"stageId": stage_named(pipeline, "Won")["id"]}, []),
        (
            {"status": "OPEN", "pipelineId": pipeline["id"], "accountId": account["id"]},
            ["Deal 0", "Deal 1", "Deal 2", "Rep deal"],
        ),
    ]
    for condition, names in filters:
        listed = (
            await client.execute(
                OPPORTUNITIES, {"filter": condition, "orderBy": [{"field": "NAME"}]}, admin.token
            )
        )["opportunities"]
        assert [e["node"]["name"] for e in listed["edges"]] == names, condition
