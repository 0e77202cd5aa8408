"""`crm schema export|check` (the schema contract) and `crm rate-limits show|set` (the platform's
per-tenant overrides of the rate-limit buckets)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated

import asyncpg
import typer

from config.settings import get_settings
from gateway.contract import RELEASE_FILE, SCHEMA_FILE, built_sdl, check_contract
from gateway.database import resolve_database

schema_app = typer.Typer(help="The schema contract: the SDL in the repository.", no_args_is_help=True)
rate_limits_app = typer.Typer(help="Per-tenant rate limits (the platform's overrides).", no_args_is_help=True)

LIMIT_NAMES = (
    "tenant_burst",
    "tenant_per_minute",
    "user_burst",
    "user_per_minute",
    "key_burst",
    "key_per_minute",
)


@schema_app.command("export")
def schema_export(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the schema this code builds as SDL (commit it with the change that made it)."""
    output.write_text(built_sdl())
    typer.echo(f"wrote {output}")


@schema_app.command("check")
def schema_check(
    schema: Annotated[Path, typer.Option(help="The checked-in SDL.")] = SCHEMA_FILE,
    release: Annotated[Path, typer.Option(help="The last release's SDL.")] = RELEASE_FILE,
) -> None:
    """Fail when the checked-in SDL is not the built schema, or when the schema breaks the release's
    clients (removals pass only if the release had marked them @deprecated)."""
    checked_in = schema.read_text() if schema.exists() else ""
    report = check_contract(built_sdl(), checked_in, release.read_text())
    if report.stale_export:
        typer.secho(f"{schema} is not the built schema: run `crm schema export` and commit it.", fg="red")
    for change in report.breaking:
        typer.secho(f"breaking: {change}", fg="red")
    for change in report.deprecated_removals:
        typer.echo(f"removed after deprecation: {change}")
    if not report.ok:
        raise typer.Exit(1)
    typer.echo("schema contract ok")


@rate_limits_app.command("show")
def rate_limits_show(tenant_id: Annotated[uuid.UUID, typer.Argument(help="The tenant's UUID.")]) -> None:
    """The tenant's overrides (empty: the server's defaults, CRM_RATE_LIMIT_*)."""
    row = asyncio.run(owner_statement(tenant_id, "select * from tenant_api_settings where tenant_id = $1"))
    shown = {name: row[name] for name in LIMIT_NAMES} if row else {}
    typer.echo(", ".join(f"{k}={v}" for k, v in shown.items() if v is not None) or "server defaults")


@rate_limits_app.command("set")
def rate_limits_set(
    tenant_id: Annotated[uuid.UUID, typer.Argument(help="The tenant's UUID.")],
    tenant_burst: Annotated[
        int | None, typer.Option(min=1, help="Points the tenant may spend at once.")
    ] = None,
    tenant_per_minute: Annotated[
        int | None, typer.Option(min=1, help="The tenant's refill per minute.")
    ] = None,
    user_burst: Annotated[int | None, typer.Option(min=1, help="Points a member may spend at once.")] = None,
    user_per_minute: Annotated[int | None, typer.Option(min=1, help="A member's refill per minute.")] = None,
    key_burst: Annotated[int | None, typer.Option(min=1, help="Points an API key may spend at once.")] = None,
    key_per_minute: Annotated[int | None, typer.Option(min=1, help="An API key's refill per minute.")] = None,
    reset: Annotated[bool, typer.Option(help="Back to the server's defaults for every bucket.")] = False,
) -> None:
    """Override the tenant's buckets (as the owner: the application role cannot); options not given
    keep their current value."""
    given = {
        "tenant_burst": tenant_burst,
        "tenant_per_minute": tenant_per_minute,
        "user_burst": user_burst,
        "user_per_minute": user_per_minute,
        "key_burst": key_burst,
        "key_per_minute": key_per_minute,
    }
    values = [None if reset else given[name] for name in LIMIT_NAMES]
    keep = "excluded.{0}" if reset else "coalesce(excluded.{0}, tenant_api_settings.{0})"
    updates = ", ".join(f"{name} = {keep.format(name)}" for name in LIMIT_NAMES)
    statement = (
        f"insert into tenant_api_settings (tenant_id, {', '.join(LIMIT_NAMES)})"
        " values ($1, $2, $3, $4, $5, $6, $7)"
        f" on conflict (tenant_id) do update set {updates}, updated_at = now() returning *"
    )
    row = asyncio.run(owner_statement(tenant_id, statement, *values))
    typer.echo(
        ", ".join(f"{name}={row[name]}" for name in LIMIT_NAMES if row[name] is not None) or "server defaults"
    )


async def owner_statement(tenant_id: uuid.UUID, statement: str, *values: object) -> asyncpg.Record | None:
    """One statement as the owner, inside the tenant (RLS is forced on the owner too)."""
    owner_url = resolve_database(get_settings()).owner_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(owner_url)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
            return await connection.fetchrow(statement, tenant_id, *values)
    finally:
        await connection.close()
