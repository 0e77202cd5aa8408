"""The public customer pool: listing, claim with a cap, release with a reason, settings, the reclaim job
under a controllable clock, and the tenant wall."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from gateway.cli import app as cli
from gateway.jobs import run_jobs
from graph.crm.pool_reclaim import reclaim_neglected_accounts
from tests.crm.documents import ACCOUNT, ACCOUNTS, create_account, create_activity, error_pairs
from tests.crm.pool_documents import (
    CLAIM_ACCOUNT,
    POOL_HISTORY,
    POOL_SETTINGS,
    PUBLIC_POOL,
    RELEASE_ACCOUNT,
    UPDATE_POOL_SETTINGS,
    set_pool_settings,
)
from tests.crm.sql import backdate_accounts, put_in_team, raw_id

AUDIT = "{ auditLog(first: 100) { edges { node { action objectId changes } } } }"


async def claim(client, member, account_id):
    return await client.mutate(CLAIM_ACCOUNT, {"id": account_id}, member.token, "claimAccount")


async def release(client, member, account_id, reason="Not a fit for me"):
    variables = {"id": account_id, "reason": reason}
    return await client.mutate(RELEASE_ACCOUNT, variables, member.token, "releaseAccount")


async def history(client, member, account_id):
    data = await client.execute(POOL_HISTORY, {"accountId": account_id}, member.token)
    return [edge["node"] for edge in data["poolHistory"]["edges"]]


async def test_release_then_another_rep_claims_with_history_and_audit(client):
    admin = await client.sign_up()
    first = await client.add_member(admin, "sales", "first")
    second = await client.add_member(admin, "sales", "second")
    account = await create_account(client, admin, name="Globex", ownerId=first.user_id)

    released = await release(client, first, account["id"], "Moving to enterprise")
    assert (released["errors"], released["account"]["owner"], released["account"]["version"]) == ([], None, 2)
    pool = (await client.execute(PUBLIC_POOL, {}, second.token))["publicPool"]
    assert [e["node"]["name"] for e in pool["edges"]] == ["Globex"]

    claimed = await claim(client, second, account["id"])
    assert (claimed["errors"], claimed["account"]["owner"]["id"]) == ([], second.user_id)
    assert (await client.execute(PUBLIC_POOL, {}, second.token))["publicPool"]["totalCount"] == 0
    events = await history(client, second, account["id"])
    assert [(e["kind"], e["owner"]["id"], e["actor"]["id"], e["reason"]) for e in events] == [
        ("CLAIMED", second.user_id, second.user_id, None),
        ("RELEASED", first.user_id, first.user_id, "Moving to enterprise"),
    ]
    actions = [
        e["node"]["action"] for e in (await client.execute(AUDIT, {}, admin.token))["auditLog"]["edges"]
    ]
    assert {"account.release", "account.claim"} <= set(actions)
    # The former owner no longer sees it, nor its history.
    assert (await client.execute(ACCOUNT, {"id": account["id"]}, first.token))["account"] is None
    assert await history(client, first, account["id"]) == []


async def test_release_checks_reason_owner_and_state(client, db):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    rep = await client.add_member(admin, "sales", "rep")
    viewer = await client.add_member(admin, "viewer", "viewer")
    await put_in_team(db, admin.tenant_id, "North", manager.user_id, rep.user_id)
    account = await create_account(client, admin, ownerId=rep.user_id)
    admins = await create_account(client, admin, name="Admin's")

    assert error_pairs(await release(client, rep, account["id"], " ")) == [("reason", "REQUIRED")]
    assert error_pairs(await release(client, rep, account["id"], "x" * 501)) == [("reason", "TOO_LONG")]
    assert error_pairs(await release(client, manager, account["id"])) == [("id", "PERMISSION_DENIED")]
    assert error_pairs(await release(client, rep, admins["id"])) == [("id", "NOT_FOUND")]
    assert error_pairs(await release(client, viewer, account["id"])) == [(None, "PERMISSION_DENIED")]
    assert (await release(client, rep, account["id"]))["errors"] == []
    assert error_pairs(await release(client, rep, account["id"])) == [("id", "NOT_FOUND")]
    assert error_pairs(await release(client, admin, account["id"])) == [("id", "INVALID_TRANSITION")]


async def test_claim_cap_conflicts_and_permissions(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    viewer = await client.add_member(admin, "viewer", "viewer")
    await set_pool_settings(client, admin, maxAccountsPerRep=2)
    await create_account(client, admin, name="Already mine", ownerId=rep.user_id)
    pooled = []
    for name in ("A", "B"):
        account = await create_account(client, admin, name=name)
        await release(client, admin, account["id"], "To the pool")
        pooled.append(account)

    assert error_pairs(await claim(client, viewer, pooled[0]["id"])) == [(None, "PERMISSION_DENIED")]
    assert (await claim(client, rep, pooled[0]["id"]))["errors"] == []
    assert error_pairs(await claim(client, admin, pooled[0]["id"])) == [("id", "CONFLICT")]
    capped = await claim(client, rep, pooled[1]["id"])
    assert error_pairs(capped) == [("id", "LIMIT_REACHED")]
    assert error_pairs(await claim(client, rep, admin.user_id)) == [("id", "NOT_FOUND")]
    assert (await client.execute(PUBLIC_POOL, {}, rep.token))["publicPool"]["totalCount"] == 1


async def test_concurrent_claims_of_one_account_have_one_winner(client):
    admin = await client.sign_up()
    reps = [await client.add_member(admin, "sales", f"rep{i}") for i in range(4)]
    account = await create_account(client, admin)
    await release(client, admin, account["id"], "Open it up")

    results = await asyncio.gather(*(claim(client, rep, account["id"]) for rep in reps))

    assert sum(1 for r in results if r["errors"] == []) == 1
    assert sorted(error_pairs(r) for r in results if r["errors"]) == [[("id", "CONFLICT")]] * 3


async def test_public_pool_filters_and_paging(client):
    admin = await client.sign_up()
    for name, region in [("Alpha Corp", "North"), ("Beta Ltd", "South"), ("Gamma", "north")]:
        account = await create_account(client, admin, name=name, address={"region": region})
        await release(client, admin, account["id"], "Pool")
    await create_account(client, admin, name="Alpha Owned")

    async def names(filter=None, first=None):
        data = await client.execute(PUBLIC_POOL, {"filter": filter, "first": first}, admin.token)
        return [e["node"]["name"] for e in data["publicPool"]["edges"]]

    assert await names() == ["Alpha Corp", "Beta Ltd", "Gamma"]
    assert await names({"search": "alpha"}) == ["Alpha Corp"]
    assert await names({"region": "NORTH"}) == ["Alpha Corp", "Gamma"]
    assert await names(first=2) == ["Alpha Corp", "Beta Ltd"]
    errors = await client.errors(PUBLIC_POOL, {"first": 101}, admin.token)
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_pool_settings_need_the_capability_and_valid_values(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    settings = (await client.execute(POOL_SETTINGS, {}, manager.token))["poolSettings"]
    assert settings == {
        "maxAccountsPerRep": 200,
        "reclaimInactiveDays": None,
        "reclaimNoOpportunityDays": None,
        "warningDays": 3,
        "version": 1,
    }

    def update(member, version, values):
        return client.mutate(
            UPDATE_POOL_SETTINGS, {"version": version, "input": values}, member.token, "updatePoolSettings"
        )

    denied = await update(manager, 1, {"reclaimInactiveDays": 30})
    assert error_pairs(denied) == [(None, "PERMISSION_DENIED")]
    bad = await update(admin, 1, {"reclaimInactiveDays": 0, "warningDays": None})
    assert error_pairs(bad) == [("reclaimInactiveDays", "INVALID"), ("warningDays", "INVALID")]
    stale = await update(admin, 3, {"reclaimInactiveDays": 30})
    assert error_pairs(stale) == [("version", "CONFLICT")]
    done = await update(admin, 1, {"reclaimInactiveDays": 30, "maxAccountsPerRep": None})
    assert (done["errors"], done["settings"]["reclaimInactiveDays"], done["settings"]["version"]) == (
        [],
        30,
        2,
    )


async def run_reclaim(services, tenant_id, at):
    async with services.db.transaction(uuid.UUID(tenant_id)) as session:
        return await reclaim_neglected_accounts(session, uuid.UUID(tenant_id), at)


async def test_reclaim_job_warns_once_then_returns_neglected_accounts(client, services, db):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    now = datetime.now(UTC)
    quiet = await create_account(client, admin, name="Quiet", ownerId=rep.user_id)
    busy = await create_account(client, admin, name="Busy", ownerId=rep.user_id)
    # Both created 20 days ago; the rep called Busy just now (a done activity: contact).
    await backdate_accounts(db, admin.tenant_id, 20, quiet["id"], busy["id"])
    await create_activity(client, rep, kind="CALL", accountId=busy["id"])
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=40)) == "reclaim rules off"
    await set_pool_settings(client, admin, reclaimInactiveDays=30, warningDays=5)

    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=4)) == "reclaimed 0, warned 0"
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=6)) == "reclaimed 0, warned 1"
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=6)) == "reclaimed 0, warned 0"
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=8)) == "reclaimed 0, warned 0"
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=11)) == "reclaimed 1, warned 0"
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=11)) == "reclaimed 0, warned 0"

    assert (await client.execute(ACCOUNT, {"id": quiet["id"]}, admin.token))["account"]["owner"] is None
    assert (await client.execute(ACCOUNT, {"id": busy["id"]}, admin.token))["account"]["owner"][
        "id"
    ] == rep.user_id
    events = await history(client, admin, quiet["id"])
    assert [(e["kind"], e["owner"]["id"], e["actor"]) for e in events] == [
        ("RECLAIMED", rep.user_id, None),
        ("WARNED", rep.user_id, None),
    ]
    assert events[0]["reason"].startswith("No activity for 30 days")
    assert events[1]["deadline"] is not None
    entries = [e["node"] for e in (await client.execute(AUDIT, {}, admin.token))["auditLog"]["edges"]]
    assert [e["action"] for e in entries].count("account.reclaim_warning") == 1
    reclaim = next(e for e in entries if e["action"] == "account.reclaim")
    assert reclaim["objectId"] == quiet["id"]
    assert reclaim["changes"]["owner_id"] == [str(raw_id(rep.user_id)), None]
    # The busy account's deadline is 30 days after its activity: it is warned in turn, later.
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=26)) == "reclaimed 0, warned 1"


async def test_reclaim_runs_through_run_jobs_and_the_command_line(
    client, services, db, database_urls, monkeypatch
):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    first = await create_account(client, admin, name="First", ownerId=rep.user_id)
    second = await create_account(client, admin, name="Second", ownerId=rep.user_id)
    await set_pool_settings(client, admin, reclaimInactiveDays=10, warningDays=0)
    await backdate_accounts(db, admin.tenant_id, 5, first["id"], second["id"])
    await create_activity(client, rep, kind="CALL", accountId=second["id"])
    at = datetime.now(UTC) + timedelta(days=6)

    outcomes = await run_jobs(services.db, at, only="pool.reclaim")
    mine = [o for o in outcomes if o.tenant_id == uuid.UUID(admin.tenant_id)]
    assert [(o.summary, o.failed) for o in mine] == [("reclaimed 1, warned 0", False)]
    assert (await client.execute(ACCOUNT, {"id": first["id"]}, admin.token))["account"]["owner"] is None

    later = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%S")
    monkeypatch.setenv("DATABASE_URL", database_urls.app)
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(
            CliRunner().invoke, cli, ["jobs", "run", "--job", "pool.reclaim", "--at", later]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"pool.reclaim {admin.tenant_id}: reclaimed 1, warned 0" in result.output
    owned = (await client.execute(ACCOUNTS, {"filter": {"ownerId": rep.user_id}}, admin.token))["accounts"]
    assert owned["totalCount"] == 0


async def test_other_tenant_cannot_see_or_touch_the_pool(client):
    a = await client.sign_up("Tenant A")
    account = await create_account(client, a, name="A pooled")
    await release(client, a, account["id"], "Pool")
    b = await client.sign_up("Tenant B")

    assert (await client.execute(PUBLIC_POOL, {}, b.token))["publicPool"]["totalCount"] == 0
    assert error_pairs(await claim(client, b, account["id"])) == [("id", "NOT_FOUND")]
    assert error_pairs(await release(client, b, account["id"])) == [("id", "NOT_FOUND")]
    assert await history(client, b, account["id"]) == []
    assert (await client.execute(POOL_SETTINGS, {}, b.token))["poolSettings"]["version"] == 1
    assert (await client.execute(ACCOUNT, {"id": account["id"]}, a.token))["account"]["version"] == 2


async def test_sql_wall_and_append_only_history(client, db):
    a = await client.sign_up("Tenant A")
    account = await create_account(client, a, name="A pooled")
    await release(client, a, account["id"], "Pool")
    await set_pool_settings(client, a, warningDays=4)
    b = await client.sign_up("Tenant B")
    account_id, tenant_a = raw_id(account["id"]), uuid.UUID(a.tenant_id)
    connection = await db.connect()
    tables = {
        "account_pool_settings": ("tenant_id", tenant_a),
        "account_pool_events": ("account_id", account_id),
    }

    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
        for table, (column, value) in tables.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 0
        updated = await connection.execute(
            "update account_pool_settings set warning_days = 9 where tenant_id = $1", tenant_a
        )
        assert updated == "UPDATE 0"
        assert (
            await connection.execute("delete from account_pool_settings where tenant_id = $1", tenant_a)
            == "DELETE 0"
        )
    for statement, arguments in [
        ("insert into account_pool_settings (tenant_id) values ($1)", [tenant_a]),
        (
            "insert into account_pool_events (tenant_id, id, account_id, kind, occurred_at)"
            " values ($1, $2, $3, 'claimed', now())",
            [tenant_a, uuid.uuid4(), account_id],
        ),
    ]:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", b.tenant_id)
                await connection.execute(statement, *arguments)
    for statement in ("update account_pool_events set reason = 'x'", "delete from account_pool_events"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
                await connection.execute(statement)
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", a.tenant_id)
        for table, (column, value) in tables.items():
            assert await connection.fetchval(f"select count(*) from {table} where {column} = $1", value) == 1


async def test_reclaim_accounts_without_an_open_opportunity(client, services):
    from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named

    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    now = datetime.now(UTC)
    idle = await create_account(client, admin, name="Idle", ownerId=rep.user_id)
    dealing = await create_account(client, admin, name="Dealing", ownerId=rep.user_id)
    closed = await create_account(client, admin, name="Closed", ownerId=rep.user_id)
    await create_opportunity(client, admin, dealing["id"])
    lost = await create_opportunity(client, admin, closed["id"])
    await moved(
        client,
        admin,
        lost,
        stage_named(await default_pipeline(client, admin), "Lost")["id"],
        lostReason="price",
    )
    await set_pool_settings(client, admin, reclaimNoOpportunityDays=20, warningDays=2)

    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=19)) == "reclaimed 0, warned 2"
    assert await run_reclaim(services, admin.tenant_id, now + timedelta(days=21)) == "reclaimed 2, warned 0"

    owners = {}
    for name, account in [("idle", idle), ("dealing", dealing), ("closed", closed)]:
        owner = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]["owner"]
        owners[name] = owner["id"] if owner else None
    assert owners == {"idle": None, "dealing": rep.user_id, "closed": None}
    events = await history(client, admin, idle["id"])
    assert events[0]["kind"] == "RECLAIMED"
    assert events[0]["reason"].startswith("No open opportunity for 20 days")
