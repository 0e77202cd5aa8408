"""Surveys with free questions, sent on a schedule to a segment of contacts and mailed through a real SMTP
server (aiosmtpd): one link per contact, one answer per link, expiry, contacts without email or opted out
skipped and counted, results with the free answers, and the tenant wall for the new tables."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from config.settings import get_settings
from gateway.jobs import run_one
from graph.core.jobs import JOBS
from graph.notifications.channels import Channels, use_channels
from tenants.mail import SmtpSender
from tests.crm.documents import create_contact
from tests.identity.conftest import smtp  # noqa: F401 - a module-scoped fixture (aiosmtpd)
from tests.identity.mailbox import Inbox, body
from tests.marketing.documents import create_segment
from tests.notifications.support import RecordingSms
from tests.service.documents import CHANGE_STATUS, Clock, open_ticket
from tests.support import error_pairs, ok

ERRORS = "errors { field code message }"
DEFINITION_FIELDS = "id name kind intro active questions { key type label required options scale }"
CREATE_DEFINITION = f"""
mutation($input: CreateSurveyDefinitionInput!) {{
  createSurveyDefinition(input: $input) {{ definition {{ {DEFINITION_FIELDS} }} {ERRORS} }} }}"""
DEFINITIONS = f"{{ surveyDefinitions {{ nodes {{ {DEFINITION_FIELDS} }} }} }}"
SCHEDULE_FIELDS = """id name segmentId repeat validDays active nextRunAt lastRunAt runCount version
  definition { id } runs { ranAt recipients queued withoutEmail optedOut }"""
CREATE_SCHEDULE = f"""
mutation($input: CreateSurveyScheduleInput!) {{
  createSurveySchedule(input: $input) {{ schedule {{ {SCHEDULE_FIELDS} }} {ERRORS} }} }}"""
STOP_SCHEDULE = f"""
mutation($id: ID!, $version: Int!) {{
  stopSurveySchedule(id: $id, version: $version) {{ schedule {{ active nextRunAt }} {ERRORS} }} }}"""
SCHEDULES = f"{{ surveySchedules {{ nodes {{ {SCHEDULE_FIELDS} }} }} }}"
ON_CLOSE = f"""
mutation($id: ID) {{ useSurveyDefinitionOnClose(definitionId: $id) {{ definition {{ id }} {ERRORS} }} }}"""
PUBLIC = """
query($token: String!) { publicSurvey(token: $token) {
  kind title intro ticketNumber ticketSubject projectName expiresAt answered
  questions { key type label required options scale } } }"""
ANSWER = f"""
mutation($input: AnswerSurveyInput!) {{ answerSurvey(input: $input) {{ survey {{ answered }} {ERRORS} }} }}"""
OPT_OUT = f"mutation($token: String!) {{ optOutOfSurveyEmail(token: $token) {{ optedOut {ERRORS} }} }}"
RESULTS = """
query($groupBy: SurveyGrouping!, $definitionId: ID) {
  surveyResults(groupBy: $groupBy, definitionId: $definitionId) { rows {
    month responses csatAverage agent { id }
    questions { key label type responses average options { option count } texts } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
LINK = re.compile(r"https://help\.example\.com/survey\?t=(crmv_[A-Za-z0-9_-]+)")
QUESTIONS = [
    {"type": "TEXT", "label": "What could we do better?"},
    {"type": "SINGLE_CHOICE", "label": "How did you reach us?", "options": ["Phone", "Email", "Web"]},
    {"type": "MULTI_CHOICE", "label": "Which products do you use?", "options": ["A", "B", "C"]},
    {"type": "RATING", "label": "Rate our documentation", "scale": 5, "required": True},
]


@pytest.fixture
def mailbox(smtp, monkeypatch) -> Iterator[Inbox]:  # type: ignore[no-untyped-def] # noqa: F811
    monkeypatch.setenv("CRM_SURVEY_URL", "https://help.example.com/survey?t={token}")
    # Settings are cached per process: another test file in this worker may have read them already.
    get_settings.cache_clear()
    sender = SmtpSender("127.0.0.1", smtp[1], "CRM <crm@example.com>", security="none")
    previous = use_channels(Channels(mail=sender, sms=RecordingSms()))
    yield smtp[0]
    use_channels(previous)
    monkeypatch.delenv("CRM_SURVEY_URL")
    get_settings.cache_clear()


async def run(services, member, job: str, now: datetime) -> str:  # type: ignore[no-untyped-def]
    outcome = await run_one(services.db, job, JOBS[job], uuid.UUID(member.tenant_id), now)
    assert not outcome.failed, outcome
    return outcome.summary


def links_to(inbox: Inbox, address: str) -> list[str]:
    return [LINK.search(body(message)).group(1) for message in inbox.messages if message["To"] == address]


async def define(client, admin, **values):  # type: ignore[no-untyped-def]
    given = {"name": "Spring check-in", "kind": "CSAT", "intro": "Thanks for being a customer.", **values}
    given.setdefault("questions", QUESTIONS)
    return (await ok(client, admin, CREATE_DEFINITION, {"input": given}, "createSurveyDefinition"))[
        "definition"
    ]


async def schedule(client, admin, definition_id, segment_id, **values):  # type: ignore[no-untyped-def]
    given = {
        "name": "Spring",
        "definitionId": definition_id,
        "segmentId": segment_id,
        "repeat": "ONCE",
        **values,
    }
    return (await ok(client, admin, CREATE_SCHEDULE, {"input": given}, "createSurveySchedule"))["schedule"]


async def answer(client, token, score, answers):  # type: ignore[no-untyped-def]
    variables = {"input": {"token": token, "score": score, "answers": answers}}
    return await client.mutate(ANSWER, variables, None, "answerSurvey")


async def test_a_scheduled_survey_mails_one_link_per_contact_answered_once(
    client, services, mailbox, monkeypatch
):
    clock = Clock(monkeypatch, START)
    admin = await client.sign_up("Survey Co")
    ada = unique_address("ada")
    await create_contact(client, admin, firstName="Ada", emails=[ada], tags=["vip"])
    await create_contact(client, admin, firstName="Bo", emails=[], tags=["vip"])  # no address: skipped
    await create_contact(client, admin, firstName="Cy", emails=[unique_address("cy")])  # not in the segment
    segment = await create_segment(client, admin, contacts={"tag": "vip"})
    definition = await define(client, admin)
    assert [q["key"] for q in definition["questions"]] == ["q1", "q2", "q3", "q4"]
    planned = await schedule(client, admin, definition["id"], segment["id"], startsAt=START.isoformat())
    assert planned["active"] is True and planned["nextRunAt"] == START.isoformat()

    assert await run(services, admin, "service.survey_schedules", START - timedelta(minutes=1)) == (
        "0 survey schedule(s) run, 0 survey(s) queued"
    )
    assert await run(services, admin, "service.survey_schedules", START) == (
        "1 survey schedule(s) run, 1 survey(s) queued"
    )
    assert await run(services, admin, "service.survey_schedules", START + timedelta(days=1)) == (
        "0 survey schedule(s) run, 0 survey(s) queued"  # a one-off runs once
    )
    assert await run(services, admin, "service.survey_mail", START) == "1 survey mail(s) sent, 0 not sent"
    assert await run(services, admin, "service.survey_mail", START) == "0 survey mail(s) sent, 0 not sent"
    [token] = links_to(mailbox, ada)
    [done] = (await client.execute(SCHEDULES, None, admin.token))["surveySchedules"]["nodes"]
    assert done["active"] is False and done["nextRunAt"] is None and done["runCount"] == 1
    assert done["runs"] == [
        {"ranAt": START.isoformat(), "recipients": 2, "queued": 1, "withoutEmail": 1, "optedOut": 0}
    ]

    shown = (await client.execute(PUBLIC, {"token": token}))["publicSurvey"]
    assert shown["title"] == "Spring check-in" and shown["intro"] == "Thanks for being a customer."
    assert (shown["ticketNumber"], shown["ticketSubject"], shown["projectName"]) == (None, None, None)
    assert shown["expiresAt"] == (START + timedelta(days=14)).isoformat()
    assert shown["questions"][1] == {
        "key": "q2",
        "type": "SINGLE_CHOICE",
        "label": "How did you reach us?",
        "required": False,
        "options": ["Phone", "Email", "Web"],
        "scale": None,
    }
    bad = await answer(
        client,
        token,
        4,
        [
            {"key": "q1", "rating": 3},
            {"key": "q2", "choices": ["Phone", "Email"]},
            {"key": "q3", "choices": ["A", "Z"]},
            {"key": "q9", "text": "?"},
        ],
    )
    assert error_pairs(bad) == [
        ("answers.q1", "INVALID"),
        ("answers.q2", "INVALID"),
        ("answers.q3", "INVALID"),
        ("answers.q9", "INVALID"),
        ("answers.q4", "REQUIRED"),
    ]
    given = [
        {"key": "q1", "text": "Faster replies, 谢谢"},
        {"key": "q2", "choices": ["Email"]},
        {"key": "q3", "choices": ["A", "C"]},
        {"key": "q4", "rating": 4},
    ]
    clock.set(START + timedelta(days=2))
    assert (await answer(client, token, 5, given))["errors"] == []
    assert error_pairs(await answer(client, token, 5, given)) == [("token", "DUPLICATE")]

    rows = (
        await client.execute(RESULTS, {"groupBy": "MONTH", "definitionId": definition["id"]}, admin.token)
    )["surveyResults"]["rows"]
    assert [(row["month"], row["responses"], row["csatAverage"]) for row in rows] == [
        ("2026-05-01", 1, "5.00")
    ]
    assert rows[0]["questions"] == [
        {"key": "q1", "label": "What could we do better?", "type": "TEXT", "responses": 1, "average": None,
         "options": [], "texts": ["Faster replies, 谢谢"]},
        {"key": "q2", "label": "How did you reach us?", "type": "SINGLE_CHOICE", "responses": 1, "average": None,
         "options": [{"option": "Phone", "count": 0}, {"option": "Email", "count": 1},
                     {"option": "Web", "count": 0}], "texts": []},
        {"key": "q3", "label": "Which products do you use?", "type": "MULTI_CHOICE", "responses": 1,
         "average": None, "options": [{"option": "A", "count": 1}, {"option": "B", "count": 0},
                                      {"option": "C", "count": 1}], "texts": []},
        {"key": "q4", "label": "Rate our documentation", "type": "RATING", "responses": 1, "average": "4.00",
         "options": [], "texts": []},
    ]  # fmt: skip
    # Without the definition: closed tickets' surveys only (none here).
    plain = await client.execute(RESULTS, {"groupBy": "MONTH"}, admin.token)
    assert plain["surveyResults"]["rows"] == []


async def test_opted_out_contacts_get_no_more_survey_mail_and_links_expire(
    client, services, mailbox, monkeypatch
):
    clock = Clock(monkeypatch, START)
    admin = await client.sign_up("Weekly Co")
    dee, eve = unique_address("dee"), unique_address("eve")
    await create_contact(client, admin, firstName="Dee", emails=[dee], tags=["vip"])
    await create_contact(client, admin, firstName="Eve", emails=[eve], tags=["vip"])
    segment = await create_segment(client, admin, contacts={"tag": "vip"})
    definition = await define(client, admin, kind="NPS", questions=[])
    await schedule(client, admin, definition["id"], segment["id"], repeat="WEEKLY", validDays=3)
    await run(services, admin, "service.survey_schedules", START)
    assert await run(services, admin, "service.survey_mail", START) == "2 survey mail(s) sent, 0 not sent"
    [dee_token] = links_to(mailbox, dee)
    opted = await client.mutate(OPT_OUT, {"token": dee_token}, None, "optOutOfSurveyEmail")
    assert opted == {"optedOut": True, "errors": []}

    # A week later (the weekly repeat), Dee is skipped and counted; Eve gets a second, separate link.
    week = START + timedelta(days=7)
    assert await run(services, admin, "service.survey_schedules", week) == (
        "1 survey schedule(s) run, 1 survey(s) queued"
    )
    await run(services, admin, "service.survey_mail", week)
    assert len(links_to(mailbox, dee)) == 1
    first, second = links_to(mailbox, eve)
    assert first != second
    [planned] = (await client.execute(SCHEDULES, None, admin.token))["surveySchedules"]["nodes"]
    assert planned["nextRunAt"] == (START + timedelta(days=14)).isoformat()
    assert [(r["queued"], r["optedOut"]) for r in planned["runs"]] == [(1, 1), (2, 0)]

    # The first link expired after its 3 days; the second is good once. An NPS answer has no questions.
    clock.set(week + timedelta(hours=1))
    assert error_pairs(await answer(client, first, 9, [])) == [("token", "EXPIRED")]
    assert error_pairs(await answer(client, second, 11, [])) == [("score", "INVALID")]
    assert error_pairs(await answer(client, second, 9, [{"key": "q1", "text": "x"}])) == [
        ("answers.q1", "INVALID")
    ]
    assert (await answer(client, second, 9, []))["errors"] == []

    stopped = await ok(
        client,
        admin,
        STOP_SCHEDULE,
        {"id": planned["id"], "version": planned["version"]},
        "stopSurveySchedule",
    )
    assert stopped["schedule"] == {"active": False, "nextRunAt": None}
    assert await run(services, admin, "service.survey_schedules", START + timedelta(days=30)) == (
        "0 survey schedule(s) run, 0 survey(s) queued"
    )


async def test_a_closed_tickets_survey_is_mailed_to_its_contact_with_the_chosen_questions(
    client, services, mailbox, monkeypatch
):
    Clock(monkeypatch, START)
    admin = await client.sign_up("Close Co")
    fay = unique_address("fay")
    contact = await create_contact(client, admin, firstName="Fay", emails=[fay])
    definition = await define(client, admin, questions=[{"type": "TEXT", "label": "Anything else?"}])
    await ok(client, admin, ON_CLOSE, {"id": definition["id"]}, "useSurveyDefinitionOnClose")
    ticket = await open_ticket(client, admin, contactId=contact["id"], subject="Lost parcel")
    version = ticket["version"]
    for status in ("RESOLVED", "CLOSED"):
        moved = await ok(
            client, admin, CHANGE_STATUS, {"id": ticket["id"], "version": version, "status": status},
            "changeTicketStatus",
        )  # fmt: skip
        version = moved["ticket"]["version"]
    assert await run(services, admin, "service.survey_mail", START) == "1 survey mail(s) sent, 0 not sent"
    [message] = [m for m in mailbox.messages if m["To"] == fay]
    assert message["Subject"] == f"How did we do? {ticket['number']}: Lost parcel"
    token = LINK.search(body(message)).group(1)
    shown = (await client.execute(PUBLIC, {"token": token}))["publicSurvey"]
    assert (shown["title"], shown["ticketSubject"], [q["label"] for q in shown["questions"]]) == (
        "Spring check-in",
        "Lost parcel",
        ["Anything else?"],
    )
    assert (await answer(client, token, 4, [{"key": "q1", "text": "All good"}]))["errors"] == []
    rows = (
        await client.execute(RESULTS, {"groupBy": "AGENT", "definitionId": definition["id"]}, admin.token)
    )["surveyResults"]["rows"]
    assert [(row["agent"], row["questions"][0]["texts"]) for row in rows] == [(None, ["All good"])]


async def test_bad_definitions_and_schedules_get_exact_errors(client):
    admin = await client.sign_up("Strict Co")
    bad = await client.mutate(
        CREATE_DEFINITION,
        {
            "input": {
                "name": " ",
                "kind": "CSAT",
                "questions": [
                    {"type": "TEXT", "label": ""},
                    {"type": "SINGLE_CHOICE", "label": "Pick", "options": ["only"]},
                    {"type": "MULTI_CHOICE", "label": "Pick", "options": ["a", "a"]},
                    {"type": "RATING", "label": "Rate", "scale": 11},
                    {"type": "TEXT", "label": "Say", "options": ["a", "b"]},
                ],
            }
        },
        admin.token,
        "createSurveyDefinition",
    )
    assert error_pairs(bad) == [
        ("name", "REQUIRED"),
        ("questions.0.label", "REQUIRED"),
        ("questions.1.options", "INVALID"),
        ("questions.2.options", "DUPLICATE"),
        ("questions.3.scale", "INVALID"),
        ("questions.4.options", "INVALID"),
    ]
    too_many = [{"type": "TEXT", "label": f"Q{n}"} for n in range(21)]
    payload = await client.mutate(
        CREATE_DEFINITION, {"input": {"name": "Long", "kind": "NPS", "questions": too_many}}, admin.token,
        "createSurveyDefinition",
    )  # fmt: skip
    assert error_pairs(payload) == [("questions", "TOO_LONG")]
    definition = await define(client, admin)
    leads = await create_segment(client, admin, name="Leads", leads={})
    wrong = await client.mutate(
        CREATE_SCHEDULE,
        {"input": {"name": "", "definitionId": definition["id"], "segmentId": leads["id"], "repeat": "DAILY",
                   "validDays": 0, "startsAt": "2020-01-01T00:00:00Z"}},
        admin.token,
        "createSurveySchedule",
    )  # fmt: skip
    assert error_pairs(wrong) == [
        ("name", "REQUIRED"),
        ("validDays", "INVALID"),
        ("startsAt", "INVALID"),
        ("segmentId", "INVALID"),
    ]
    assert (await client.execute(DEFINITIONS, None, admin.token))["surveyDefinitions"]["nodes"] == [
        definition
    ]
    sales = await client.add_member(admin, "sales")
    refused = await client.mutate(
        CREATE_DEFINITION, {"input": {"name": "Mine", "kind": "CSAT"}}, sales.token, "createSurveyDefinition"
    )
    assert refused["refused"] and refused["errors"][0]["code"] == "PERMISSION_DENIED"


async def test_another_tenant_reaches_no_definition_schedule_or_mailing(
    client, services, db, mailbox, monkeypatch
):
    Clock(monkeypatch, START)
    mine = await client.sign_up("Mine Co")
    theirs = await client.sign_up("Theirs Co")
    await create_contact(client, mine, firstName="Gus", emails=[unique_address("gus")], tags=["vip"])
    segment = await create_segment(client, mine, contacts={"tag": "vip"})
    definition = await define(client, mine)
    planned = await schedule(client, mine, definition["id"], segment["id"])
    await run(services, mine, "service.survey_schedules", START)
    for node_id in (definition["id"], planned["id"]):
        assert (await client.execute(NODE, {"id": node_id}, mine.token))["node"] == {"id": node_id}
        assert (await client.execute(NODE, {"id": node_id}, theirs.token))["node"] is None

    assert (await client.execute(DEFINITIONS, None, theirs.token))["surveyDefinitions"]["nodes"] == []
    assert (await client.execute(SCHEDULES, None, theirs.token))["surveySchedules"]["nodes"] == []
    their_definition = await define(client, theirs)
    foreign = await client.mutate(
        CREATE_SCHEDULE,
        {
            "input": {
                "name": "x",
                "definitionId": definition["id"],
                "segmentId": segment["id"],
                "repeat": "ONCE",
            }
        },
        theirs.token,
        "createSurveySchedule",
    )
    assert error_pairs(foreign) == [("definitionId", "NOT_FOUND"), ("segmentId", "NOT_FOUND")]
    borrowed = await client.mutate(
        ON_CLOSE, {"id": definition["id"]}, theirs.token, "useSurveyDefinitionOnClose"
    )
    assert error_pairs(borrowed) == [("definitionId", "NOT_FOUND")]
    errors = await client.errors(
        RESULTS, {"groupBy": "MONTH", "definitionId": definition["id"]}, theirs.token
    )
    assert [error["extensions"]["code"] for error in errors] == ["NOT_FOUND"]
    assert await run(services, theirs, "service.survey_mail", START) == "0 survey mail(s) sent, 0 not sent"

    connection = await db.connect()
    tables = (
        "survey_definitions",
        "survey_schedules",
        "survey_schedule_runs",
        "survey_mailings",
        "kb_public_votes",
    )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        for table in tables:
            expected = 1 if table == "survey_definitions" else 0
            assert await connection.fetchval(f"select count(*) from {table}") == expected, table
        assert await connection.execute("update survey_mailings set address = 'x@example.com'") == "UPDATE 0"
        assert await connection.execute("update survey_schedules set active = false") == "UPDATE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):  # RLS WITH CHECK: not into another tenant
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
            await connection.execute(
                "insert into survey_definitions (tenant_id, id, name, kind) values ($1, $2, 'x', 'csat')",
                uuid.UUID(mine.tenant_id),
                uuid.uuid4(),
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", mine.tenant_id)
        assert await connection.fetchval("select count(*) from survey_schedule_runs") == 1
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # runs are the record: append-only
            await connection.execute("delete from survey_schedule_runs")
    assert their_definition["id"] != definition["id"]


def unique_address(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@example.com"
