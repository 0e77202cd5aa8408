"""Tickets: numbering, links, the status flow with its reopen window, notes vs replies, merges, queues,
refusals with their exact codes (and nothing written), scope, and the tenant wall (API and SQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from tests.sales.commerce.documents import create_product
from tests.service.documents import (
    ADD_MESSAGE,
    CHANGE_STATUS,
    CREATE_ACCOUNT,
    CREATE_CONTACT,
    MERGE,
    OPEN_TICKET,
    REOPEN,
    TICKET,
    UPDATE_TICKET,
    Clock,
    open_ticket,
    tickets,
)
from tests.support import error_pairs, ok, relay_uuid

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def account_and_contact(client, member):  # type: ignore[no-untyped-def]
    account = await ok(client, member, CREATE_ACCOUNT, {"input": {"name": "Initech"}}, "createAccount")
    contact = await ok(
        client, member, CREATE_CONTACT, {"input": {"firstName": "伟", "lastName": "张"}}, "createContact"
    )
    return account["account"]["id"], contact["contact"]["id"]


async def move(client, member, ticket, status):  # type: ignore[no-untyped-def]
    variables = {"id": ticket["id"], "version": ticket["version"], "status": status}
    return (await ok(client, member, CHANGE_STATUS, variables, "changeTicketStatus"))["ticket"]


async def message(client, member, ticket, visibility, body="We are on it."):  # type: ignore[no-untyped-def]
    variables = {"input": {"ticketId": ticket["id"], "visibility": visibility, "body": body}}
    return await ok(client, member, ADD_MESSAGE, variables, "addTicketMessage")


async def test_a_complaint_is_numbered_linked_and_worked_through_its_status_flow(client, monkeypatch):
    clock = Clock(monkeypatch, MONDAY)
    admin = await client.sign_up("Desk")
    account_id, contact_id = await account_and_contact(client, admin)
    product = await create_product(client, admin)

    ticket = await open_ticket(
        client,
        admin,
        subject="打印机卡纸",
        channel="wechat",
        kind="COMPLAINT",
        priority="HIGH",
        category="technical",
        accountId=account_id,
        contactId=contact_id,
        productId=product["id"],
    )
    second = await open_ticket(client, admin)

    assert ticket["number"] == "TCK-2026-00001" and second["number"] == "TCK-2026-00002"
    assert ticket["status"] == "NEW" and ticket["kind"] == "COMPLAINT" and ticket["channel"] == "wechat"
    assert ticket["account"] == {"id": account_id, "name": "Initech"}
    assert ticket["contact"] == {"id": contact_id, "fullName": "张伟"}
    assert ticket["product"]["id"] == product["id"] and ticket["assignee"] is None

    noted = await message(client, admin, ticket, "INTERNAL", "Customer is upset, be careful.")
    assert noted["ticket"]["status"] == "NEW" and noted["ticket"]["firstRespondedAt"] is None
    clock.set(MONDAY + timedelta(minutes=20))
    replied = await message(client, admin, noted["ticket"], "PUBLIC")
    assert replied["ticket"]["status"] == "OPEN"
    assert replied["ticket"]["firstRespondedAt"] == "2026-03-02T09:20:00+00:00"

    waiting = await move(client, admin, replied["ticket"], "PENDING_CUSTOMER")
    assert waiting["slaPaused"] is True
    back = await move(client, admin, waiting, "OPEN")
    resolved = await move(client, admin, back, "RESOLVED")
    assert resolved["resolvedAt"] == "2026-03-02T09:20:00+00:00"
    closed = await move(client, admin, resolved, "CLOSED")
    clock.set(MONDAY + timedelta(days=6))
    reopened = (
        await ok(client, admin, REOPEN, {"id": closed["id"], "version": closed["version"]}, "reopenTicket")
    )["ticket"]
    assert reopened["status"] == "OPEN" and reopened["reopenCount"] == 1
    assert reopened["resolvedAt"] is None and reopened["closedAt"] is None

    read = (await client.execute(TICKET, {"id": ticket["id"]}, admin.token))["ticket"]
    assert [m["visibility"] for m in read["messages"]["nodes"]] == ["INTERNAL", "PUBLIC"]
    assert [entry["kind"] for entry in read["history"]["nodes"]] == [
        "opened",
        "status_changed",
        "status_changed",
        "status_changed",
        "status_changed",
        "status_changed",
        "reopened",
    ]
    assert read["history"]["nodes"][1]["data"] == {"status": "open", "previous": "new"}


async def test_a_reopen_after_the_window_is_expired_and_changes_nothing(client, monkeypatch):
    clock = Clock(monkeypatch, MONDAY)
    admin = await client.sign_up("Desk")
    ticket = await move(client, admin, await open_ticket(client, admin), "RESOLVED")
    clock.set(MONDAY + timedelta(days=7, seconds=1))

    payload = await client.mutate(
        REOPEN, {"id": ticket["id"], "version": ticket["version"]}, admin.token, "reopenTicket"
    )

    assert error_pairs(payload) == [("id", "EXPIRED")]
    read = (await client.execute(TICKET, {"id": ticket["id"]}, admin.token))["ticket"]
    assert read["status"] == "RESOLVED" and read["version"] == ticket["version"]


async def test_transitions_outside_the_flow_are_refused(client):
    admin = await client.sign_up("Desk")
    ticket = await open_ticket(client, admin)

    variables = {"id": ticket["id"], "version": ticket["version"], "status": "CLOSED"}
    payload = await client.mutate(CHANGE_STATUS, variables, admin.token, "changeTicketStatus")
    assert error_pairs(payload) == [("status", "INVALID_TRANSITION")]
    assert "allowed: open, pending_customer, resolved" in payload["errors"][0]["message"]
    stale = await client.mutate(
        CHANGE_STATUS, {**variables, "status": "OPEN", "version": 9}, admin.token, "changeTicketStatus"
    )
    assert error_pairs(stale) == [("version", "CONFLICT")]
    await move(client, admin, ticket, "RESOLVED")
    reply = await client.mutate(
        ADD_MESSAGE,
        {"input": {"ticketId": ticket["id"], "visibility": "PUBLIC", "body": "x"}},
        admin.token,
        "addTicketMessage",
    )
    assert reply["errors"] == [] and reply["ticket"]["status"] == "RESOLVED"
    closed = await move(client, admin, reply["ticket"], "CLOSED")
    update = await client.mutate(
        UPDATE_TICKET,
        {"id": closed["id"], "version": closed["version"], "input": {"subject": "New"}},
        admin.token,
        "updateTicket",
    )
    assert error_pairs(update) == [("id", "INVALID_TRANSITION")]


async def test_bad_input_is_reported_field_by_field_and_nothing_is_written(client):
    admin = await client.sign_up("Desk")
    other = await client.sign_up("Other")
    foreign_account, _ = await account_and_contact(client, other)

    payload = await client.mutate(
        OPEN_TICKET,
        {"input": {"subject": " ", "channel": "fax", "category": "nope", "accountId": foreign_account}},
        admin.token,
        "openTicket",
    )

    assert error_pairs(payload) == [
        ("subject", "REQUIRED"),
        ("channel", "INVALID"),
        ("category", "INVALID"),
        ("accountId", "NOT_FOUND"),
    ]
    assert "(phone, email, web, wechat)" in payload["errors"][1]["message"]
    assert await tickets(client, admin) == []
    ticket = await open_ticket(client, admin)
    assert ticket["number"] == "TCK-2026-00001"  # the refused one took no number
    empty = await client.mutate(
        ADD_MESSAGE,
        {"input": {"ticketId": ticket["id"], "visibility": "PUBLIC", "body": ""}},
        admin.token,
        "addTicketMessage",
    )
    assert error_pairs(empty) == [("body", "REQUIRED")]


async def test_a_duplicate_is_merged_into_the_ticket_that_stays(client):
    admin = await client.sign_up("Desk")
    original = await open_ticket(client, admin, subject="Invoice wrong")
    duplicate = await open_ticket(client, admin, subject="Invoice wrong (again)")

    merged = (
        await ok(
            client,
            admin,
            MERGE,
            {"id": duplicate["id"], "version": duplicate["version"], "intoId": original["id"]},
            "mergeTicket",
        )
    )["ticket"]

    assert merged["status"] == "MERGED" and merged["mergedInto"]["number"] == original["number"]
    kept = (await client.execute(TICKET, {"id": original["id"]}, admin.token))["ticket"]
    assert (
        kept["messages"]["nodes"][0]["body"]
        == f"Merged duplicate {duplicate['number']}: Invoice wrong (again)"
    )
    assert kept["messages"]["nodes"][0]["visibility"] == "INTERNAL"
    again = await client.mutate(
        MERGE,
        {"id": original["id"], "version": original["version"], "intoId": duplicate["id"]},
        admin.token,
        "mergeTicket",
    )
    assert error_pairs(again) == [("intoId", "INVALID_TRANSITION")]
    itself = await client.mutate(
        MERGE,
        {"id": original["id"], "version": original["version"], "intoId": original["id"]},
        admin.token,
        "mergeTicket",
    )
    assert error_pairs(itself) == [("intoId", "INVALID")]


async def test_queues_and_record_scope(client):
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    colleague = await client.add_member(admin, "sales", "colleague")
    viewer = await client.add_member(admin, "viewer", "viewer")
    mine = await open_ticket(client, agent, subject="Mine", assigneeId=agent.user_id)
    theirs = await open_ticket(client, admin, subject="Theirs", assigneeId=colleague.user_id)
    loose = await open_ticket(client, admin, subject="Loose")

    assert [t["subject"] for t in await tickets(client, agent)] == ["Loose", "Mine"]
    assert [t["subject"] for t in await tickets(client, agent, queue="MINE")] == ["Mine"]
    assert [t["subject"] for t in await tickets(client, agent, queue="UNASSIGNED")] == ["Loose"]
    assert [t["subject"] for t in await tickets(client, admin)] == ["Loose", "Theirs", "Mine"]
    assert [t["subject"] for t in await tickets(client, admin, search="THEI")] == ["Theirs"]
    hidden = await client.execute(TICKET, {"id": theirs["id"]}, agent.token)
    assert hidden["ticket"] is None
    refused = await client.mutate(
        CHANGE_STATUS, {"id": theirs["id"], "version": 1, "status": "OPEN"}, agent.token, "changeTicketStatus"
    )
    assert error_pairs(refused) == [("id", "NOT_FOUND")]
    # Taking a ticket from the shared queue puts it in the agent's own.
    taken = await client.mutate(
        UPDATE_TICKET,
        {"id": loose["id"], "version": loose["version"], "input": {"assigneeId": agent.user_id}},
        agent.token,
        "updateTicket",
    )
    assert taken["errors"] == [] and taken["ticket"]["assignee"] == {"id": agent.user_id}
    assert [t["subject"] for t in await tickets(client, colleague)] == ["Theirs"]
    assert [t["subject"] for t in await tickets(client, viewer)] == ["Loose", "Theirs", "Mine"]
    denied = await client.refused(
        OPEN_TICKET, {"input": {"subject": "x", "channel": "email"}}, viewer.token, "openTicket"
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    assert mine["assignee"] == {"id": agent.user_id}


async def test_another_tenant_sees_and_changes_nothing_through_the_api_or_in_sql(client, db):
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    ticket = await open_ticket(client, mine, subject="Private")
    await message(client, mine, ticket, "INTERNAL", "secret")

    assert await tickets(client, theirs) == []
    assert (await client.execute(TICKET, {"id": ticket["id"]}, theirs.token))["ticket"] is None
    for document, variables, name in [
        (CHANGE_STATUS, {"id": ticket["id"], "version": 1, "status": "OPEN"}, "changeTicketStatus"),
        (
            ADD_MESSAGE,
            {"input": {"ticketId": ticket["id"], "visibility": "PUBLIC", "body": "x"}},
            "addTicketMessage",
        ),
    ]:
        payload = await client.mutate(document, variables, theirs.token, name)
        assert payload["errors"][0]["code"] == "NOT_FOUND"

    connection = await db.connect()
    tables = ["tickets", "ticket_messages", "ticket_events"]
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") == 0
        assert await connection.execute("update tickets set subject = 'x'") == "UPDATE 0"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # WITH CHECK: not the current tenant
            await connection.execute(
                "insert into ticket_messages (tenant_id, id, ticket_id, visibility, body, created_at)"
                " values ($1, gen_random_uuid(), $2, 'public', 'x', now())",
                mine.tenant_id,
                relay_uuid(ticket["id"]),
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", mine.tenant_id)
        assert await connection.fetchval("select count(*) from ticket_messages") == 1
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # history is append-only
            await connection.execute("delete from ticket_events")
