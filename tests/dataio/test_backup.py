"""Tenant backup and restore: a round trip reproduces the data, through the API and row by row."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

from strawberry import relay
from typer.testing import CliRunner

from graph.dataio.backup import TenantNotEmpty, backup_tenant, restore_tenant, tenant_tables
from tests.crm.documents import CREATE_ACCOUNT
from tests.dataio.support import upload
from tests.support import PASSWORD

CREATE_FIELD = """
mutation F($input: CreateFieldDefinitionInput!) { createFieldDefinition(input: $input) { errors { field code } } }"""
CREATE_CONTACT = """
mutation C($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { field code } } }"""
LINK = """
mutation L($input: LinkContactToAccountInput!) { linkContactToAccount(input: $input) { errors { field code } } }"""
SNAPSHOT = """
{ accounts(first: 50, orderBy: [{field: NAME, direction: ASC}]) { nodes {
    name industry tags contactCount customFields parent { name } owner { email }
    contacts(first: 10) { nodes { fullName emails } } } }
  contacts(first: 50, orderBy: [{field: NAME, direction: ASC}]) { nodes { fullName emails customFields } }
  documents(first: 10) { nodes { name size sha256 } }
  roles { nodes { key name } }
  fieldDefinitions(objectType: "account") { nodes { key label type } } }"""
LOGIN = """
mutation L($input: LoginInput!) { login(input: $input) { token errors { field code } } }"""
DOWNLOAD = "query D($id: ID!) { downloadUrl(documentId: $id) { url } }"
NODE = "query N($id: ID!) { node(id: $id) { id } }"


async def test_a_backup_restored_into_a_new_tenant_answers_the_same(client, app, db, tmp_path):
    admin = await client.sign_up("Source")
    await client.execute(
        CREATE_FIELD,
        {"input": {"objectType": "account", "key": "score", "label": "Score", "type": "INTEGER"}},
        admin.token,
    )
    parent = (
        await client.execute(
            CREATE_ACCOUNT, {"input": {"name": "Parent Holdings", "custom": {"score": 7}}}, admin.token
        )
    )["createAccount"]["account"]
    child = (
        await client.execute(
            CREATE_ACCOUNT,
            {"input": {"name": "Child GmbH", "parentId": parent["id"], "tags": ["a"], "industry": "Tools"}},
            admin.token,
        )
    )["createAccount"]["account"]
    contact = (
        await client.execute(
            CREATE_CONTACT,
            {"input": {"firstName": "伟", "lastName": "张", "emails": ["z@example.com"]}},
            admin.token,
        )
    )["createContact"]["contact"]
    linked = await client.execute(
        LINK, {"input": {"contactId": contact["id"], "accountId": child["id"]}}, admin.token
    )
    assert linked["linkContactToAccount"]["errors"] == []
    await upload(client, admin, b"name,city\nA,B\n", "notes.csv")
    before = await client.execute(SNAPSHOT, None, admin.token)

    services = app.state.services
    archive = tmp_path / "backup.zip"
    manifest = await backup_tenant(services.db, services.blobs, uuid.UUID(admin.tenant_id), archive)
    assert manifest["rows"]["accounts"] == 2 and manifest["blobs"] == 1
    assert "contact_match_keys" not in manifest["tables"]
    with zipfile.ZipFile(archive) as opened:
        assert json.loads(opened.read("manifest.json"))["format"] == "crm-tenant-backup/1"

    restored = await restore_tenant(services.db, services.blobs, archive, "Restored")
    assert str(restored) != admin.tenant_id
    source_counts = await row_counts(db, admin.tenant_id, manifest["tables"])
    assert await row_counts(db, str(restored), manifest["tables"]) == source_counts
    assert source_counts == manifest["rows"]

    # The same member signs in to the restored tenant and gets the same answers.
    tenant_id = str(relay.GlobalID("Tenant", str(restored)))
    login = (
        await client.execute(
            LOGIN, {"input": {"email": admin.email, "password": PASSWORD, "tenantId": tenant_id}}
        )
    )["login"]
    assert login["errors"] == [], login
    after = await client.execute(SNAPSHOT, None, login["token"])
    assert after == before
    document_id = (await client.execute("{ documents(first: 1) { nodes { id } } }", None, login["token"]))[
        "documents"
    ]["nodes"][0]["id"]
    link = (await client.execute(DOWNLOAD, {"id": document_id}, login["token"]))["downloadUrl"]
    assert (await client.http.get(link["url"])).content == b"name,city\nA,B\n"
    # The source is untouched, and the two tenants share no row.
    assert await client.execute(SNAPSHOT, None, admin.token) == before
    assert (await client.execute(NODE, {"id": child["id"]}, login["token"]))["node"] is None


async def row_counts(db, tenant_id: str, tables: list[str]) -> dict[str, int]:
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        return {table: await connection.fetchval(f"select count(*) from {table}") for table in tables}


async def test_every_tenant_table_is_found_in_the_catalog_and_derived_ones_are_left_out(app):
    async with app.state.services.db.transaction() as session:
        tables = [table.name for table in await tenant_tables(session)]
    assert {"accounts", "contacts", "contact_accounts", "documents", "data_imports", "audit_log"} <= set(
        tables
    )
    assert not {"contact_match_keys", "opportunity_stage_rollups", "opportunity_close_rollups"} & set(tables)
    assert not {"opportunity_close_span_rollups", "funnel_rollups", "customer_rollups"} & set(tables)
    assert not {"activity_day_rollups", "customer_span_rollups", "report_refreshes"} & set(tables)
    assert not {"user_sessions", "mfa_challenges", "invitations", "api_keys"} & set(tables)
    assert tables.index("accounts") < tables.index("contact_accounts") > tables.index("contacts")


async def test_the_command_line_backs_up_and_restores_a_tenant(client, database_urls, monkeypatch, tmp_path):
    from config.settings import get_settings
    from gateway.cli import app as cli_app

    admin = await client.sign_up("Cli Source")
    await client.execute(CREATE_ACCOUNT, {"input": {"name": "Acme"}}, admin.token)
    monkeypatch.setenv("DATABASE_URL", database_urls.app)
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        archive = tmp_path / "cli.zip"
        backed = await asyncio.to_thread(
            runner.invoke,
            cli_app,
            ["tenant", "backup", "--tenant-id", admin.tenant_id, "--out", str(archive)],
        )
        assert backed.exit_code == 0, backed.output
        assert backed.output.startswith(f"{archive}: ")
        restored = await asyncio.to_thread(
            runner.invoke, cli_app, ["tenant", "restore", "--archive", str(archive), "--name", "Cli Copy"]
        )
        assert restored.exit_code == 0, restored.output
        over = await asyncio.to_thread(
            runner.invoke,
            cli_app,
            ["tenant", "restore", "--archive", str(archive), "--into", admin.tenant_id],
        )
        assert over.exit_code == 2 and "The tenant is not empty: it has accounts" in over.output, over.output
    finally:
        get_settings.cache_clear()
    tenant_id = str(relay.GlobalID("Tenant", restored.output.split()[1]))
    login = (
        await client.execute(
            LOGIN, {"input": {"email": admin.email, "password": PASSWORD, "tenantId": tenant_id}}
        )
    )["login"]
    names = await client.execute("{ accounts(first: 5) { nodes { name } } }", None, login["token"])
    assert names == {"accounts": {"nodes": [{"name": "Acme"}]}}


REQUEST_BACKUP = "mutation { requestTenantBackup { backup { id status } errors { field code } } }"
BACKUP_NODE = "query B($id: ID!) { node(id: $id) { ... on TenantBackup { id status rowCount size } } }"
BACKUP_URL = "query U($id: ID!) { tenantBackupUrl(id: $id) { url } }"


async def test_the_owner_backs_up_through_the_api_and_nobody_else_can(client, app, db):
    from gateway.jobs import run_jobs
    from storage import use_blob_store

    admin = await client.sign_up("Api Source")
    sales = await client.add_member(admin, "sales")
    other = await client.sign_up("Other")
    await client.execute(CREATE_ACCOUNT, {"input": {"name": "Acme"}}, admin.token)
    assert await client.refused(REQUEST_BACKUP, None, sales.token, "requestTenantBackup") == [
        (None, "PERMISSION_DENIED")
    ]
    backup = (await client.execute(REQUEST_BACKUP, None, admin.token))["requestTenantBackup"]["backup"]
    assert backup["status"] == "queued"
    use_blob_store(app.state.services.blobs)
    outcomes = await run_jobs(app.state.services.db, datetime.now(UTC), "backups.run")
    assert not [outcome for outcome in outcomes if outcome.failed]
    done = (await client.execute(BACKUP_NODE, {"id": backup["id"]}, admin.token))["node"]
    assert done["status"] == "done" and done["rowCount"] > 0
    url = (await client.execute(BACKUP_URL, {"id": backup["id"]}, admin.token))["tenantBackupUrl"]["url"]
    with zipfile.ZipFile(io.BytesIO((await client.http.get(url)).content)) as archive:
        assert json.loads(archive.read("manifest.json"))["tenant_id"] == admin.tenant_id
    assert (await client.execute(BACKUP_NODE, {"id": backup["id"]}, sales.token))["node"] is None
    assert (await client.execute(BACKUP_NODE, {"id": backup["id"]}, other.token))["node"] is None
    assert (await client.errors(BACKUP_URL, {"id": backup["id"]}, other.token))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
        assert await connection.fetchval("select count(*) from tenant_backups") == 0
        assert await connection.execute("update tenant_backups set status = 'failed'") == "UPDATE 0"


SCHEDULE = "mutation S($d: Int, $k: Int!) { setBackupSchedule(everyDays: $d, keep: $k) { schedule { everyDays keep } errors { field code } } }"
BACKUPS = "{ tenantBackups { nodes { id status } } }"


async def test_scheduled_backups_run_when_due_and_only_the_newest_are_kept(client, app):
    from datetime import timedelta

    from gateway.jobs import run_jobs
    from storage import use_blob_store

    admin = await client.sign_up("Scheduled")
    sales = await client.add_member(admin, "sales")
    assert await client.refused(SCHEDULE, {"d": 1, "k": 2}, sales.token, "setBackupSchedule") == [
        (None, "PERMISSION_DENIED")
    ]
    bad = (await client.execute(SCHEDULE, {"d": 0, "k": 2}, admin.token))["setBackupSchedule"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("everyDays", "INVALID")]
    saved = (await client.execute(SCHEDULE, {"d": 1, "k": 2}, admin.token))["setBackupSchedule"]
    assert saved == {"schedule": {"everyDays": 1, "keep": 2}, "errors": []}
    use_blob_store(app.state.services.blobs)
    start = datetime.now(UTC) + timedelta(days=1)

    async def run(at: datetime) -> None:
        outcomes = await run_jobs(app.state.services.db, at, "backups.run")
        assert not [outcome for outcome in outcomes if outcome.failed]

    await run(start)
    await run(start + timedelta(hours=1))  # not due again yet
    assert len((await client.execute(BACKUPS, None, admin.token))["tenantBackups"]["nodes"]) == 1
    await run(start + timedelta(days=1, hours=1))
    await run(start + timedelta(days=2, hours=2))
    kept = (await client.execute(BACKUPS, None, admin.token))["tenantBackups"]["nodes"]
    assert [backup["status"] for backup in kept] == ["done", "done"]
    keys = [info.key async for info in app.state.services.blobs.list(f"tenants/{admin.tenant_id}/backups/")]
    assert len(keys) == 2


async def test_a_backup_restores_into_an_existing_empty_tenant_and_never_over_data(client, app, db, tmp_path):
    source = await client.sign_up("Source Ltd")
    await client.execute(CREATE_ACCOUNT, {"input": {"name": "Acme", "tags": ["x"]}}, source.token)
    await upload(client, source, b"name\nA\n", "one.csv")
    before = await client.execute(SNAPSHOT, None, source.token)
    services = app.state.services
    archive = tmp_path / "backup.zip"
    manifest = await backup_tenant(services.db, services.blobs, uuid.UUID(source.tenant_id), archive)

    # A tenant holding data is refused, and left as it was.
    busy = await client.sign_up("Busy")
    await client.execute(CREATE_ACCOUNT, {"input": {"name": "Mine"}}, busy.token)
    try:
        await restore_tenant(services.db, services.blobs, archive, None, uuid.UUID(busy.tenant_id))
    except TenantNotEmpty as error:
        assert str(error) == "The tenant is not empty: it has accounts. Restore into a new or empty tenant."
    else:
        raise AssertionError("restored over data")
    mine = await client.execute("{ accounts(first: 5) { nodes { name } } }", None, busy.token)
    assert mine == {"accounts": {"nodes": [{"name": "Mine"}]}}

    # A tenant just signed up (roles, its first member, the default pipeline) takes the archive.
    empty = await client.sign_up("Empty Co")
    restored = await restore_tenant(services.db, services.blobs, archive, None, uuid.UUID(empty.tenant_id))
    assert str(restored) == empty.tenant_id
    tables = [t for t in manifest["tables"] if t not in ("audit_log", "login_events")]
    assert await row_counts(db, empty.tenant_id, tables) == {t: manifest["rows"][t] for t in tables}
    tenant_id = str(relay.GlobalID("Tenant", empty.tenant_id))
    login = (
        await client.execute(
            LOGIN, {"input": {"email": source.email, "password": PASSWORD, "tenantId": tenant_id}}
        )
    )["login"]
    assert login["errors"] == [], login
    assert await client.execute(SNAPSHOT, None, login["token"]) == before
    me = await client.execute("{ me { tenant { name } } }", None, login["token"])
    assert me == {"me": {"tenant": {"name": "Empty Co"}}}  # the tenant keeps its name
    # The empty tenant's own first member was not in the archive: no longer a member there.
    refused = (await client.post("{ me { tenant { name } } }", None, empty.token)).json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # No tenant of that id: refused.
    try:
        await restore_tenant(services.db, services.blobs, archive, None, uuid.uuid4())
    except TenantNotEmpty as error:
        assert str(error).startswith("No tenant ")
    else:
        raise AssertionError("restored into nothing")
