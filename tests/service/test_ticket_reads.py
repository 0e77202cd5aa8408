"""Ticket reads: field rules on every path (compiled and executor), the contract link, and the
round trips of the ticket list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.admin.documents import assign, create_role, create_team, set_team
from tests.platform.test_round_trips import counted, round_trips  # noqa: F401 - the fixture
from tests.sales.commerce.documents import contract_from_quote
from tests.service.documents import TICKET, UPDATE_TICKET, Clock, create_policy, open_ticket

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

LIST = """
query { tickets(first: 50) { totalCount nodes { id number subject description status priority
  customerTier createdAt assignee { id email } account { name } contact { fullName } } } }"""
MINE = """
query($queue: TicketQueue) { tickets(first: 50, filter: {queue: $queue}) {
  nodes { id number subject status priority assignee { fullName } } } }"""
TEAM_QUEUE = "query { tickets(filter: {queue: MY_TEAM}) { nodes { subject } } }"
OPEN = """
mutation { openTicket(input: {subject: "Counted", channel: "phone", category: "billing"}) {
  ticket { id number } errors { code } } }"""
QUEUE = """
query { tickets(first: 50, filter: {queue: AT_RISK}) { nodes { id number subject slaAtRisk } } }"""


def ticket_grant(fields: dict[str, str]) -> list[dict[str, object]]:
    return [
        {
            "objectType": "ticket",
            "actions": ["READ", "UPDATE"],
            "scope": "ALL",
            "fields": [{"field": f, "access": a} for f, a in fields.items()],
        }
    ]


async def test_hidden_and_read_only_ticket_fields(client):
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    role = await create_role(
        client, admin, "frontline", grants=ticket_grant({"description": "HIDDEN", "priority": "READ_ONLY"})
    )
    await assign(client, admin, agent, role)
    ticket = await open_ticket(client, admin, description="Card number 4111...", customerTier="gold")

    listed = (await client.execute(LIST, None, agent.token))["tickets"]["nodes"]
    assert listed[0]["description"] is None and listed[0]["customerTier"] == "gold"
    assert (await client.execute(TICKET, {"id": ticket["id"]}, agent.token))["ticket"]["description"] is None
    assert (await client.execute(LIST, None, admin.token))["tickets"]["nodes"][0]["description"] == (
        "Card number 4111..."
    )
    refused = await client.refused(
        UPDATE_TICKET,
        {"id": ticket["id"], "version": ticket["version"], "input": {"priority": "URGENT"}},
        agent.token,
        "updateTicket",
    )
    assert refused == [("priority", "PERMISSION_DENIED")]
    allowed = await client.mutate(
        UPDATE_TICKET,
        {"id": ticket["id"], "version": ticket["version"], "input": {"subject": "Card problem"}},
        agent.token,
        "updateTicket",
    )
    assert allowed["errors"] == [] and allowed["ticket"]["subject"] == "Card problem"


async def test_a_ticket_links_a_contract_its_author_may_see(client):
    admin = await client.sign_up("Desk")
    rep = await client.add_member(admin, "sales", "rep")
    contract = await contract_from_quote(client, admin)

    ticket = await open_ticket(client, admin, contractId=contract["id"])
    refused = await client.mutate(
        UPDATE_TICKET,
        {"id": ticket["id"], "version": ticket["version"], "input": {"contractId": contract["id"]}},
        rep.token,
        "updateTicket",
    )

    assert ticket["contract"] == {"id": contract["id"]}
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("contractId", "NOT_FOUND")]


async def test_the_ticket_list_takes_four_round_trips(client, round_trips):  # noqa: F811
    admin = await client.sign_up("Desk")
    for index in range(3):
        await open_ticket(client, admin, subject=f"Ticket {index}", assigneeId=admin.user_id)

    data, seen = await counted(client, round_trips, LIST, {}, admin.token)

    assert [node["subject"] for node in data["tickets"]["nodes"]] == ["Ticket 2", "Ticket 1", "Ticket 0"]
    assert len(seen) <= 5, "\n".join(s[:80] for s in seen)  # + the rate-limit charge (tenants/rate_limits.py)
    # The SLA flags are judged in Python: a queue selecting them is the executor's (the credential, the
    # charge, the page, COMMIT; the planner knows the credential and sends nothing first).
    queue, seen = await counted(client, round_trips, QUEUE, {}, admin.token)
    assert queue["tickets"]["nodes"] == []
    assert len(seen) <= 5, "\n".join(s[:80] for s in seen)


async def test_every_queue_is_a_compiled_read_judged_by_this_requests_clock(client, round_trips, monkeypatch):  # noqa: F811
    """AT_RISK and BREACHED are compiled like MINE: their plan is cached per query text while `now` is
    bound for each request (graph/service/compiled.py `request_clock`). A `filter` argument keeps
    custom plans (GENERIC_PLAN_UNSAFE), so a queue is the transactional compiled read: BEGIN, the
    credential, the rate-limit charge, the one compiled statement, COMMIT; no executor statement."""
    clock = Clock(monkeypatch, MONDAY_9)
    admin = await client.sign_up("Desk")
    await create_policy(
        client,
        admin,
        name="High",
        priority="HIGH",
        firstResponseMinutes=60,
        resolutionMinutes=240,
        atRiskPercent=50,
    )
    await open_ticket(client, admin, subject="Hot", priority="HIGH", assigneeId=admin.user_id)
    await open_ticket(client, admin, subject="Calm")

    async def queue(name: str) -> list[str]:
        data, seen = await counted(client, round_trips, MINE, {"queue": name}, admin.token)
        assert len(seen) <= 5 and "json_build_object" in seen[-2], "\n".join(s[:80] for s in seen)
        return [node["subject"] for node in data["tickets"]["nodes"]]

    assert (await queue("MINE"), await queue("UNASSIGNED"), await queue("MY_TEAM")) == (["Hot"], ["Calm"], [])
    assert (await queue("AT_RISK"), await queue("BREACHED")) == ([], [])
    clock.set(MONDAY_9 + timedelta(minutes=40))  # past half of the first-response target
    assert (await queue("AT_RISK"), await queue("BREACHED")) == (["Hot"], [])
    clock.set(MONDAY_9 + timedelta(minutes=70))  # past the target itself
    assert (await queue("AT_RISK"), await queue("BREACHED")) == ([], ["Hot"])


async def test_my_team_queue(client):
    admin = await client.sign_up("Desk")
    lead = await client.add_member(admin, "manager", "lead")
    mate = await client.add_member(admin, "sales", "mate")
    outsider = await client.add_member(admin, "sales", "outsider")
    team = await create_team(client, admin, "Hotline")
    for member in (lead, mate):
        await set_team(client, admin, member, team)
    await open_ticket(client, admin, subject="Mate's", assigneeId=mate.user_id)
    await open_ticket(client, admin, subject="Outsider's", assigneeId=outsider.user_id)
    await open_ticket(client, admin, subject="Nobody's")

    data = await client.execute(TEAM_QUEUE, None, lead.token)
    assert [node["subject"] for node in data["tickets"]["nodes"]] == ["Mate's"]
    assert (await client.execute(TEAM_QUEUE, None, outsider.token))["tickets"]["nodes"] == []


async def test_opening_a_ticket_round_trips(client, round_trips):  # noqa: F811
    admin = await client.sign_up("Desk")
    await open_ticket(client, admin)  # seeds the option lists and the numbering counter

    data, seen = await counted(client, round_trips, OPEN, {}, admin.token)

    assert data["openTicket"]["errors"] == []
    # A simple write (ARCHITECTURE.md: at most 6): the credential, BEGIN, one read of what the checks and
    # the SLA clock need (option lists, policy, week, numbering pattern), one write of the counter, the
    # ticket and its history entry (graph/service/opening.py), audit + notify, COMMIT. It was 14. Plus the
    # rate-limit charge, a statement of its own (tenants/rate_limits.py).
    assert len(seen) <= 7, "\n".join(s[:120] for s in seen)
    assert [s for s in seen if s.startswith("WITH counter AS")], "\n".join(s[:120] for s in seen)
    second = (await client.execute(OPEN, {}, admin.token))["openTicket"]["ticket"]
    assert [data["openTicket"]["ticket"]["number"][-5:], second["number"][-5:]] == ["00003", "00004"]


async def test_an_opened_ticket_gets_the_policy_of_its_cleaned_tier(client):
    admin = await client.sign_up("Desk")
    await create_policy(client, admin, name="Any tier", priority="HIGH", firstResponseMinutes=240)
    gold = await create_policy(client, admin, name="Gold", priority="HIGH", customerTier="gold")
    ticket = await open_ticket(client, admin, priority="HIGH", customerTier="  gold ")
    assert ticket["customerTier"] == "gold" and ticket["slaPolicy"] == {"id": gold["id"], "name": "Gold"}


async def test_the_mine_queue_is_a_compiled_read(client, round_trips):  # noqa: F811
    admin = await client.sign_up("Desk")
    await open_ticket(client, admin, subject="Mine", assigneeId=admin.user_id)
    await open_ticket(client, admin, subject="Loose")

    data, seen = await counted(client, round_trips, MINE, {"queue": "MINE"}, admin.token)

    assert [node["subject"] for node in data["tickets"]["nodes"]] == ["Mine"]
    assert len(seen) <= 5, "\n".join(s[:80] for s in seen)  # with the rate-limit charge
