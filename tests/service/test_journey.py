"""The service desk journey with a controlled clock: a complaint arrives, its SLA clock runs, it is
escalated when at risk, resolved with a linked knowledge base article, the customer answers the survey
through the public link, and the figures appear per agent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway.jobs import run_one
from graph.core.jobs import JOBS
from tests.service.documents import (
    ADD_MESSAGE,
    CREATE_ACCOUNT,
    CREATE_CONTACT,
    TICKET,
    Clock,
    create_policy,
    open_ticket,
)
from tests.service.test_knowledge_base import LINK, SUGGEST, article
from tests.service.test_surveys import ANSWER, CLOSE, PUBLIC, RESULTS
from tests.support import ok

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_complaint_to_survey_figures(client, services, monkeypatch):
    clock = Clock(monkeypatch, MONDAY_9)
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    manager = await client.add_member(admin, "manager", "manager")
    await create_policy(
        client,
        admin,
        name="Complaints",
        priority="HIGH",
        firstResponseMinutes=60,
        resolutionMinutes=480,
        atRiskPercent=50,
        escalateToId=manager.user_id,
    )
    account = (await ok(client, agent, CREATE_ACCOUNT, {"input": {"name": "华为"}}, "createAccount"))[
        "account"
    ]
    contact = (
        await ok(
            client, agent, CREATE_CONTACT, {"input": {"firstName": "伟", "lastName": "张"}}, "createContact"
        )
    )["contact"]
    jam = await article(client, admin, "打印机卡纸怎么办", "先关闭电源。然后取出卡住的纸张。")

    # 09:00 a complaint arrives on WeChat; the first response is due at 10:00, resolution at 17:00.
    ticket = await open_ticket(
        client,
        agent,
        subject="打印机又卡纸了",
        kind="COMPLAINT",
        priority="HIGH",
        channel="wechat",
        accountId=account["id"],
        contactId=contact["id"],
        assigneeId=agent.user_id,
    )
    assert ticket["responseDueAt"] == "2026-03-02T10:00:00+00:00"
    assert ticket["resolutionDueAt"] == "2026-03-02T17:00:00+00:00"

    # 09:31: half the first-response time is gone; the escalation job hands it to the manager.
    clock.set(MONDAY_9 + timedelta(minutes=31))
    run = await run_one(
        services.db, "service.escalate", JOBS["service.escalate"], uuid.UUID(admin.tenant_id), clock.moment
    )
    assert run.summary == "escalated 1"
    escalated = (await client.execute(TICKET, {"id": ticket["id"]}, manager.token))["ticket"]
    assert escalated["assignee"] == {"id": manager.user_id} and escalated["escalationLevel"] == 1

    # 09:40 the manager answers, finds the article the ticket suggests and links it; 11:00 resolved, closed.
    clock.set(MONDAY_9 + timedelta(minutes=40))
    reply = {"input": {"ticketId": ticket["id"], "visibility": "PUBLIC", "body": "请先关闭电源再取纸。"}}
    answered = (await ok(client, manager, ADD_MESSAGE, reply, "addTicketMessage"))["ticket"]
    suggested = (await client.execute(SUGGEST, {"id": ticket["id"]}, manager.token))["ticket"][
        "suggestedArticles"
    ]
    assert [a["title"] for a in suggested] == ["打印机卡纸怎么办"]
    await ok(client, manager, LINK, {"ticketId": ticket["id"], "articleId": jam["id"]}, "linkArticleToTicket")
    clock.set(MONDAY_9 + timedelta(hours=2))
    resolved = await ok(
        client,
        manager,
        CLOSE,
        {"id": ticket["id"], "version": answered["version"], "status": "RESOLVED"},
        "changeTicketStatus",
    )
    closed = await ok(
        client,
        manager,
        CLOSE,
        {"id": ticket["id"], "version": resolved["ticket"]["version"], "status": "CLOSED"},
        "changeTicketStatus",
    )
    done = (await client.execute(TICKET, {"id": ticket["id"]}, manager.token))["ticket"]
    assert done["slaBreached"] is False and done["firstRespondedAt"] == "2026-03-02T09:40:00+00:00"
    assert [entry["kind"] for entry in done["history"]["nodes"]] == [
        "opened",
        "escalated",
        "status_changed",
        "article_linked",
        "status_changed",
        "status_changed",
    ]

    # The customer answers the survey through the link, without logging in.
    token = closed["surveyToken"]
    assert (await client.execute(PUBLIC, {"token": token}))["publicSurvey"][
        "ticketSubject"
    ] == "打印机又卡纸了"
    assert (
        await client.mutate(
            ANSWER, {"input": {"token": token, "score": 4, "comment": "快"}}, None, "answerSurvey"
        )
    )["errors"] == []

    figures = (await client.execute(RESULTS, {"groupBy": "AGENT"}, admin.token))["surveyResults"]["rows"]
    assert [(row["agent"], row["responses"], row["csatAverage"]) for row in figures] == [
        ({"id": manager.user_id}, 1, "4.00")
    ]
