"""Duplicate detection on create and on request, and merging."""

from __future__ import annotations

from tests.crm.documents import create_account, create_contact
from tests.sales.leads.documents import (
    CREATE_LEAD,
    LEAD,
    LEAD_DUPLICATES,
    LEADS,
    MERGE_LEADS,
    create_lead,
    error_pairs,
)


async def test_create_lead_reports_duplicates_among_leads_contacts_and_accounts(client):
    admin = await client.sign_up()
    first = await create_lead(client, admin, email="ada@example.com", lastName="One")
    by_phone = await create_lead(client, admin, phone="+1 555 010 2000", lastName="Two")
    by_company = await create_lead(client, admin, companyName="Initech, Inc.", lastName="Three")
    contact = await create_contact(client, admin, emails=["ADA@example.com"], phones=["(555) 999"])
    account = await create_account(client, admin, name="INITECH GmbH")
    await create_lead(client, admin, email="other@example.com", companyName="Initech Labs", lastName="No")

    variables = {
        "input": {
            "source": "web",
            "lastName": "New",
            "email": "Ada@Example.com",
            "phone": "1-555-010-2000",
            "companyName": "initech llc",
        }
    }
    payload = (await client.execute(CREATE_LEAD, variables, admin.token))["createLead"]

    assert payload["errors"] == [] and payload["lead"]["id"]
    found = {(d["lead"] or d["contact"] or d["account"])["id"]: d["matchedOn"] for d in payload["duplicates"]}
    assert found == {
        first["id"]: ["EMAIL"],
        by_phone["id"]: ["PHONE"],
        by_company["id"]: ["COMPANY"],
        contact["id"]: ["EMAIL"],
        account["id"]: ["COMPANY"],
    }
    again = (await client.execute(LEAD_DUPLICATES, {"id": first["id"]}, admin.token))["leadDuplicates"]
    assert {(d["lead"] or d["contact"] or {}).get("id") for d in again} == {
        payload["lead"]["id"],
        contact["id"],
    }


async def test_reject_duplicates_creates_nothing(client):
    admin = await client.sign_up()
    await create_lead(client, admin, email="ada@example.com")
    variables = {
        "input": {"source": "web", "lastName": "X", "email": "ada@example.com", "rejectDuplicates": True}
    }

    payload = (await client.execute(CREATE_LEAD, variables, admin.token))["createLead"]

    assert payload["lead"] is None
    assert error_pairs(payload) == [("rejectDuplicates", "DUPLICATE")]
    assert len(payload["duplicates"]) == 1
    assert (await client.execute(LEADS, {}, admin.token))["leads"]["totalCount"] == 1
    unique = {"input": {**variables["input"], "email": "new@example.com"}}
    assert (await client.execute(CREATE_LEAD, unique, admin.token))["createLead"]["errors"] == []


async def test_duplicates_outside_the_scope_are_not_reported(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    await create_lead(client, admin, email="ada@example.com", ownerId=admin.user_id)
    await create_lead(client, other, email="ada@example.com", ownerId=other.user_id)

    payload = (
        await client.execute(
            CREATE_LEAD, {"input": {"source": "web", "lastName": "X", "email": "ada@example.com"}}, rep.token
        )
    )["createLead"]

    assert (payload["errors"], payload["duplicates"]) == ([], [])


async def test_merge_fills_the_survivor_and_retires_duplicates(client):
    admin = await client.sign_up()
    survivor = await create_lead(client, admin, email="ada@example.com", ownerId=admin.user_id, notes="first")
    phone = await create_lead(
        client, admin, email="ada@example.com", phone="555 1", title="CTO", notes="second"
    )
    company = await create_lead(client, admin, companyName="Acme", title="CEO")

    variables = {"survivorId": survivor["id"], "duplicateIds": [phone["id"], company["id"]], "version": 1}
    payload = (await client.execute(MERGE_LEADS, variables, admin.token))["mergeLeads"]

    assert payload["errors"] == []
    merged = payload["lead"]
    assert (merged["phone"], merged["title"], merged["companyName"]) == ("555 1", "CTO", "Acme")
    assert merged["notes"].startswith("first\n\n") and merged["notes"].endswith("second")
    assert merged["version"] == 2
    for duplicate in (phone, company):
        retired = (await client.execute(LEAD, {"id": duplicate["id"]}, admin.token))["lead"]
        assert (retired["status"], retired["disqualifiedReason"], retired["mergedInto"]) == (
            "DISQUALIFIED",
            "duplicate",
            {"id": survivor["id"]},
        )
    after = (await client.execute(LEAD_DUPLICATES, {"id": survivor["id"]}, admin.token))["leadDuplicates"]
    assert after == []


async def test_merge_is_all_or_nothing_and_checks_input(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    survivor = await create_lead(client, admin, ownerId=admin.user_id)
    good = await create_lead(client, admin, lastName="Good", title="CFO")
    foreign = await create_lead(client, other, ownerId=other.user_id)

    def merge(member, ids, version=1, survivor_id=survivor["id"]):
        variables = {"survivorId": survivor_id, "duplicateIds": ids, "version": version}
        return client.execute(MERGE_LEADS, variables, member.token)

    cases = [
        ([], 1, [("duplicateIds", "REQUIRED")]),
        ([survivor["id"]], 1, [("duplicateIds", "INVALID")]),
        ([good["id"], foreign["id"]], 1, [("duplicateIds", "NOT_FOUND")]),
        ([good["id"]], 9, [("version", "CONFLICT")]),
    ]
    for ids, version, expected in cases:
        assert error_pairs((await merge(admin, ids, version))["mergeLeads"]) == expected, ids
    denied = (await merge(rep, [good["id"]]))["mergeLeads"]
    assert error_pairs(denied) == [("survivorId", "NOT_FOUND")]
    untouched = (await client.execute(LEAD, {"id": good["id"]}, admin.token))["lead"]
    assert (untouched["status"], untouched["mergedInto"], untouched["version"]) == ("NEW", None, 1)
    assert (await client.execute(LEAD, {"id": survivor["id"]}, admin.token))["lead"]["title"] is None

    assert (await merge(admin, [good["id"]]))["mergeLeads"]["errors"] == []
    twice = (await merge(admin, [good["id"]], 2))["mergeLeads"]
    assert error_pairs(twice) == [("duplicateIds", "INVALID_TRANSITION")]
