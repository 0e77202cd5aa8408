from __future__ import annotations

from sqlalchemy import func, select

from graph.crm.models import Account, Activity, Contact, ContactAccount
from graph.demo.tenants import load_demo

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token errors { code } } }"
OVERVIEW = """
{
  accounts(first: 100) {
    totalCount
    edges { node { name ancestors { name } contactCount owner { email } timeline(first: 1) { totalCount } } }
  }
}"""


async def test_demo_loader_builds_a_consistent_tenant_that_can_log_in(services, client):
    loaded, english = await load_demo(services, seed=7, account_count=25, unique=True)

    async with services.db.transaction(loaded.tenant_id) as session:
        account_count = await session.scalar(select(func.count()).select_from(Account))
        child_count = await session.scalar(select(func.count()).where(Account.parent_id.is_not(None)))
        contact_count = await session.scalar(select(func.count()).select_from(Contact))
        primaries = await session.scalar(select(func.count()).where(ContactAccount.is_primary.is_(True)))
        linked = await session.scalar(select(func.count(func.distinct(ContactAccount.account_id))))
        kinds = set(await session.scalars(select(Activity.kind).distinct()))
    login = (await client.execute(LOGIN, {"i": {"email": loaded.logins[0], "password": loaded.password}}))[
        "login"
    ]
    overview = (await client.execute(OVERVIEW, {}, login["token"]))["accounts"]

    assert english.tenant_id != loaded.tenant_id
    # 25 generated accounts, plus the story's customer and the accounts of its six other deals.
    assert (account_count, contact_count) == (loaded.accounts + 7, loaded.contacts + 1) == (32, contact_count)
    assert child_count > 0 and contact_count > 0
    assert primaries == linked
    assert kinds == {"call", "email", "meeting", "note", "task"}
    assert overview["totalCount"] == account_count
    assert any(edge["node"]["ancestors"] for edge in overview["edges"])
    # Every generated account has activities (the story's deal accounts start without).
    assert sum(edge["node"]["timeline"]["totalCount"] >= 1 for edge in overview["edges"]) >= loaded.accounts


async def test_demo_content_is_deterministic_for_a_seed(services):
    first, _ = await load_demo(services, seed=3, account_count=6, unique=True)
    second, _ = await load_demo(services, seed=3, account_count=6, unique=True)

    async def names(tenant_id):
        async with services.db.transaction(tenant_id) as session:
            return list(await session.scalars(select(Account.name).order_by(Account.name)))

    assert await names(first.tenant_id) == await names(second.tenant_id)
    assert (first.contacts, first.activities) == (second.contacts, second.activities)
    assert first.logins != second.logins


async def test_crm_demo_command_prints_a_working_login(database_urls, monkeypatch, client):
    import asyncio

    from typer.testing import CliRunner

    from config.settings import get_settings
    from gateway.cli import app

    monkeypatch.setenv("DATABASE_URL", database_urls.app)
    monkeypatch.setenv("CRM_ARGON2_MEMORY_KIB", "19456")
    monkeypatch.setenv("CRM_ARGON2_TIME_COST", "2")
    monkeypatch.setenv("CRM_ARGON2_PARALLELISM", "1")
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(
            CliRunner().invoke, app, ["demo", "--fresh", "--seed", "1", "--accounts", "4"]
        )
        refused = await asyncio.to_thread(CliRunner().invoke, app, ["demo", "--accounts", "0"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.strip().splitlines()[1:4])
    password = result.output.strip().splitlines()[-1].removeprefix("password: ")
    assert result.output.startswith("tenant ") and "4 accounts" in result.output
    login = (await client.execute(LOGIN, {"i": {"email": lines["admin"], "password": password}}))["login"]
    assert login["errors"] == [] and login["token"]
    assert refused.exit_code != 0


async def test_crm_demo_loads_the_readme_logins_once(database_urls, monkeypatch, client):
    import asyncio

    from typer.testing import CliRunner

    from config.settings import get_settings
    from gateway.cli import app
    from graph.demo.tenants import COMPANIES, DEMO_PASSWORD

    monkeypatch.setenv("DATABASE_URL", database_urls.app)
    get_settings.cache_clear()
    try:
        first = await asyncio.to_thread(CliRunner().invoke, app, ["demo", "--accounts", "1"])
        again = await asyncio.to_thread(CliRunner().invoke, app, ["demo", "--accounts", "1"])
    finally:
        get_settings.cache_clear()

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert again.output.startswith("demo already loaded")
    for company in COMPANIES:
        assert all(email in first.output for email, _, _ in company.logins)
        email = company.logins[1][0]
        login = (await client.execute(LOGIN, {"i": {"email": email, "password": DEMO_PASSWORD}}))["login"]
        assert login["errors"] == [] and login["token"]
