"""Surveys: sent when a ticket closes, answered through the public link without login (one answer per
token, expiry, nothing of other customers reachable), results per agent, product and month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from tests.admin.documents import create_team, set_team
from tests.sales.commerce.documents import create_product
from tests.service.documents import UPDATE_SETTINGS, Clock, open_ticket
from tests.support import error_pairs, ok

PUBLIC = """
query($token: String!) { publicSurvey(token: $token) { kind ticketNumber ticketSubject expiresAt answered } }"""
ANSWER = """
mutation($input: AnswerSurveyInput!) { answerSurvey(input: $input) {
  survey { kind ticketNumber answered } errors { field code message } } }"""
RESULTS = """
query($groupBy: SurveyGrouping!, $from: DateTime, $to: DateTime) {
  surveyResults(groupBy: $groupBy, answeredFrom: $from, answeredTo: $to) { rows {
    month responses csatResponses csatAverage csatSatisfiedPercent npsResponses nps
    agent { id } team { name } product { id } } } }"""
CLOSE = """
mutation($id: ID!, $version: Int!, $status: TicketStatus!) {
  changeTicketStatus(id: $id, version: $version, status: $status) {
    ticket { id version status } surveyToken errors { field code message } } }"""
START = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


async def closed_with_survey(client, member, **values):  # type: ignore[no-untyped-def]
    ticket = await open_ticket(client, member, **values)
    resolved = await ok(
        client,
        member,
        CLOSE,
        {"id": ticket["id"], "version": ticket["version"], "status": "RESOLVED"},
        "changeTicketStatus",
    )
    assert resolved["surveyToken"] is None
    closed = await ok(
        client,
        member,
        CLOSE,
        {"id": ticket["id"], "version": resolved["ticket"]["version"], "status": "CLOSED"},
        "changeTicketStatus",
    )
    return ticket, closed["surveyToken"]


async def answer(client, token, score, comment=None):  # type: ignore[no-untyped-def]
    return await client.mutate(
        ANSWER, {"input": {"token": token, "score": score, "comment": comment}}, None, "answerSurvey"
    )


async def test_a_closed_ticket_sends_a_survey_answered_once_without_login(client, monkeypatch):
    clock = Clock(monkeypatch, START)
    admin = await client.sign_up("Desk")
    ticket, token = await closed_with_survey(client, admin, subject="Broken hinge")

    shown = (await client.execute(PUBLIC, {"token": token}))["publicSurvey"]
    assert shown == {
        "kind": "CSAT",
        "ticketNumber": ticket["number"],
        "ticketSubject": "Broken hinge",
        "expiresAt": "2026-04-15T10:00:00+00:00",
        "answered": False,
    }
    assert error_pairs(await answer(client, token, 6)) == [("score", "INVALID")]
    clock.set(START + timedelta(days=1))
    answered = await answer(client, token, 5, "Fixed the same day, 谢谢!")
    assert answered["errors"] == [] and answered["survey"]["answered"] is True
    assert error_pairs(await answer(client, token, 1)) == [("token", "DUPLICATE")]
    results = (await client.execute(RESULTS, {"groupBy": "AGENT"}, admin.token))["surveyResults"]["rows"]
    assert results == [
        {
            "month": None,
            "responses": 1,
            "csatResponses": 1,
            "csatAverage": "5.00",
            "csatSatisfiedPercent": "100.0",
            "npsResponses": 0,
            "nps": None,
            "agent": None,
            "team": None,
            "product": None,
        }
    ]


async def test_expired_forged_and_foreign_links_reach_nothing(client, monkeypatch):
    clock = Clock(monkeypatch, START)
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    _, token = await closed_with_survey(client, mine)
    _, other_token = await closed_with_survey(client, theirs)
    tenant_part, secret = token.removeprefix("crmv_").split("_", 1)
    other_tenant = other_token.removeprefix("crmv_").split("_", 1)[0]

    for forged in [
        "nonsense",
        f"crmv_{other_tenant}_{secret}",
        f"crmv_{tenant_part}_{secret[:-2]}xx",
        "crmv_" + "0" * 32 + "_x",
    ]:
        errors = await client.errors(PUBLIC, {"token": forged})
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"
        assert error_pairs(await answer(client, forged, 3)) == [("token", "NOT_FOUND")]
    clock.set(START + timedelta(days=14))
    assert error_pairs(await answer(client, token, 3)) == [("token", "EXPIRED")]
    # A signed-in member answering a link of another tenant stays in their own tenant afterwards.
    data = await client.execute(PUBLIC + "", {"token": other_token}, mine.token)
    assert data["publicSurvey"]["answered"] is False
    both = await client.execute(
        "query($token: String!) { publicSurvey(token: $token) { kind } tickets { totalCount } }",
        {"token": other_token},
        mine.token,
    )
    assert both == {"publicSurvey": {"kind": "CSAT"}, "tickets": {"totalCount": 1}}


async def test_nps_results_per_product_and_month_and_who_may_read_them(client, monkeypatch):
    clock = Clock(monkeypatch, START)
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    await ok(
        client,
        admin,
        UPDATE_SETTINGS,
        {"input": {"surveyKind": "NPS", "surveyValidDays": 30}},
        "updateServiceSettings",
    )
    product = await create_product(client, admin)
    scores = [10, 9, 7, 3]
    for score in scores:
        _, token = await closed_with_survey(client, admin, productId=product["id"], assigneeId=admin.user_id)
        assert (await answer(client, token, score))["errors"] == []
    clock.set(datetime(2026, 5, 2, tzinfo=UTC))
    _, token = await closed_with_survey(client, admin)
    assert error_pairs(await answer(client, token, 11)) == [("score", "INVALID")]
    assert (await answer(client, token, 0))["errors"] == []

    by_product = (await client.execute(RESULTS, {"groupBy": "PRODUCT"}, admin.token))["surveyResults"]["rows"]
    assert [(r["product"], r["npsResponses"], r["nps"]) for r in by_product] == [
        ({"id": product["id"]}, 4, 25),  # 2 promoters, 1 detractor of 4
        (None, 1, -100),
    ]
    by_month = (await client.execute(RESULTS, {"groupBy": "MONTH"}, admin.token))["surveyResults"]["rows"]
    assert [(r["month"], r["responses"]) for r in by_month] == [("2026-04-01", 4), ("2026-05-01", 1)]
    april = {"groupBy": "AGENT", "from": "2026-04-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}
    by_agent = (await client.execute(RESULTS, april, admin.token))["surveyResults"]["rows"]
    assert [(r["agent"], r["responses"]) for r in by_agent] == [({"id": admin.user_id}, 4)]
    await set_team(client, admin, admin, await create_team(client, admin, "Hotline"))
    by_team = (await client.execute(RESULTS, {"groupBy": "TEAM"}, admin.token))["surveyResults"]["rows"]
    assert [(r["team"], r["responses"]) for r in by_team] == [({"name": "Hotline"}, 4), (None, 1)]
    denied = await client.errors(RESULTS, {"groupBy": "AGENT"}, agent.token)
    assert denied[0]["extensions"]["code"] == "PERMISSION_DENIED"


async def test_a_tenant_may_send_no_survey(client):
    admin = await client.sign_up("Desk")
    await ok(client, admin, UPDATE_SETTINGS, {"input": {"surveyKind": "NONE"}}, "updateServiceSettings")
    _, token = await closed_with_survey(client, admin)
    assert token is None


async def test_surveys_stay_behind_the_tenant_wall_in_sql(client, db):
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    await closed_with_survey(client, mine)
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        assert await connection.fetchval("select count(*) from surveys") == 0
        assert await connection.execute("update surveys set score = 1") == "UPDATE 0"
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", mine.tenant_id)
        assert await connection.fetchval("select count(*) from surveys") == 1
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # answers are evidence: no delete
            await connection.execute("delete from surveys")
