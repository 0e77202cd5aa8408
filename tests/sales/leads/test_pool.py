"""The lead pool: claim with a cap, release, manager assignment, and the automatic rules."""

from __future__ import annotations

import asyncio

from tests.crm.sql import put_in_team
from tests.sales.leads.documents import (
    ASSIGN_LEAD,
    ASSIGN_POOL,
    CLAIM_LEAD,
    CREATE_LEAD,
    CREATE_RULE,
    DELETE_RULE,
    LEAD,
    LEAD_SETTINGS,
    MERGE_LEADS,
    RELEASE_LEAD,
    RULES,
    UPDATE_LEAD,
    UPDATE_LEAD_SETTINGS,
    UPDATE_RULE,
    create_lead,
    create_rule,
    error_pairs,
    set_lead_cap,
)


async def claim(client, member, lead_id):
    return await client.mutate(CLAIM_LEAD, {"id": lead_id}, member.token, "claimLead")


async def test_rep_claims_a_pool_lead_then_releases_it(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    lead = await create_lead(client, admin)

    pool_view = (await client.execute(LEAD, {"id": lead["id"]}, rep.token))["lead"]
    assert pool_view["inPool"] is True
    edit = {"id": lead["id"], "version": 1, "input": {"title": "x"}}
    assert await client.refused(UPDATE_LEAD, edit, rep.token, "updateLead") == [(None, "PERMISSION_DENIED")]

    claimed = await claim(client, rep, lead["id"])
    assert claimed["errors"] == []
    assert (claimed["lead"]["owner"]["id"], claimed["lead"]["inPool"]) == (rep.user_id, False)
    assert claimed["lead"]["version"] == 2
    again = await claim(client, admin, lead["id"])
    assert error_pairs(again) == [("id", "CONFLICT")]

    released = (await client.execute(RELEASE_LEAD, {"id": lead["id"]}, rep.token))["releaseLead"]
    assert (released["errors"], released["lead"]["inPool"]) == ([], True)
    twice = (await client.execute(RELEASE_LEAD, {"id": lead["id"]}, rep.token))["releaseLead"]
    assert error_pairs(twice) == [("id", "INVALID_TRANSITION")]


async def test_claim_respects_the_open_lead_cap(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await set_lead_cap(client, admin, 2)
    leads = [await create_lead(client, admin, lastName=f"L{i}") for i in range(4)]

    results = [await claim(client, rep, lead["id"]) for lead in leads[:3]]

    assert [r["errors"] for r in results[:2]] == [[], []]
    assert error_pairs(results[2]) == [("id", "LIMIT_REACHED")]
    assert "cap of 2" in results[2]["errors"][0]["message"]
    # A closed lead no longer counts.
    owned = results[0]["lead"]
    from tests.sales.leads.documents import CHANGE_STATUS

    await client.execute(
        CHANGE_STATUS,
        {"id": owned["id"], "version": owned["version"], "status": "DISQUALIFIED", "reason": "Spam"},
        rep.token,
    )
    assert (await claim(client, rep, leads[3]["id"]))["errors"] == []


async def test_concurrent_claims_never_exceed_the_cap(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await set_lead_cap(client, admin, 2)
    leads = [await create_lead(client, admin, lastName=f"L{i}") for i in range(5)]

    results = await asyncio.gather(*(claim(client, rep, lead["id"]) for lead in leads))

    assert sum(1 for r in results if r["errors"] == []) == 2
    assert sorted(error_pairs(r) for r in results if r["errors"]) == [[("id", "LIMIT_REACHED")]] * 3


async def test_claim_and_release_bad_input_and_permissions(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    rep = await client.add_member(admin, "sales", "rep")
    other_rep = await client.add_member(admin, "sales", "other")
    lead = await create_lead(client, admin)
    owned = await create_lead(client, admin, ownerId=other_rep.user_id, lastName="Theirs")

    assert error_pairs(await claim(client, viewer, lead["id"])) == [(None, "PERMISSION_DENIED")]
    assert error_pairs(await claim(client, rep, owned["id"])) == [("id", "NOT_FOUND")]
    assert error_pairs(await claim(client, rep, admin.user_id)) == [("id", "NOT_FOUND")]
    release = (await client.execute(RELEASE_LEAD, {"id": owned["id"]}, rep.token))["releaseLead"]
    assert error_pairs(release) == [("id", "NOT_FOUND")]
    assert (await client.execute(LEAD, {"id": owned["id"]}, rep.token))["lead"] is None


async def test_manager_assigns_within_scope(client, db):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    outsider = await client.add_member(admin, "sales", "outsider")
    await put_in_team(db, admin.tenant_id, "East", manager.user_id, rep.user_id)
    lead = await create_lead(client, admin)

    def assign(member, user_id, lead_id=lead["id"]):
        return client.mutate(ASSIGN_LEAD, {"leadId": lead_id, "userId": user_id}, member.token, "assignLead")

    payload = await assign(manager, rep.user_id)
    assert (payload["errors"], payload["lead"]["owner"]["id"]) == ([], rep.user_id)
    denied = await assign(manager, outsider.user_id)
    assert error_pairs(denied) == [("userId", "PERMISSION_DENIED")]
    by_rep = await assign(rep, rep.user_id)
    assert error_pairs(by_rep) == [(None, "PERMISSION_DENIED")]
    unknown = await assign(admin, lead["id"])
    assert error_pairs(unknown) == [("userId", "NOT_FOUND")]
    moved = await assign(admin, outsider.user_id)
    assert moved["lead"]["owner"]["id"] == outsider.user_id
    # Now outside the manager's team: invisible to them.
    assert error_pairs(await assign(manager, rep.user_id)) == [("leadId", "NOT_FOUND")]

    await set_lead_cap(client, admin, 1)
    second = await create_lead(client, admin, lastName="Second")
    capped = await assign(admin, outsider.user_id, second["id"])
    assert error_pairs(capped) == [("userId", "LIMIT_REACHED")]


async def test_lead_settings_need_the_capability_and_valid_values(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    settings = (await client.execute(LEAD_SETTINGS, {}, manager.token))["leadSettings"]
    assert settings == {"maxOpenLeadsPerRep": 50, "version": 1}

    def update(member, version, cap):
        variables = {"version": version, "input": {"maxOpenLeadsPerRep": cap}}
        return client.mutate(UPDATE_LEAD_SETTINGS, variables, member.token, "updateLeadSettings")

    assert error_pairs(await update(manager, 1, 5)) == [(None, "PERMISSION_DENIED")]
    assert error_pairs(await update(admin, 1, -1)) == [("maxOpenLeadsPerRep", "INVALID")]
    assert error_pairs(await update(admin, 7, 5)) == [("version", "CONFLICT")]
    done = await update(admin, 1, None)
    assert done["settings"] == {"maxOpenLeadsPerRep": None, "version": 2}


async def test_rules_deal_new_leads_round_robin_by_source_and_region(client):
    admin = await client.sign_up()
    reps = [await client.add_member(admin, "sales", f"rep{i}") for i in range(3)]
    await create_rule(
        client, admin, [reps[2].user_id], name="Events in Bavaria", source="event", region="bavaria"
    )
    await create_rule(client, admin, [reps[0].user_id, reps[1].user_id], name="Web", source="web")

    web = [await create_lead(client, admin, lastName=f"W{i}") for i in range(4)]
    bavarian = await create_lead(client, admin, source="event", region="Bavaria", lastName="B")
    elsewhere = await create_lead(client, admin, source="event", country="France", lastName="F")

    assert [lead["owner"]["id"] for lead in web] == [reps[0].user_id, reps[1].user_id] * 2
    assert bavarian["owner"]["id"] == reps[2].user_id
    assert elsewhere["inPool"] is True


async def test_concurrent_creates_are_dealt_fairly(client):
    admin = await client.sign_up()
    reps = [await client.add_member(admin, "sales", f"rep{i}") for i in range(3)]
    await create_rule(client, admin, [rep.user_id for rep in reps])

    async def create(index):
        variables = {"input": {"source": "web", "lastName": f"C{index}"}}
        return (await client.execute(CREATE_LEAD, variables, admin.token))["createLead"]

    results = await asyncio.gather(*(create(i) for i in range(9)))

    owners = [r["lead"]["owner"]["id"] for r in results]
    assert sorted(owners.count(rep.user_id) for rep in reps) == [3, 3, 3]
    # Dealing is not an edit of the rule: an admin's version stays valid.
    assert [
        rule["version"]
        for rule in (await client.execute(RULES, {}, admin.token))["leadAssignmentRules"]["nodes"]
    ] == [1]


async def test_rules_skip_members_at_their_cap_and_assign_pool_leads(client):
    admin = await client.sign_up()
    first = await client.add_member(admin, "sales", "first")
    second = await client.add_member(admin, "sales", "second")
    await set_lead_cap(client, admin, 1)
    waiting = [await create_lead(client, admin, lastName=f"P{i}") for i in range(3)]
    await create_rule(client, admin, [first.user_id, second.user_id])

    payload = (await client.execute(ASSIGN_POOL, {}, admin.token))["assignPoolLeads"]

    assert payload["errors"] == []
    assert [lead["owner"]["id"] for lead in payload["leads"]] == [first.user_id, second.user_id]
    last = (await client.execute(LEAD, {"id": waiting[2]["id"]}, admin.token))["lead"]
    assert last["inPool"] is True
    assert await client.refused(
        ASSIGN_POOL,
        {},
        first.token,
        "assignPoolLeads",
    ) == [(None, "PERMISSION_DENIED")]
    bad = (await client.execute(ASSIGN_POOL, {"limit": 0}, admin.token))["assignPoolLeads"]
    assert error_pairs(bad) == [("limit", "INVALID")]


async def test_rule_management(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")

    def create(member, values):
        return client.mutate(
            CREATE_RULE,
            {"input": {"name": "R", **values}},
            member.token,
            "createLeadAssignmentRule",
        )

    cases = [
        ({"userIds": []}, [("userIds", "REQUIRED")]),
        ({"userIds": [other.user_id]}, [("userIds", "NOT_FOUND")]),
        ({"userIds": [rep.user_id], "source": "fax"}, [("source", "INVALID")]),
        (
            {"userIds": [rep.user_id], "name": " ", "position": -1},
            [("name", "REQUIRED"), ("position", "INVALID")],
        ),
    ]
    for values, expected in cases:
        assert error_pairs(await create(admin, values)) == expected, values
    denied = await create(manager, {"userIds": [rep.user_id]})
    assert error_pairs(denied) == [(None, "PERMISSION_DENIED")]

    rule = await create_rule(client, admin, [rep.user_id], source="web")
    assert (rule["position"], rule["users"]) == (0, [{"id": rep.user_id}])
    changed = (
        await client.execute(
            UPDATE_RULE,
            {
                "id": rule["id"],
                "version": 1,
                "input": {"region": "North", "userIds": [admin.user_id, rep.user_id]},
            },
            admin.token,
        )
    )["updateLeadAssignmentRule"]
    assert changed["errors"] == []
    assert (changed["rule"]["region"], changed["rule"]["version"]) == ("North", 2)
    assert [u["id"] for u in changed["rule"]["users"]] == [admin.user_id, rep.user_id]
    emptied = (
        await client.execute(
            UPDATE_RULE, {"id": rule["id"], "version": 2, "input": {"userIds": []}}, admin.token
        )
    )["updateLeadAssignmentRule"]
    assert error_pairs(emptied) == [("userIds", "REQUIRED")]
    listed = (await client.execute(RULES, {}, manager.token))["leadAssignmentRules"]["nodes"]
    assert [r["id"] for r in listed] == [rule["id"]]
    assert (await client.execute(RULES, {}, other.token))["leadAssignmentRules"]["nodes"] == []
    foreign = (await client.execute(DELETE_RULE, {"id": rule["id"]}, other.token))["deleteLeadAssignmentRule"]
    assert error_pairs(foreign) == [("id", "NOT_FOUND")]
    deleted = (await client.execute(DELETE_RULE, {"id": rule["id"]}, admin.token))["deleteLeadAssignmentRule"]
    assert deleted["errors"] == []
    assert (await client.execute(RULES, {}, admin.token))["leadAssignmentRules"]["nodes"] == []


async def test_creator_edits_and_merges_their_own_pool_leads_without_claiming(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.add_member(admin, "sales", "other")
    first = await create_lead(client, rep, lastName="Zhang", email="wei@example.com")
    second = await create_lead(client, rep, lastName="Zhang", phone="+86 138 0013 8000")
    foreign = await create_lead(client, other, lastName="Other")

    edited = (
        await client.execute(
            UPDATE_LEAD, {"id": first["id"], "version": 1, "input": {"title": "Buyer"}}, rep.token
        )
    )["updateLead"]
    merged = (
        await client.execute(
            MERGE_LEADS, {"survivorId": first["id"], "duplicateIds": [second["id"]], "version": 2}, rep.token
        )
    )["mergeLeads"]
    not_theirs = await client.refused(
        UPDATE_LEAD, {"id": foreign["id"], "version": 1, "input": {"title": "x"}}, rep.token, "updateLead"
    )
    by_manager = (
        await client.execute(
            UPDATE_LEAD, {"id": foreign["id"], "version": 1, "input": {"title": "Lead"}}, admin.token
        )
    )["updateLead"]

    assert (first["inPool"], second["inPool"]) == (True, True)
    assert edited["errors"] == [] and edited["lead"]["title"] == "Buyer"
    assert merged["errors"] == []
    assert (merged["lead"]["phone"], merged["lead"]["inPool"]) == ("+86 138 0013 8000", True)
    assert not_theirs == [(None, "PERMISSION_DENIED")]
    assert by_manager["errors"] == [] and by_manager["lead"]["title"] == "Lead"
