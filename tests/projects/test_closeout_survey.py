"""The customer's satisfaction survey of a closed-out project: sent by the manager to a contact of the
project's account, answered once through the service desk's public link (no login), and then the
closeout's satisfaction; expired, forged and other tenants' links reach nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from tests.crm.documents import create_account, create_contact, link
from tests.crm.sql import raw_id
from tests.projects.documents import add_member, error_pairs, ok
from tests.projects.test_closeout import active_project, close_out
from tests.projects.test_isolation import assert_sql_wall, in_tenant
from tests.projects.test_quality import REQUEST_ACCEPTANCE, SIGN, upload_signed_copy
from tests.service.documents import Clock
from tests.service.test_surveys import RESULTS, answer

ERRORS = "errors { field code message }"
CLOSEOUT_FIELDS = "satisfaction satisfactionComment satisfactionSource satisfactionAnsweredAt"
SEND = f"""
mutation($projectId: ID!, $contactId: ID!) {{
  sendCloseoutSurvey(projectId: $projectId, contactId: $contactId) {{
    surveyToken expiresAt closeout {{ {CLOSEOUT_FIELDS} }} {ERRORS} }}
}}"""
PUBLIC = """
query($token: String!) {
  publicSurvey(token: $token) { kind ticketNumber ticketSubject projectName expiresAt answered } }"""
CLOSEOUT = f"""query($id: ID!) {{ project(id: $id) {{ closeout {{ summary {CLOSEOUT_FIELDS} }} }} }}"""
START = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


async def closed_customer_project(client, manager, **closeout: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A customer project closed out after its contact signed the acceptance; (project, contact)."""
    account = await create_account(client, manager, name="Globex")
    contact = await create_contact(client, manager, firstName="Gina")
    await link(client, manager, contact["id"], account["id"])
    project = await active_project(client, manager, name="Globex office fit-out", accountId=account["id"])
    request = {"projectId": project["id"], "contactId": contact["id"], "scope": "Floors 1-2"}
    acceptance = (await ok(client, manager, REQUEST_ACCEPTANCE, {"input": request}, "requestAcceptance"))[
        "acceptance"
    ]
    await upload_signed_copy(client, manager, acceptance["id"])
    signed = {"id": acceptance["id"], "version": 1, "signedOn": "2026-03-26"}
    await ok(client, manager, SIGN, signed, "signAcceptance")
    current = await client.execute(
        "query($id: ID!) { project(id: $id) { id version } }", {"id": project["id"]}, manager.token
    )
    closed = await close_out(client, manager, current["project"], **closeout)
    assert closed["errors"] == [], closed
    return project, contact


async def send(client, member, project, contact) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    variables = {"projectId": project["id"], "contactId": contact["id"]}
    return await client.mutate(SEND, variables, member.token, "sendCloseoutSurvey")


async def closeout_of(client, member, project) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return (await client.execute(CLOSEOUT, {"id": project["id"]}, member.token))["project"]["closeout"]


async def test_the_customers_answer_becomes_the_closeouts_satisfaction(client, monkeypatch):
    clock = Clock(monkeypatch, START)
    admin = await client.sign_up("Fit-out Co")
    project, contact = await closed_customer_project(
        client, admin, satisfaction=3, satisfactionComment="Seemed fine on the phone"
    )
    assert await closeout_of(client, admin, project) == {
        "summary": "Delivered",
        "satisfaction": 3,
        "satisfactionComment": "Seemed fine on the phone",
        "satisfactionSource": "MANAGER",
        "satisfactionAnsweredAt": None,
    }

    sent = await send(client, admin, project, contact)
    token = sent["surveyToken"]
    assert sent["errors"] == [] and token.startswith("crmv_")
    assert sent["expiresAt"] == "2026-04-15T10:00:00+00:00"
    assert sent["closeout"]["satisfactionSource"] == "MANAGER"
    shown = (await client.execute(PUBLIC, {"token": token}))["publicSurvey"]
    assert shown == {
        "kind": "CSAT",
        "ticketNumber": None,
        "ticketSubject": None,
        "projectName": "Globex office fit-out",
        "expiresAt": "2026-04-15T10:00:00+00:00",
        "answered": False,
    }
    assert error_pairs(await answer(client, token, 6)) == [("score", "INVALID")]
    clock.set(START + timedelta(days=2))
    answered = await answer(client, token, 5, "Clean site, 谢谢!")
    assert answered["errors"] == [] and answered["survey"]["answered"] is True

    assert await closeout_of(client, admin, project) == {
        "summary": "Delivered",
        "satisfaction": 5,
        "satisfactionComment": "Clean site, 谢谢!",
        "satisfactionSource": "CUSTOMER_SURVEY",
        "satisfactionAnsweredAt": "2026-04-03T10:00:00+00:00",
    }
    # One answer per link, one answered survey per project.
    assert error_pairs(await answer(client, token, 1)) == [("token", "DUPLICATE")]
    assert error_pairs(await send(client, admin, project, contact)) == [("projectId", "DUPLICATE")]
    assert (await closeout_of(client, admin, project))["satisfaction"] == 5
    # The service desk's results rate tickets only.
    results = await client.execute(RESULTS, {"groupBy": "AGENT"}, admin.token)
    assert results["surveyResults"]["rows"] == []


async def test_expired_and_forged_links_reach_nothing_and_an_expired_link_may_be_sent_again(
    client, monkeypatch
):
    clock = Clock(monkeypatch, START)
    admin = await client.sign_up()
    project, contact = await closed_customer_project(client, admin)
    token = (await send(client, admin, project, contact))["surveyToken"]
    assert error_pairs(await send(client, admin, project, contact)) == [("projectId", "DUPLICATE")]
    tenant_part, secret = token.removeprefix("crmv_").split("_", 1)

    for forged in [
        "nonsense",
        f"crmv_{tenant_part}_{secret[:-2]}xx",
        f"crmv_{uuid.uuid4().hex}_{secret}",
        "crmv_" + "0" * 32 + "_x",
    ]:
        errors = await client.errors(PUBLIC, {"token": forged})
        assert errors[0]["extensions"]["code"] == "NOT_FOUND"
        assert error_pairs(await answer(client, forged, 3)) == [("token", "NOT_FOUND")]
    clock.set(START + timedelta(days=14))
    assert error_pairs(await answer(client, token, 4)) == [("token", "EXPIRED")]
    assert await closeout_of(client, admin, project) == {
        "summary": "Delivered",
        "satisfaction": None,
        "satisfactionComment": None,
        "satisfactionSource": "NONE",
        "satisfactionAnsweredAt": None,
    }

    again = await send(client, admin, project, contact)
    assert again["errors"] == [] and again["expiresAt"] == "2026-04-29T10:00:00+00:00"
    assert (await answer(client, again["surveyToken"], 2, "Late"))["errors"] == []
    assert error_pairs(await answer(client, token, 4)) == [("token", "EXPIRED")]
    closeout = await closeout_of(client, admin, project)
    assert (closeout["satisfaction"], closeout["satisfactionSource"]) == (2, "CUSTOMER_SURVEY")


async def test_another_tenants_token_and_project_reach_nothing(client, db, monkeypatch):
    Clock(monkeypatch, START)
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    project, contact = await closed_customer_project(client, mine)
    their_project, their_contact = await closed_customer_project(client, theirs)
    token = (await send(client, mine, project, contact))["surveyToken"]
    their_token = (await send(client, theirs, their_project, their_contact))["surveyToken"]
    their_tenant = their_token.removeprefix("crmv_").split("_", 1)[0]
    secret = token.removeprefix("crmv_").split("_", 1)[1]

    # My link's secret under their tenant's part finds nothing (and leaves my survey unanswered).
    crossed = f"crmv_{their_tenant}_{secret}"
    assert (await client.errors(PUBLIC, {"token": crossed}))[0]["extensions"]["code"] == "NOT_FOUND"
    assert error_pairs(await answer(client, crossed, 1)) == [("token", "NOT_FOUND")]
    assert (await client.execute(PUBLIC, {"token": token}))["publicSurvey"]["answered"] is False
    # Their members cannot survey my project, nor my contact for theirs.
    assert error_pairs(await send(client, theirs, project, their_contact)) == [("projectId", "NOT_FOUND")]
    assert error_pairs(await send(client, theirs, their_project, contact)) == [("contactId", "NOT_FOUND")]
    assert (await client.execute(CLOSEOUT, {"id": project["id"]}, theirs.token))["project"] is None
    # Answering their link signed in as me changes nothing of mine.
    assert (await answer(client, their_token, 1))["errors"] == []
    assert (await closeout_of(client, mine, project))["satisfactionSource"] == "NONE"
    assert (await closeout_of(client, theirs, their_project))["satisfaction"] == 1

    await assert_sql_wall(db, mine.tenant_id, theirs.tenant_id, ["surveys"])
    connection = await db.connect()
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        async with connection.transaction():
            await in_tenant(connection, theirs.tenant_id)
            await connection.execute(
                "insert into surveys (tenant_id, id, project_id, kind, token_hash, sent_at, expires_at)"
                " values ($1, $2, $3, 'csat', '\\x00', now(), now())",
                uuid.UUID(theirs.tenant_id),
                uuid.uuid4(),
                raw_id(project["id"]),
            )


async def test_refusals_name_the_field_and_send_nothing(client, monkeypatch):
    Clock(monkeypatch, START)
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "member")
    project, contact = await closed_customer_project(client, admin)
    internal = await active_project(client, admin, name="Internal tooling")
    internal_closed = await close_out(client, admin, internal)
    assert internal_closed["errors"] == []
    account = await create_account(client, admin, name="Initech")
    open_project = await active_project(client, admin, accountId=account["id"])
    their_contact = await create_contact(client, admin)
    await link(client, admin, their_contact["id"], account["id"])
    loose_contact = await create_contact(client, admin)
    await add_member(client, admin, project["id"], member)

    cases = [
        (internal, contact, [("projectId", "NO_CUSTOMER_ACCOUNT")]),
        (open_project, their_contact, [("projectId", "INVALID_TRANSITION")]),
        (project, their_contact, [("contactId", "INVALID")]),
        (project, loose_contact, [("contactId", "INVALID")]),
        (project, {"id": project["id"]}, [("contactId", "NOT_FOUND")]),
    ]
    for target, person, expected in cases:
        payload = await send(client, admin, target, person)
        assert error_pairs(payload) == expected, (target["name"], expected)
        assert payload["surveyToken"] is None
    no_customer = await send(client, admin, internal, contact)
    assert no_customer["errors"][0]["message"] == (
        "This project has no customer account to survey; set its account first."
    )
    assert error_pairs(await send(client, member, project, contact)) == [(None, "PERMISSION_DENIED")]
    # Nothing was sent: the manager's first send still succeeds.
    assert (await send(client, admin, project, contact))["errors"] == []
