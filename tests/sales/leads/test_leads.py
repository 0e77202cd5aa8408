from __future__ import annotations

from tests.sales.leads.documents import (
    CHANGE_STATUS,
    CREATE_LEAD,
    LEAD,
    LEADS,
    UPDATE_LEAD,
    create_lead,
    error_pairs,
)


async def test_create_lead_with_owner_and_read_it_back(client):
    admin = await client.sign_up()

    lead = await create_lead(
        client,
        admin,
        source="Referral",
        email="Ada@Example.com",
        phone=" +1 (555)  010-2000 ",
        title="CTO",
        companyName="Analytical Engines Ltd.",
        region="Wessex",
        country="UK",
        notes="Met at the fair",
        ownerId=admin.user_id,
    )

    assert lead["source"] == "referral"
    assert (lead["fullName"], lead["email"], lead["phone"]) == (
        "Ada Lovelace",
        "Ada@example.com",
        "+1 (555) 010-2000",
    )
    assert (lead["status"], lead["inPool"], lead["owner"]["id"], lead["version"]) == (
        "NEW",
        False,
        admin.user_id,
        1,
    )
    fetched = (await client.execute(LEAD, {"id": lead["id"]}, admin.token))["lead"]
    assert fetched["companyName"] == "Analytical Engines Ltd."


async def test_create_lead_without_owner_lands_in_the_pool(client):
    admin = await client.sign_up()

    lead = await create_lead(client, admin, companyName="Pool Co")

    assert (lead["inPool"], lead["owner"]) == (True, None)
    listed = (await client.execute(LEADS, {"filter": {"inPool": True}}, admin.token))["leads"]
    assert [e["node"]["id"] for e in listed["edges"]] == [lead["id"]]


async def test_create_lead_rejects_bad_input(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    cases = [
        ({"source": "fax", "lastName": "X"}, [("source", "INVALID")]),
        ({"source": " ", "lastName": "X"}, [("source", "REQUIRED")]),
        ({"source": "web"}, [("lastName", "REQUIRED")]),
        ({"source": "web", "email": "nope", "phone": "abc"}, [("email", "INVALID"), ("phone", "INVALID")]),
        ({"source": "web", "lastName": "x" * 101}, [("lastName", "TOO_LONG")]),
        ({"source": "web", "lastName": "X", "ownerId": other.user_id}, [("ownerId", "NOT_FOUND")]),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_LEAD, {"input": values}, admin.token))["createLead"]
        assert (payload["lead"], error_pairs(payload)) == (None, expected), values

    as_rep = {"source": "web", "lastName": "X", "ownerId": admin.user_id}
    assert await client.refused(CREATE_LEAD, {"input": as_rep}, rep.token, "createLead") == [
        ("ownerId", "PERMISSION_DENIED")
    ]
    assert (await client.execute(LEADS, {}, admin.token))["leads"]["totalCount"] == 0


async def test_update_lead_and_stale_version(client):
    admin = await client.sign_up()
    lead = await create_lead(client, admin, ownerId=admin.user_id, notes="n")

    payload = (
        await client.execute(
            UPDATE_LEAD,
            {"id": lead["id"], "version": 1, "input": {"title": "CEO", "notes": None}},
            admin.token,
        )
    )["updateLead"]
    assert payload["errors"] == []
    assert (payload["lead"]["title"], payload["lead"]["notes"], payload["lead"]["version"]) == (
        "CEO",
        None,
        2,
    )

    stale = (
        await client.execute(
            UPDATE_LEAD, {"id": lead["id"], "version": 1, "input": {"title": "X"}}, admin.token
        )
    )["updateLead"]
    assert error_pairs(stale) == [("version", "CONFLICT")]
    bad = (
        await client.execute(
            UPDATE_LEAD,
            {"id": lead["id"], "version": 2, "input": {"lastName": None, "source": "fax"}},
            admin.token,
        )
    )["updateLead"]
    assert error_pairs(bad) == [("source", "INVALID")]


async def test_status_moves_and_disqualification_needs_a_reason(client):
    admin = await client.sign_up()
    lead = await create_lead(client, admin, ownerId=admin.user_id)

    async def move(version, status, reason=None):
        variables = {"id": lead["id"], "version": version, "status": status, "reason": reason}
        return (await client.execute(CHANGE_STATUS, variables, admin.token))["changeLeadStatus"]

    assert (await move(1, "WORKING"))["lead"]["status"] == "WORKING"
    assert error_pairs(await move(2, "DISQUALIFIED")) == [("reason", "REQUIRED")]
    assert error_pairs(await move(2, "CONVERTED")) == [("status", "INVALID_TRANSITION")]
    assert error_pairs(await move(2, "NEW")) == [("status", "INVALID_TRANSITION")]
    done = (await move(2, "DISQUALIFIED", "No budget"))["lead"]
    assert (done["status"], done["disqualifiedReason"]) == ("DISQUALIFIED", "No budget")
    reopened = (await move(3, "WORKING"))["lead"]
    assert (reopened["status"], reopened["disqualifiedReason"]) == ("WORKING", None)


async def test_leads_list_filters_and_orders(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    zed = await create_lead(client, admin, lastName="Zed", source="event", ownerId=rep.user_id)
    await create_lead(client, admin, lastName="Amy", source="web")
    await create_lead(client, admin, lastName="Bob", source="web", ownerId=admin.user_id)

    async def names(filter=None, order_by=None):
        variables = {"filter": filter, "orderBy": order_by}
        return [
            e["node"]["lastName"]
            for e in (await client.execute(LEADS, variables, admin.token))["leads"]["edges"]
        ]

    assert await names() == ["Zed", "Amy", "Bob"]
    assert await names(order_by=[{"field": "NAME", "direction": "DESC"}]) == ["Zed", "Bob", "Amy"]
    assert await names({"source": "WEB"}) == ["Amy", "Bob"]
    assert await names({"inPool": False}) == ["Zed", "Bob"]
    assert await names({"ownerId": rep.user_id}) == ["Zed"]
    assert await names({"statuses": ["NEW"], "inPool": True}) == ["Amy"]
    assert await names({"statuses": ["CONVERTED"]}) == []
    errors = await client.errors(LEADS, {"filter": {"ownerId": zed["id"]}}, admin.token)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


AUDIT = """
query($id: ID!) {
  auditLog(first: 20, filter: {objectId: $id}) { edges { node { action objectType objectId changes } } }
}"""


async def test_every_lead_change_is_audited_with_the_leads_global_id(client):
    from tests.sales.leads.documents import CLAIM_LEAD, MERGE_LEADS, RELEASE_LEAD

    admin = await client.sign_up()
    lead = await create_lead(client, admin, title="CTO")
    other = await create_lead(client, admin, lastName="Other", notes="from other")
    await client.execute(CLAIM_LEAD, {"id": lead["id"]}, admin.token)
    await client.execute(
        UPDATE_LEAD, {"id": lead["id"], "version": 2, "input": {"title": "CEO"}}, admin.token
    )
    await client.execute(RELEASE_LEAD, {"id": lead["id"]}, admin.token)
    await client.execute(CLAIM_LEAD, {"id": lead["id"]}, admin.token)
    merge = {"survivorId": lead["id"], "duplicateIds": [other["id"]], "version": 5}
    assert (await client.execute(MERGE_LEADS, merge, admin.token))["mergeLeads"]["errors"] == []

    entries = [
        e["node"] for e in (await client.execute(AUDIT, {"id": lead["id"]}, admin.token))["auditLog"]["edges"]
    ]

    assert [e["action"] for e in reversed(entries)] == [
        "lead.create",
        "lead.claim",
        "lead.update",
        "lead.release",
        "lead.claim",
        "lead.merge",
    ]
    assert {(e["objectType"], e["objectId"]) for e in entries} == {("lead", lead["id"])}
    update = next(e for e in entries if e["action"] == "lead.update")
    assert update["changes"] == {"title": ["CTO", "CEO"]}
    merged = (await client.execute(AUDIT, {"id": other["id"]}, admin.token))["auditLog"]["edges"]
    assert merged[0]["node"]["changes"]["merged_into_id"][0] is None
