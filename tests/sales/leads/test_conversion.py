"""Lead conversion: account and contact created or linked, links both ways, all or nothing."""

from __future__ import annotations

from tests.crm.documents import ACCOUNT, ACCOUNTS, CONTACTS, create_account, create_contact
from tests.sales.leads.documents import CHANGE_STATUS, CONVERT_LEAD, LEAD, create_lead, error_pairs

AUDIT = """
query { auditLog(first: 50) { edges { node { action objectType } } } }
"""


async def convert(client, member, lead_id, version=1, **values):
    variables = {"id": lead_id, "version": version, "input": values or None}
    return await client.mutate(CONVERT_LEAD, variables, member.token, "convertLead")


async def test_convert_creates_account_and_contact_linked_both_ways(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    lead = await create_lead(
        client,
        rep,
        ownerId=rep.user_id,
        email="ada@example.com",
        phone="555 0100",
        title="CTO",
        companyName="Analytical Engines",
        region="Wessex",
        country="UK",
    )

    payload = await convert(client, rep, lead["id"])

    assert payload["errors"] == []
    converted, account, contact = payload["lead"], payload["account"], payload["contact"]
    assert (converted["status"], converted["version"]) == ("CONVERTED", 2)
    assert converted["convertedAccount"] == {"id": account["id"], "name": "Analytical Engines"}
    assert converted["convertedContact"]["id"] == contact["id"]
    assert (account["owner"]["id"], account["address"]) == (
        rep.user_id,
        {"region": "Wessex", "country": "UK"},
    )
    assert (contact["firstName"], contact["lastName"], contact["emails"], contact["phones"]) == (
        "Ada",
        "Lovelace",
        ["ada@example.com"],
        ["555 0100"],
    )
    assert contact["accounts"] == [{"account": {"id": account["id"]}, "title": "CTO", "isPrimary": True}]
    assert account["convertedFromLead"] == {"id": lead["id"]}
    assert contact["convertedFromLead"] == {"id": lead["id"]}
    fetched = (await client.execute(ACCOUNT, {"id": account["id"]}, rep.token))["account"]
    assert fetched["owner"]["id"] == rep.user_id
    actions = [
        e["node"]["action"] for e in (await client.execute(AUDIT, {}, admin.token))["auditLog"]["edges"]
    ]
    assert {"account.create", "contact.create", "contact.link", "lead.convert"} <= set(actions)


async def test_convert_links_existing_records(client):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Existing")
    contact = await create_contact(client, admin, firstName="Grace")
    lead = await create_lead(
        client, admin, ownerId=admin.user_id, firstName=None, lastName=None, companyName="X"
    )

    payload = await convert(client, admin, lead["id"], accountId=account["id"], contactId=contact["id"])

    assert payload["errors"] == []
    assert (payload["account"]["id"], payload["contact"]["id"]) == (account["id"], contact["id"])
    assert payload["contact"]["accounts"] == [
        {"account": {"id": account["id"]}, "title": None, "isPrimary": False}
    ]
    assert (await client.execute(ACCOUNTS, {}, admin.token))["accounts"]["totalCount"] == 1


async def test_a_failure_half_way_leaves_nothing_written(client):
    admin = await client.sign_up()
    # The account can be made from the company, but a contact needs a first name: the step after fails.
    lead = await create_lead(client, admin, ownerId=admin.user_id, firstName=None, companyName="Half Way")

    payload = await convert(client, admin, lead["id"])

    assert error_pairs(payload) == [("firstName", "REQUIRED")]
    assert payload["lead"] is None
    assert (await client.execute(ACCOUNTS, {}, admin.token))["accounts"]["totalCount"] == 0
    assert (await client.execute(CONTACTS, {}, admin.token))["contacts"]["totalCount"] == 0
    unchanged = (await client.execute(LEAD, {"id": lead["id"]}, admin.token))["lead"]
    assert (unchanged["status"], unchanged["version"], unchanged["convertedAccount"]) == ("NEW", 1, None)


async def test_convert_refuses_converted_disqualified_and_stale_leads(client):
    admin = await client.sign_up()
    lead = await create_lead(client, admin, ownerId=admin.user_id)
    dropped = await create_lead(client, admin, ownerId=admin.user_id, lastName="Dropped")
    await client.execute(
        CHANGE_STATUS,
        {"id": dropped["id"], "version": 1, "status": "DISQUALIFIED", "reason": "No fit"},
        admin.token,
    )

    assert error_pairs(await convert(client, admin, lead["id"], version=5)) == [("version", "CONFLICT")]
    assert (await convert(client, admin, lead["id"]))["errors"] == []
    assert error_pairs(await convert(client, admin, lead["id"], version=2)) == [("id", "INVALID_TRANSITION")]
    assert error_pairs(await convert(client, admin, dropped["id"], version=2)) == [
        ("id", "INVALID_TRANSITION")
    ]


async def test_convert_permissions_and_foreign_ids(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    foreign_account = await create_account(client, other, name="Theirs")
    admins_account = await create_account(client, admin, name="Admin's")
    lead = await create_lead(client, admin, ownerId=admin.user_id)
    reps_lead = await create_lead(client, rep, ownerId=rep.user_id, lastName="Rep")
    pooled = await create_lead(client, admin, lastName="Pool")

    assert error_pairs(await convert(client, viewer, lead["id"])) == [(None, "PERMISSION_DENIED")]
    assert error_pairs(await convert(client, rep, lead["id"])) == [("id", "NOT_FOUND")]
    assert error_pairs(await convert(client, rep, pooled["id"])) == [(None, "PERMISSION_DENIED")]
    assert error_pairs(await convert(client, rep, reps_lead["id"], accountId=admins_account["id"])) == [
        ("accountId", "NOT_FOUND")
    ]
    assert error_pairs(await convert(client, admin, lead["id"], accountId=foreign_account["id"])) == [
        ("accountId", "NOT_FOUND")
    ]
    assert error_pairs(await convert(client, other, lead["id"])) == [("id", "NOT_FOUND")]
    assert (await client.execute(LEAD, {"id": lead["id"]}, admin.token))["lead"]["status"] == "NEW"


async def test_convert_can_open_an_opportunity_with_the_contact_as_primary(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    lead = await create_lead(client, rep, ownerId=rep.user_id, companyName="Initech")

    payload = await convert(
        client,
        rep,
        lead["id"],
        createOpportunity={"amount": "1250.56", "currency": "EUR", "contactRole": "INFLUENCER"},
    )

    assert payload["errors"] == []
    opportunity = payload["opportunity"]
    assert (opportunity["name"], opportunity["amount"], opportunity["currency"]) == (
        "Initech",
        "1250.56",
        "EUR",
    )
    assert (opportunity["status"], opportunity["stage"]["kind"], opportunity["owner"]["id"]) == (
        "OPEN",
        "OPEN",
        rep.user_id,
    )
    assert opportunity["account"]["id"] == payload["account"]["id"]
    assert opportunity["contacts"] == [
        {"contact": {"id": payload["contact"]["id"]}, "role": "INFLUENCER", "isPrimary": True}
    ]
    assert payload["lead"]["convertedOpportunity"] == {"id": opportunity["id"]}


async def test_a_refused_opportunity_undoes_the_whole_conversion(client):
    admin = await client.sign_up()
    lead = await create_lead(client, admin, ownerId=admin.user_id, companyName="Nope Inc")

    payload = await convert(client, admin, lead["id"], createOpportunity={"amount": "-1", "currency": "XXQ"})

    assert payload["lead"] is None
    assert sorted(error_pairs(payload)) == [
        ("createOpportunity.amount", "INVALID"),
        ("createOpportunity.currency", "INVALID"),
    ]
    assert (await client.execute(ACCOUNTS, {}, admin.token))["accounts"]["totalCount"] == 0
    assert (await client.execute(CONTACTS, {}, admin.token))["contacts"]["totalCount"] == 0
    assert (await client.execute(LEAD, {"id": lead["id"]}, admin.token))["lead"]["status"] == "NEW"
    stage_id = {"createOpportunity": {"stageId": lead["id"]}}
    wrong = await convert(client, admin, lead["id"], **stage_id)
    assert error_pairs(wrong) == [("createOpportunity.stageId", "NOT_FOUND")]
