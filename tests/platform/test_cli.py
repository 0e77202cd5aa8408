from __future__ import annotations

import asyncio
import re

import pytest
from strawberry import relay
from typer.testing import CliRunner

from config.settings import get_settings
from gateway.cli import app
from tests.support import PASSWORD, unique_email

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token tenant { id name } errors { code } } }"
ME = "{ me { role { key } } }"


@pytest.fixture
def cli(database_urls, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_urls.app)
    monkeypatch.setenv("CRM_ARGON2_MEMORY_KIB", "19456")
    monkeypatch.setenv("CRM_ARGON2_TIME_COST", "2")
    monkeypatch.setenv("CRM_ARGON2_PARALLELISM", "1")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_every_command_explains_itself(cli):
    for command in [[], ["serve"], ["migrate"], ["tenant", "create"], ["user", "create"], ["indexes"]]:
        result = cli.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


async def test_tenant_and_user_created_from_the_command_line_can_log_in(cli, client):
    admin_email, sales_email = unique_email("cli-admin"), unique_email("cli-sales")

    created = await asyncio.to_thread(
        cli.invoke,
        app,
        ["tenant", "create", "--name", "Cli Co", "--admin-email", admin_email, "--admin-password", PASSWORD],
    )
    assert created.exit_code == 0, created.output
    tenant_id = created.output.split()[1]
    added = await asyncio.to_thread(
        cli.invoke,
        app,
        [
            "user",
            "create",
            "--tenant-id",
            tenant_id,
            "--email",
            sales_email,
            "--password",
            PASSWORD,
            "--full-name",
            "Sam Sales",
            "--role",
            "sales",
        ],
    )
    assert added.exit_code == 0, added.output

    session = (await client.execute(LOGIN, {"i": {"email": sales_email, "password": PASSWORD}}))["login"]
    # The CLI speaks raw UUIDs (operators, SQL); the API the Tenant's global id.
    assert session["tenant"] == {"id": str(relay.GlobalID("Tenant", tenant_id)), "name": "Cli Co"}
    assert (await client.execute(ME, token=session["token"]))["me"]["role"]["key"] == "sales"


def test_command_line_errors_are_clear(cli):
    weak = cli.invoke(
        app, ["tenant", "create", "--name", "X", "--admin-email", unique_email(), "--admin-password", "short"]
    )
    unknown_role = cli.invoke(
        app,
        [
            "user",
            "create",
            "--tenant-id",
            "00000000-0000-0000-0000-000000000000",
            "--email",
            unique_email(),
            "--password",
            PASSWORD,
            "--role",
            "sales",
        ],
    )

    assert weak.exit_code == 1 and "WEAK_PASSWORD" in weak.output
    assert unknown_role.exit_code == 1 and "NOT_FOUND" in unknown_role.output


async def test_tenant_create_takes_a_locale_and_base_currency(cli, client):
    email = unique_email("cli-zh")
    arguments = ["tenant", "create", "--name", "Hualei", "--admin-email", email, "--admin-password", PASSWORD]
    created = await asyncio.to_thread(cli.invoke, app, [*arguments, "--locale", "zh-CN"])
    assert created.exit_code == 0, created.output
    session = (await client.execute(LOGIN, {"i": {"email": email, "password": PASSWORD}}))["login"]
    settings = await client.execute("{ currencySettings { baseCurrency locale } }", token=session["token"])
    assert settings["currencySettings"] == {"baseCurrency": "CNY", "locale": "zh-CN"}

    bad = await asyncio.to_thread(
        cli.invoke, app, [*arguments[:5], unique_email(), *arguments[6:], "--base-currency", "ABC"]
    )
    assert bad.exit_code == 1 and "baseCurrency" in bad.output and "ISO 4217" in bad.output


async def test_indexes_command_reconciles_the_custom_field_indexes_as_the_owner(
    cli, database_urls, monkeypatch
):
    monkeypatch.setenv("MIGRATION_DATABASE_URL", database_urls.owner)
    get_settings.cache_clear()
    first = await asyncio.to_thread(cli.invoke, app, ["indexes"])
    again = await asyncio.to_thread(cli.invoke, app, ["indexes"])

    assert first.exit_code == 0, first.output
    assert re.fullmatch(r"created \d+, dropped \d+\n", first.output)
    assert again.exit_code == 0 and again.output == "created 0, dropped 0\n"
