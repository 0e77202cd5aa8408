"""Exports: the list's filter and sort, hidden fields left out, formula-safe cells, approval, isolation."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from gateway.jobs import run_jobs
from storage import use_blob_store
from tests.admin.documents import assign, create_role, grants
from tests.crm.documents import CREATE_ACCOUNT
from tests.projects.documents import DECIDE, DEFINE_CHAIN

ERRORS = "errors { field code message }"
EXPORT_FIELDS = (
    "id objectType format purpose status rowCount writtenRows columns failure requestedBy { email }"
)
REQUEST = f"""
mutation R($input: RequestExportInput!) {{ requestExport(input: $input) {{ dataExport {{ {EXPORT_FIELDS} }} {ERRORS} }} }}"""
EXPORT = f"query E($id: ID!) {{ node(id: $id) {{ ... on DataExport {{ {EXPORT_FIELDS} }} }} }}"
LINK = "query L($id: ID!) { exportDownloadUrl(id: $id) { url expiresAt } }"
SETTINGS = f"mutation S($n: Int!) {{ setExportSettings(approvalThreshold: $n) {{ settings {{ approvalThreshold }} {ERRORS} }} }}"
CREATE_FIELD = """
mutation F($input: CreateFieldDefinitionInput!) { createFieldDefinition(input: $input) { errors { field code } } }"""
MY_APPROVALS = "{ myApprovals { nodes { id subjectId status } } }"


async def account(client, member, name: str, **values) -> None:
    payload = (await client.execute(CREATE_ACCOUNT, {"input": {"name": name, **values}}, member.token))[
        "createAccount"
    ]
    assert payload["errors"] == [], payload


async def run_exports(app) -> None:
    use_blob_store(app.state.services.blobs)
    outcomes = await run_jobs(app.state.services.db, datetime.now(UTC), "exports.run")
    assert not [outcome for outcome in outcomes if outcome.failed], outcomes


async def request(client, member, **input):
    return (
        await client.execute(REQUEST, {"input": {"purpose": "Quarterly mailing", **input}}, member.token)
    )["requestExport"]


async def download(client, member, export_id: str) -> bytes:
    link = (await client.execute(LINK, {"id": export_id}, member.token))["exportDownloadUrl"]
    response = await client.http.get(link["url"])
    assert response.status_code == 200, response.text
    return response.content


async def test_an_export_follows_the_lists_filter_and_sort_and_escapes_formulas(client, app, db):
    admin = await client.sign_up()
    await account(client, admin, "Acme", tags=["vip"], industry="Tools")
    await account(client, admin, '=HYPERLINK("http://evil","x")', tags=["vip"], industry="+cmd|' /C calc'!A0")
    await account(client, admin, "Zeta", tags=["vip"], industry="-5")
    await account(client, admin, "Other", tags=["no"], industry="@SUM(A1)")
    requested = await request(
        client,
        admin,
        objectType="account",
        accountFilter={"tag": "vip"},
        accountOrderBy=[{"field": "NAME", "direction": "DESC"}],
    )
    assert requested["errors"] == []
    export = requested["dataExport"]
    assert (export["status"], export["rowCount"]) == ("QUEUED", 3)
    await run_exports(app)
    state = (await client.execute(EXPORT, {"id": export["id"]}, admin.token))["node"]
    assert (state["status"], state["writtenRows"]) == ("DONE", 3)
    data = await download(client, admin, export["id"])
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(row["name"], row["industry"]) for row in rows] == [
        ("Zeta", "-5"),
        ("Acme", "Tools"),
        ('\'=HYPERLINK("http://evil","x")', "'+cmd|' /C calc'!A0"),
    ]
    assert rows[0]["owner"] == admin.email
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        actions = await connection.fetch(
            "select action, changes from audit_log where object_type = 'data_export' order by created_at, id"
        )
    assert [row["action"] for row in actions] == ["export.request", "export.complete", "export.download"]
    assert '"purpose": "Quarterly mailing"' in actions[0]["changes"]
    assert '"tag": "vip"' in actions[0]["changes"]


async def test_fields_the_role_hides_are_never_exported_and_xlsx_cells_stay_text(client, app):
    admin = await client.sign_up()
    await client.execute(
        CREATE_FIELD,
        {"input": {"objectType": "account", "key": "secret", "label": "Secret", "type": "TEXT"}},
        admin.token,
    )
    await account(client, admin, "Acme", industry="Tools", notes="private", custom={"secret": "=1+1"})
    clerk = await client.add_member(admin, "viewer", "clerk")
    role = await create_role(
        client,
        admin,
        "clerk",
        grants=grants(
            actions=["READ"],
            fields={"account": {"industry": "HIDDEN", "domain": "HIDDEN", "custom.secret": "HIDDEN"}},
        ),
        capabilities=["EXPORT"],
    )
    await assign(client, admin, clerk, role)
    requested = await request(client, clerk, objectType="account", format="XLSX")
    assert requested["errors"] == []
    await run_exports(app)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(await download(client, clerk, requested["dataExport"]["id"]))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "industry" not in rows[0] and "custom.secret" not in rows[0] and "notes" in rows[0]
    assert "Tools" not in rows[1] and "=1+1" not in rows[1] and "'=1+1" not in rows[1]

    full = await request(client, admin, objectType="account", format="XLSX")
    await run_exports(app)
    sheet = load_workbook(io.BytesIO(await download(client, admin, full["dataExport"]["id"]))).active
    header, values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[header.index("custom.secret")] == "'=1+1"
    assert sheet.cell(row=2, column=header.index("custom.secret") + 1).data_type == "s"
    # Filtering by a hidden field would reveal it: refused like on the list itself.
    variables = {"input": {"objectType": "account", "purpose": "x", "accountFilter": {"search": "ac"}}}
    assert await client.refused(REQUEST, variables, clerk.token, "requestExport") == [
        ("filter.search", "PERMISSION_DENIED")
    ]


async def test_a_large_export_waits_for_a_managers_approval(client, app):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    chain = {
        "name": "Exports",
        "subjectType": "data_export",
        "steps": [{"name": "Manager", "rule": "ANY", "userIds": [manager.user_id]}],
    }
    assert (await client.execute(DEFINE_CHAIN, {"input": chain}, admin.token))["defineApprovalChain"][
        "errors"
    ] == []
    settings = (await client.execute(SETTINGS, {"n": 1}, admin.token))["setExportSettings"]
    assert settings == {"settings": {"approvalThreshold": 1}, "errors": []}
    await account(client, admin, "Acme")
    await account(client, admin, "Globex")
    export = (await request(client, admin, objectType="account"))["dataExport"]
    assert export["status"] == "AWAITING_APPROVAL"
    await run_exports(app)
    assert (await client.execute(EXPORT, {"id": export["id"]}, admin.token))["node"][
        "status"
    ] == "AWAITING_APPROVAL"
    link = await client.errors(LINK, {"id": export["id"]}, admin.token)
    assert link[0]["extensions"]["code"] == "INVALID_TRANSITION"

    waiting = (await client.execute(MY_APPROVALS, None, manager.token))["myApprovals"]["nodes"]
    assert len(waiting) == 1
    decided = (
        await client.execute(DECIDE, {"requestId": waiting[0]["id"], "decision": "APPROVE"}, manager.token)
    )["decideApproval"]
    assert decided["errors"] == []
    assert (await client.execute(EXPORT, {"id": export["id"]}, admin.token))["node"]["status"] == "QUEUED"
    await run_exports(app)
    assert (await client.execute(EXPORT, {"id": export["id"]}, admin.token))["node"]["writtenRows"] == 2
    # Only the requester downloads, even a manager who approved it cannot.
    assert (await client.errors(LINK, {"id": export["id"]}, manager.token))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"

    rejected = (await request(client, admin, objectType="account"))["dataExport"]
    waiting = (await client.execute(MY_APPROVALS, None, manager.token))["myApprovals"]["nodes"]
    await client.execute(DECIDE, {"requestId": waiting[0]["id"], "decision": "REJECT"}, manager.token)
    assert (await client.execute(EXPORT, {"id": rejected["id"]}, admin.token))["node"]["status"] == "REJECTED"


async def test_exports_need_the_export_capability_and_valid_input(client, app):
    admin = await client.sign_up()
    sales = await client.add_member(admin, "sales")
    refused = await client.refused(
        REQUEST, {"input": {"objectType": "account", "purpose": "x"}}, sales.token, "requestExport"
    )
    assert refused == [(None, "PERMISSION_DENIED")]
    bad = await request(client, admin, objectType="invoice")
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("objectType", "INVALID")]
    bad = await request(client, admin, objectType="account", purpose="  ")
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("purpose", "REQUIRED")]
    bad = await request(client, admin, objectType="account", contactFilter={"tag": "x"})
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("objectType", "INVALID")]
    bad = (await client.execute(SETTINGS, {"n": -1}, admin.token))["setExportSettings"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("approvalThreshold", "INVALID")]
    assert (await client.refused(SETTINGS, {"n": 5}, sales.token, "setExportSettings")) == [
        (None, "PERMISSION_DENIED")
    ]


@pytest.mark.parametrize("table", ["data_exports", "export_settings"])
async def test_another_tenant_sees_no_export(client, app, db, table):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    await client.execute(SETTINGS, {"n": 100}, admin.token)
    export = (await request(client, admin, objectType="account"))["dataExport"]
    await run_exports(app)
    assert (await client.execute(EXPORT, {"id": export["id"]}, other.token))["node"] is None
    assert (await client.errors(LINK, {"id": export["id"]}, other.token))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        assert await connection.fetchval(f"select count(*) from {table}") == 1
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
        assert await connection.fetchval(f"select count(*) from {table}") == 0
        assert await connection.execute(f"delete from {table}") == "DELETE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
            await connection.execute(
                "insert into export_settings (tenant_id, approval_threshold) values ($1, 5)",
                uuid.UUID(admin.tenant_id),
            )


async def test_any_registered_list_exports_here_leads_without_their_hidden_fields(client, app):
    from tests.sales.leads.documents import create_lead

    admin = await client.sign_up()
    await create_lead(client, admin, firstName="Ada", lastName="Lovelace", notes="met at fair")
    await create_lead(client, admin, firstName="Grace", lastName="Hopper", email="grace@example.com")
    requested = await request(
        client, admin, objectType="lead", leadOrderBy=[{"field": "NAME", "direction": "ASC"}]
    )
    assert requested["errors"] == [] and requested["dataExport"]["rowCount"] == 2
    await run_exports(app)
    rows = list(
        csv.DictReader(
            io.StringIO((await download(client, admin, requested["dataExport"]["id"])).decode("utf-8-sig"))
        )
    )
    assert [(row["lastName"], row["email"], row["notes"]) for row in rows] == [
        ("Hopper", "grace@example.com", ""),
        ("Lovelace", "", "met at fair"),
    ]
    clerk = await client.add_member(admin, "viewer", "clerk")
    lead_grant = [
        {
            "objectType": "lead",
            "actions": ["READ"],
            "scope": "ALL",
            "fields": [{"field": "notes", "access": "HIDDEN"}, {"field": "country", "access": "HIDDEN"}],
        }
    ]
    role = await create_role(client, admin, "leadclerk", grants=lead_grant, capabilities=["EXPORT"])
    await assign(client, admin, clerk, role)
    hidden = await request(client, clerk, objectType="lead")
    assert hidden["dataExport"]["columns"] == [
        "id",
        "source",
        "firstName",
        "lastName",
        "email",
        "phone",
        "title",
        "companyName",
        "region",
        "status",
        "owner",
    ]
