from __future__ import annotations

from tests.crm.documents import (
    ACTIVITIES,
    COMPLETE_ACTIVITY,
    CREATE_ACTIVITY,
    DELETE_ACTIVITY,
    UPDATE_ACTIVITY,
    create_account,
    create_activity,
    create_contact,
    error_pairs,
)

TIMELINE = """
query($id: ID!, $after: String) {
  account(id: $id) {
    timeline(first: 2, after: $after) {
      edges { node { subject occurredAt author { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
CONTACT_TIMELINE = """
query($id: ID!) { contact(id: $id) { timeline(first: 10) { edges { node { subject } } } } }"""


async def test_create_activity_of_every_kind(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    contact = await create_contact(client, admin)

    created = [
        await create_activity(client, admin, kind=kind, subject=kind.title(), accountId=account["id"])
        for kind in ["CALL", "EMAIL", "MEETING", "NOTE"]
    ]
    task = await create_activity(
        client,
        admin,
        kind="TASK",
        subject="Follow up",
        dueAt="2030-01-01T09:00:00+00:00",
        contactId=contact["id"],
        accountId=account["id"],
    )

    assert [a["kind"] for a in created] == ["CALL", "EMAIL", "MEETING", "NOTE"]
    assert all(a["author"]["id"] == admin.user_id and a["account"]["id"] == account["id"] for a in created)
    assert task["contact"]["id"] == contact["id"] and task["dueAt"].startswith("2030-01-01T09:00:00")
    assert task["done"] is False


async def test_create_activity_rejects_bad_input(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    account = await create_account(client, admin)
    foreign = await create_account(client, other)
    cases = [
        ({"kind": "NOTE", "subject": "x"}, [("accountId", "REQUIRED")]),
        ({"kind": "NOTE", "subject": " ", "accountId": account["id"]}, [("subject", "REQUIRED")]),
        ({"kind": "NOTE", "subject": "s" * 301, "accountId": account["id"]}, [("subject", "TOO_LONG")]),
        ({"kind": "NOTE", "subject": "x", "accountId": foreign["id"]}, [("accountId", "NOT_FOUND")]),
        ({"kind": "NOTE", "subject": "x", "contactId": account["id"]}, [("contactId", "NOT_FOUND")]),
        (
            {"kind": "CALL", "subject": "x", "accountId": account["id"], "dueAt": "2030-01-01T00:00:00Z"},
            [("dueAt", "INVALID")],
        ),
    ]
    for values, expected in cases:
        payload = (await client.execute(CREATE_ACTIVITY, {"input": values}, admin.token))["createActivity"]
        assert payload["activity"] is None, values
        assert error_pairs(payload) == expected, values
    listed = (await client.execute(ACTIVITIES, {}, admin.token))["activities"]
    assert listed["edges"] == []


async def test_timeline_is_newest_first_and_paginated(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    contact = await create_contact(client, admin)
    for day in [3, 1, 5, 2, 4]:
        await create_activity(
            client,
            admin,
            subject=f"day {day}",
            occurredAt=f"2026-01-0{day}T10:00:00Z",
            accountId=account["id"],
            contactId=contact["id"] if day % 2 else None,
        )

    subjects, after = [], None
    while True:
        page = (await client.execute(TIMELINE, {"id": account["id"], "after": after}, admin.token))[
            "account"
        ]["timeline"]
        subjects.append([e["node"]["subject"] for e in page["edges"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    contact_view = (await client.execute(CONTACT_TIMELINE, {"id": contact["id"]}, admin.token))["contact"]

    assert subjects == [["day 5", "day 4"], ["day 3", "day 2"], ["day 1"]]
    assert [e["node"]["subject"] for e in contact_view["timeline"]["edges"]] == ["day 5", "day 3", "day 1"]


async def test_update_complete_and_delete_activity(client):
    admin = await client.sign_up()
    account = await create_account(client, admin)
    task = await create_activity(client, admin, kind="TASK", subject="Call back", accountId=account["id"])

    updated = (
        await client.execute(
            UPDATE_ACTIVITY,
            {"id": task["id"], "version": 1, "input": {"body": "Ask about renewal"}},
            admin.token,
        )
    )["updateActivity"]
    stale = (
        await client.execute(
            UPDATE_ACTIVITY, {"id": task["id"], "version": 1, "input": {"body": "x"}}, admin.token
        )
    )["updateActivity"]
    bad = (
        await client.execute(
            UPDATE_ACTIVITY, {"id": task["id"], "version": 2, "input": {"accountId": None}}, admin.token
        )
    )["updateActivity"]
    completed = (await client.execute(COMPLETE_ACTIVITY, {"id": task["id"], "version": 2}, admin.token))[
        "completeActivity"
    ]
    open_tasks = await client.execute(ACTIVITIES, {"filter": {"done": False, "kind": "TASK"}}, admin.token)
    stale_delete = (await client.execute(DELETE_ACTIVITY, {"id": task["id"], "version": 1}, admin.token))[
        "deleteActivity"
    ]
    deleted = (await client.execute(DELETE_ACTIVITY, {"id": task["id"], "version": 3}, admin.token))[
        "deleteActivity"
    ]

    assert updated["activity"]["body"] == "Ask about renewal" and updated["activity"]["version"] == 2
    assert error_pairs(stale) == [("version", "CONFLICT")]
    assert error_pairs(bad) == [("accountId", "REQUIRED")]
    assert completed["activity"]["done"] is True
    assert open_tasks["activities"]["edges"] == []
    assert error_pairs(stale_delete) == [("version", "CONFLICT")]
    assert deleted["errors"] == [] and deleted["activity"]["id"] == task["id"]
    assert (await client.execute(ACTIVITIES, {}, admin.token))["activities"]["edges"] == []


async def test_activities_filters(client):
    admin = await client.sign_up()
    first = await create_account(client, admin, name="First")
    second = await create_account(client, admin, name="Second")
    await create_activity(client, admin, kind="CALL", subject="c1", accountId=first["id"])
    await create_activity(
        client, admin, kind="TASK", subject="t1", accountId=second["id"], dueAt="2030-01-01T00:00:00Z"
    )
    await create_activity(
        client, admin, kind="TASK", subject="t2", accountId=second["id"], dueAt="2031-01-01T00:00:00Z"
    )

    async def subjects(variables):
        data = (await client.execute(ACTIVITIES, variables, admin.token))["activities"]
        return sorted(e["node"]["subject"] for e in data["edges"])

    assert await subjects({"filter": {"accountId": second["id"]}}) == ["t1", "t2"]
    assert await subjects({"filter": {"kind": "CALL"}}) == ["c1"]
    assert await subjects({"filter": {"dueBefore": "2030-06-01T00:00:00Z"}}) == ["t1"]
    assert await subjects({"filter": {"authorId": admin.user_id}}) == ["c1", "t1", "t2"]
    ordered = await client.execute(
        ACTIVITIES, {"orderBy": [{"field": "DUE_AT", "direction": "ASC"}]}, admin.token
    )
    assert [e["node"]["subject"] for e in ordered["activities"]["edges"]] == ["t1", "t2", "c1"]
