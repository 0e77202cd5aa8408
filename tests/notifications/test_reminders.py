"""Reminder jobs under a controllable clock: each kind fires at its moment, once (also across two
concurrent runs), for the member responsible, and not for a role that may not see what it quotes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from gateway.jobs import registered_jobs, run_one
from tests.admin.documents import assign, create_role, grants
from tests.crm.documents import create_account, create_activity, create_contact
from tests.crm.pool_documents import set_pool_settings
from tests.crm.sql import backdate_accounts
from tests.notifications.support import at, inbox
from tests.projects.documents import add_member, create_project, create_task
from tests.sales.commerce.documents import RECORD_PAYMENT, SET_PLAN, activated, contract_from_quote
from tests.support import ok, relay_uuid


async def run(services, job: str, tenant_id: str, moment: datetime) -> str:
    outcome = await run_one(services.db, job, registered_jobs()[job], uuid.UUID(tenant_id), moment)
    assert not outcome.failed, outcome
    return outcome.summary


async def notices(client, member) -> list[tuple[str, str]]:
    edges = (await inbox(client, member, first=50))["notifications"]["edges"]
    return sorted((edge["node"]["kind"], edge["node"]["subject"]) for edge in edges)


async def test_follow_ups_and_birthdays_once_each_even_with_two_runners(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    ada = await create_contact(client, rep, firstName="Ada", lastName="Lovelace", birthday="1980-05-10")
    await create_activity(
        client,
        rep,
        kind="TASK",
        subject="Call Globex back",
        dueAt="2030-05-10T15:00:00Z",
        contactId=ada["id"],
    )
    await create_contact(client, rep, firstName="Leap", lastName="Day", birthday="1984-02-29")

    early = await run(services, "crm.reminders", admin.tenant_id, at("2030-05-09T14:00:00+00:00"))
    assert early == "follow-ups 0, birthdays 0, anniversaries 0"  # due in 25 hours: not yet
    moment = at("2030-05-09T16:00:00+00:00")
    first, second = await asyncio.gather(
        run(services, "crm.reminders", admin.tenant_id, moment),
        run(services, "crm.reminders", admin.tenant_id, moment),
    )
    assert sorted([first, second]) == [
        "follow-ups 0, birthdays 0, anniversaries 0",
        "follow-ups 1, birthdays 0, anniversaries 0",
    ]
    birthday = await run(services, "crm.reminders", admin.tenant_id, at("2030-05-10T08:00:00+00:00"))
    assert birthday == "follow-ups 0, birthdays 1, anniversaries 0"
    again = await run(services, "crm.reminders", admin.tenant_id, at("2030-05-10T09:00:00+00:00"))
    assert again == "follow-ups 0, birthdays 0, anniversaries 0"
    # 29 February birthdays are remembered on 28 February in other years.
    leap = await run(services, "crm.reminders", admin.tenant_id, at("2031-02-28T08:00:00+00:00"))
    assert leap == "follow-ups 0, birthdays 1, anniversaries 0"

    assert await notices(client, rep) == [
        ("customer.birthday", "Ada Lovelace's birthday is today"),
        ("customer.birthday", "Leap Day's birthday is today"),
        ("follow_up.due", "Follow-up due: Call Globex back"),
    ]
    assert await notices(client, admin) == []


async def test_no_birthday_reminder_for_a_role_that_hides_birthdays(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    role = await create_role(
        client, admin, "discreet", grants=grants(fields={"contact": {"birthday": "HIDDEN"}})
    )
    await create_contact(client, rep, firstName="Ada", lastName="Lovelace", birthday="1980-05-10")
    await assign(client, admin, rep, role)
    summary = await run(services, "crm.reminders", admin.tenant_id, at("2030-05-10T08:00:00+00:00"))
    assert summary == "follow-ups 0, birthdays 0, anniversaries 0"
    assert await notices(client, rep) == []


async def test_task_due_reminds_the_assignee_once_per_due_date(client, services):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], rep)
    await create_task(
        client, admin, project["id"], title="Ship", assigneeId=rep.user_id, dueDate="2030-06-02"
    )
    await create_task(
        client, admin, project["id"], title="Later", assigneeId=rep.user_id, dueDate="2030-06-09"
    )
    await create_task(client, admin, project["id"], title="Nobody's", dueDate="2030-06-02")

    assert await run(services, "projects.reminders", admin.tenant_id, at("2030-05-31T09:00:00+00:00")) == (
        "tasks due 0"
    )
    assert await run(services, "projects.reminders", admin.tenant_id, at("2030-06-01T09:00:00+00:00")) == (
        "tasks due 1"
    )
    assert await run(services, "projects.reminders", admin.tenant_id, at("2030-06-02T09:00:00+00:00")) == (
        "tasks due 0"
    )
    assert await notices(client, rep) == [("task.due", "Task due tomorrow: Ship")]


async def test_contract_expiry_and_installments_due_then_overdue(client, services):
    admin = await client.sign_up()
    contract = await contract_from_quote(client, admin, startDate="2030-01-01", endDate="2030-07-15")
    planned = await ok(
        client,
        admin,
        SET_PLAN,
        {
            "id": contract["id"],
            "version": contract["version"],
            "installments": [
                {"dueDate": "2030-03-01", "amount": "100"},
                {"dueDate": "2030-04-01", "amount": "140"},
            ],
        },
        "setPaymentPlan",
    )
    await activated(client, admin, planned["contract"])
    number = contract["number"]

    async def reminders_at(moment: str) -> str:
        return await run(services, "commerce.reminders", admin.tenant_id, at(moment))

    assert await reminders_at("2030-02-20T09:00:00+00:00") == "contracts expiring 0, installments 0"
    assert await reminders_at("2030-02-27T09:00:00+00:00") == "contracts expiring 0, installments 1"
    await ok(
        client,
        admin,
        RECORD_PAYMENT,
        {
            "input": {
                "contractId": contract["id"],
                "receivedOn": "2026-11-20",
                "amount": "100",
                "method": "CARD",
            }
        },
        "recordPayment",
    )
    assert await reminders_at("2030-03-05T09:00:00+00:00") == "contracts expiring 0, installments 0"
    assert await reminders_at("2030-03-30T09:00:00+00:00") == "contracts expiring 0, installments 1"
    assert await reminders_at("2030-04-03T09:00:00+00:00") == "contracts expiring 0, installments 1"
    assert await reminders_at("2030-04-04T09:00:00+00:00") == "contracts expiring 0, installments 0"
    assert await reminders_at("2030-06-20T09:00:00+00:00") == "contracts expiring 1, installments 0"
    assert await reminders_at("2030-06-21T09:00:00+00:00") == "contracts expiring 0, installments 0"

    assert await notices(client, admin) == [
        ("contract.expiring", f"Contract {number} ends on 2030-07-15"),
        ("installment.due", f"Installment 1 of contract {number} is due on 2030-03-01"),
        ("installment.due", f"Installment 2 of contract {number} is due on 2030-04-01"),
        ("installment.overdue", f"Installment 2 of contract {number} was due on 2030-04-01"),
    ]


async def test_pool_reclaim_warning_notifies_the_owner_once(client, services, db):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    account = await create_account(client, admin, name="Quiet", ownerId=rep.user_id)
    await backdate_accounts(db, admin.tenant_id, 20, account["id"])
    await set_pool_settings(client, admin, reclaimInactiveDays=30, warningDays=5)
    now = datetime.now(UTC)
    for _ in range(2):
        assert await run(services, "pool.reclaim", admin.tenant_id, now + timedelta(days=6)) == (
            "reclaimed 0, warned 1" if _ == 0 else "reclaimed 0, warned 0"
        )
    [(kind, subject)] = await notices(client, rep)
    assert kind == "pool.reclaim_warning" and subject.startswith("Quiet returns to the public pool on ")


async def test_customer_anniversaries_remind_the_owner_once_a_year(client, services, db):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    account = await create_account(client, admin, name="Globex", ownerId=rep.user_id)
    await create_account(client, admin, name="Pooled")  # no owner: nobody to tell
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute(
            "update accounts set created_at = '2027-03-15T10:00:00Z' where id = $1",
            uuid.UUID(relay_uuid(account["id"])),
        )
        await connection.execute(
            "update accounts set created_at = '2027-03-15T10:00:00Z' where owner_id is null"
        )
    assert await run(services, "crm.reminders", admin.tenant_id, at("2027-03-15T12:00:00+00:00")) == (
        "follow-ups 0, birthdays 0, anniversaries 0"
    )
    moment = at("2030-03-15T08:00:00+00:00")
    first = await run(services, "crm.reminders", admin.tenant_id, moment)
    second = await run(services, "crm.reminders", admin.tenant_id, moment)
    assert (first, second) == (
        "follow-ups 0, birthdays 0, anniversaries 1",
        "follow-ups 0, birthdays 0, anniversaries 0",
    )
    assert await notices(client, rep) == [("customer.anniversary", "Globex: 3 years as a customer today")]
