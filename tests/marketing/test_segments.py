"""Segments: saved list filters whose members are what the list returns for the same caller."""

from __future__ import annotations

from tests.admin.documents import REASSIGN, assign, create_role, define_field, grants
from tests.crm.documents import DELETE_CONTACT, UPDATE_CONTACT, create_account, create_contact
from tests.marketing.documents import (
    CREATE_CAMPAIGN,
    CREATE_SEGMENT,
    DELETE_SEGMENT,
    FREEZE_SEGMENT,
    SEGMENT,
    SEGMENTS,
    UNFREEZE_SEGMENT,
    UPDATE_CAMPAIGN,
    UPDATE_SEGMENT,
    create_campaign,
    create_segment,
    error_pairs,
    listed,
    members,
)
from tests.sales.leads.documents import CHANGE_STATUS, create_lead
from tests.support import ok

TIERS = {"options": [{"key": "gold", "label": "Gold"}, {"key": "silver", "label": "Silver"}]}


async def test_a_contact_segment_over_tags_and_custom_fields_is_the_list_for_each_caller(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await define_field(client, admin, "contact", "score", "INTEGER", filterable=True)
    expected_rep = [
        (
            await create_contact(
                client, rep, firstName=f"Rep{i}", lastName="Vip", tags=["vip"], custom={"score": 5}
            )
        )["id"]
        for i in range(3)
    ]
    await create_contact(client, rep, firstName="Low", lastName="Score", tags=["vip"], custom={"score": 1})
    await create_contact(client, rep, firstName="No", lastName="Tag", custom={"score": 9})
    admins = await create_contact(
        client, admin, firstName="Admin", lastName="Vip", tags=["vip"], custom={"score": 4}
    )

    segment = await create_segment(
        client, rep, contacts={"tag": "vip", "custom": [{"key": "score", "range": {"min": 3}}]}
    )

    assert segment["target"] == "CONTACT"
    assert segment["filter"] == {
        "tag": "vip",
        "deleted": False,
        "custom": [{"key": "score", "range": {"min": 3}}],
    }
    assert set(await members(client, rep, segment["id"])) == set(expected_rep)
    for member in (rep, admin):
        assert await members(client, member, segment["id"]) == await listed(client, member, segment)
    seen_by_admin = (await client.execute(SEGMENT, {"id": segment["id"]}, admin.token))["segment"]
    assert seen_by_admin["memberCount"] == 4 and admins["id"] in await members(client, admin, segment["id"])
    assert seen_by_admin["leads"]["nodes"] == [] and seen_by_admin["accounts"]["nodes"] == []
    assert (await client.execute(SEGMENT, {"id": segment["id"]}, rep.token))["segment"]["memberCount"] == 3


async def test_lead_and_account_segments(client):
    admin = await client.sign_up()
    await define_field(client, admin, "lead", "tier", "SINGLE_SELECT", validation=TIERS, filterable=True)
    gold = await create_lead(client, admin, lastName="Gold", custom={"tier": "gold"})
    await create_lead(client, admin, lastName="Silver", custom={"tier": "silver"})
    await create_lead(client, admin, lastName="Gold but new", custom={"tier": "gold"})
    await ok(
        client,
        admin,
        CHANGE_STATUS,
        {"id": gold["id"], "version": 1, "status": "QUALIFIED"},
        "changeLeadStatus",
    )
    vip = await create_account(client, admin, name="Initech", tags=["vip"])
    await create_account(client, admin, name="Umbrella")

    leads = await create_segment(
        client,
        admin,
        "Gold qualified",
        leads={"statuses": ["QUALIFIED"], "custom": [{"key": "tier", "equals": "gold"}]},
    )
    accounts = await create_segment(client, admin, "VIP accounts", accounts={"tag": "vip"})

    assert await members(client, admin, leads["id"]) == [gold["id"]] == await listed(client, admin, leads)
    assert (
        await members(client, admin, accounts["id"]) == [vip["id"]] == await listed(client, admin, accounts)
    )
    names = [n["name"] for n in (await client.execute(SEGMENTS, {}, admin.token))["segments"]["nodes"]]
    assert names == ["Gold qualified", "VIP accounts"]


async def test_a_frozen_segment_keeps_its_snapshot_until_frozen_again(client):
    admin = await client.sign_up()
    first = await create_contact(client, admin, firstName="First", tags=["fair"])
    segment = await create_segment(client, admin, frozen=True, contacts={"tag": "fair"})
    assert (segment["frozen"], segment["memberCount"], segment["version"]) == (True, 1, 1)
    assert segment["frozenAt"] is not None

    later = await create_contact(client, admin, firstName="Later", tags=["fair"])
    assert await members(client, admin, segment["id"]) == [first["id"]]

    unfrozen = await ok(
        client, admin, UNFREEZE_SEGMENT, {"id": segment["id"], "version": 1}, "unfreezeSegment"
    )
    assert (unfrozen["segment"]["frozen"], unfrozen["segment"]["memberCount"]) == (False, 2)
    frozen = await ok(client, admin, FREEZE_SEGMENT, {"id": segment["id"], "version": 2}, "freezeSegment")
    assert (frozen["segment"]["frozen"], frozen["segment"]["memberCount"]) == (True, 2)

    deleted = await client.execute(DELETE_CONTACT, {"id": later["id"], "version": 1}, admin.token)
    assert deleted["deleteContact"]["errors"] == []
    assert await members(client, admin, segment["id"]) == [first["id"]]
    renamed = await ok(
        client,
        admin,
        UPDATE_SEGMENT,
        {
            "id": segment["id"],
            "version": 3,
            "input": {"name": "Fair", "filter": {"contacts": {"tag": "none"}}},
        },
        "updateSegment",
    )
    assert (renamed["segment"]["name"], renamed["segment"]["memberCount"]) == ("Fair", 0)


async def test_a_frozen_segment_pages_by_member_id_and_keeps_its_count_without_recounting(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    made = [
        (await create_contact(client, rep, firstName=name, lastName="Snap", tags=["snap"]))["id"]
        for name in ("Zed", "Amy", "Max")
    ]
    segment = await create_segment(client, rep, frozen=True, contacts={"tag": "snap"})
    assert segment["memberCount"] == 3

    # Keyset pages over the snapshot's primary key: member-id (creation) order, not the list's name order.
    assert await members(client, rep, segment["id"]) == made
    handed = {"id": made[0], "version": 1, "input": {"ownerId": admin.user_id}}
    assert (await client.execute(UPDATE_CONTACT, handed, admin.token))["updateContact"]["errors"] == []
    deleted = await client.execute(DELETE_CONTACT, {"id": made[2], "version": 1}, rep.token)
    assert deleted["deleteContact"]["errors"] == []

    # The admin sees every contact: the stored size less the member deleted since the freeze; the rep's
    # own scope is counted.
    by_admin = (await client.execute(SEGMENT, {"id": segment["id"]}, admin.token))["segment"]
    by_rep = (await client.execute(SEGMENT, {"id": segment["id"]}, rep.token))["segment"]
    assert (by_admin["memberCount"], by_rep["memberCount"]) == (2, 1)
    assert await members(client, admin, segment["id"]) == made[:2]
    assert await members(client, rep, segment["id"]) == [made[1]]


async def test_bad_filters_are_refused_on_the_segment_path_and_nothing_is_written(client):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    cases = [
        ({"name": "x", "filter": {}}, [("filter", "INVALID")]),
        ({"name": "x", "filter": {"contacts": {}, "leads": {}}}, [("filter", "INVALID")]),
        ({"name": " ", "filter": {"contacts": {}}}, [("name", "REQUIRED")]),
        ({"name": "x", "filter": {"contacts": {"deleted": True}}}, [("filter.contacts.deleted", "INVALID")]),
        (
            {"name": "x", "filter": {"contacts": {"custom": [{"key": "nope", "equals": 1}]}}},
            [("filter.contacts.custom.nope", "INVALID")],
        ),
        (
            {"name": "x", "filter": {"leads": {"ownerId": "QWNjb3VudDox"}}},
            [("filter.leads.ownerId", "NOT_FOUND")],
        ),
    ]
    for given, expected in cases:
        payload = (await client.execute(CREATE_SEGMENT, {"input": given}, admin.token))["createSegment"]
        assert (error_pairs(payload), payload["segment"]) == (expected, None), given
    assert (await client.execute(SEGMENTS, {}, admin.token))["segments"]["nodes"] == []
    refused = await client.refused(
        CREATE_SEGMENT, {"input": {"name": "x", "filter": {"contacts": {}}}}, viewer.token, "createSegment"
    )
    assert refused == [(None, "PERMISSION_DENIED")]

    segment = await create_segment(client, admin, contacts={"tag": "a"})
    refusals = [
        ({"id": segment["id"], "version": 2, "input": {"name": "y"}}, [("version", "CONFLICT")]),
        (
            {"id": segment["id"], "version": 1, "input": {"filter": {"leads": {}}}},
            [("filter.leads", "INVALID")],
        ),
        ({"id": segment["id"], "version": 1, "input": {"filter": None}}, [("filter", "REQUIRED")]),
    ]
    for variables, expected in refusals:
        payload = (await client.execute(UPDATE_SEGMENT, variables, admin.token))["updateSegment"]
        assert error_pairs(payload) == expected, variables
    read = (await client.execute(SEGMENT, {"id": segment["id"]}, admin.token))["segment"]
    assert (read["filter"], read["version"]) == ({"tag": "a", "deleted": False}, 1)


async def test_a_campaign_targets_a_segment_its_member_may_see(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    segment = await create_segment(client, admin, "Fair visitors", contacts={"tag": "fair"})
    campaign = await create_campaign(client, admin, segmentId=segment["id"])
    read = """query($id: ID!) { campaign(id: $id) { segment { id name } } }"""

    assert (await client.execute(read, {"id": campaign["id"]}, admin.token))["campaign"]["segment"] == {
        "id": segment["id"],
        "name": "Fair visitors",
    }
    refused = await client.execute(
        CREATE_CAMPAIGN, {"input": {"name": "x", "channel": "event", "segmentId": segment["id"]}}, rep.token
    )
    assert error_pairs(refused["createCampaign"]) == [("segmentId", "NOT_FOUND")]
    detached = await ok(
        client,
        admin,
        UPDATE_CAMPAIGN,
        {"id": campaign["id"], "version": 1, "input": {"segmentId": None}},
        "updateCampaign",
    )
    assert detached["campaign"]["version"] == 2
    assert (await client.execute(read, {"id": campaign["id"]}, admin.token))["campaign"]["segment"] is None


async def test_a_segment_is_deleted_once_no_campaign_targets_it(client):
    admin = await client.sign_up()
    await create_contact(client, admin, firstName="Ada", tags=["fair"])
    segment = await create_segment(client, admin, frozen=True, contacts={"tag": "fair"})
    campaign = await create_campaign(client, admin, segmentId=segment["id"])

    targeted = await client.execute(DELETE_SEGMENT, {"id": segment["id"], "version": 1}, admin.token)
    assert error_pairs(targeted["deleteSegment"]) == [("id", "INVALID_TRANSITION")]
    stale = await client.execute(DELETE_SEGMENT, {"id": segment["id"], "version": 9}, admin.token)
    assert error_pairs(stale["deleteSegment"]) == [("version", "CONFLICT")]
    detach = {"id": campaign["id"], "version": 1, "input": {"segmentId": None}}
    await ok(client, admin, UPDATE_CAMPAIGN, detach, "updateCampaign")
    deleted = await ok(client, admin, DELETE_SEGMENT, {"id": segment["id"], "version": 1}, "deleteSegment")

    assert deleted["deletedId"] == segment["id"]
    assert (await client.execute(SEGMENT, {"id": segment["id"]}, admin.token))["segment"] is None


async def test_a_segment_filtering_on_a_field_your_role_hides_is_refused_to_you(client):
    admin = await client.sign_up()
    hidden_tags = grants(fields={"contact": {"tags": "HIDDEN"}})
    hidden_tags.append({"objectType": "segment", "actions": ["READ", "CREATE"], "scope": "ALL", "fields": []})
    role = await create_role(client, admin, "no_tags", grants=hidden_tags)
    member = await client.add_member(admin, "viewer", "analyst")
    await assign(client, admin, member, role)
    await create_contact(client, admin, firstName="Tagged", tags=["vip"])
    by_tag = await create_segment(client, admin, "VIPs", contacts={"tag": "vip"})
    by_name = await create_segment(client, admin, "Named", contacts={"search": "tagged"})

    errors = await client.errors(SEGMENT, {"id": by_tag["id"]}, member.token)
    assert {tuple(e["path"][1:]) for e in errors} == {("memberCount",), ("contacts",)}
    assert {e["extensions"]["code"] for e in errors} == {"PERMISSION_DENIED"}
    assert await members(client, member, by_name["id"]) == await listed(client, member, by_name)
    refused = await client.refused(
        CREATE_SEGMENT,
        {"input": {"name": "x", "filter": {"contacts": {"tag": "vip"}}}},
        member.token,
        "createSegment",
    )
    assert refused == [("filter.contacts.tag", "PERMISSION_DENIED")]


async def test_segments_take_custom_values_read_only_rules_and_move_with_their_owner(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await define_field(client, admin, "segment", "purpose", "TEXT")
    rules = grants()
    rules.append(
        {
            "objectType": "segment",
            "actions": ["READ", "CREATE", "UPDATE"],
            "scope": "ALL",
            "fields": [{"field": "filter", "access": "READ_ONLY"}],
        }
    )
    role = await create_role(client, admin, "segment_reader", grants=rules)
    analyst = await client.add_member(admin, "viewer", "analyst")
    await assign(client, admin, analyst, role)
    variables = {
        "input": {"name": "Fair", "filter": {"contacts": {"tag": "fair"}}, "custom": {"purpose": "Expo"}}
    }
    segment = (await ok(client, rep, CREATE_SEGMENT, variables, "createSegment"))["segment"]
    custom = "query($id: ID!) { segment(id: $id) { customFields owner { id } version } }"
    assert (await client.execute(custom, {"id": segment["id"]}, rep.token))["segment"]["customFields"] == {
        "purpose": "Expo"
    }

    change = {"id": segment["id"], "version": 1, "input": {"filter": {"contacts": {"tag": "other"}}}}
    assert await client.refused(UPDATE_SEGMENT, change, analyst.token, "updateSegment") == [
        ("filter", "PERMISSION_DENIED")
    ]
    renamed = {
        "id": segment["id"],
        "version": 1,
        "input": {"name": "Fair 2026", "custom": {"purpose": "Fair"}},
    }
    assert (await ok(client, analyst, UPDATE_SEGMENT, renamed, "updateSegment"))["segment"]["version"] == 2

    moved = await ok(client, admin, REASSIGN, {"from": rep.user_id, "to": admin.user_id}, "reassignRecords")
    assert {"objectType": "segment", "count": 1} in moved["reassigned"]
    read = (await client.execute(custom, {"id": segment["id"]}, admin.token))["segment"]
    assert (read["owner"]["id"], read["customFields"], read["version"]) == (
        admin.user_id,
        {"purpose": "Fair"},
        3,
    )
