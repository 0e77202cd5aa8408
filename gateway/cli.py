"""The `crm` command line: serve, migrate, tenant/user administration, demo data."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from config.settings import get_settings
from gateway.cli_contract import rate_limits_app, schema_app
from gateway.database import ResolvedDatabase, migrate, resolve_database
from gateway.observability.logs import configure_logging
from gateway.services import Services
from migrations import pending_migrations
from migrations.legacy import MigrationRefused
from tenants.embedded import stop_embedded_server
from tenants.errors import DomainError

app = typer.Typer(help="Multi-tenant CRM and project-management GraphQL server.", no_args_is_help=True)
tenant_app = typer.Typer(help="Manage tenants.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
jobs_app = typer.Typer(help="Scheduled jobs (call from cron or a CronJob).", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
app.add_typer(schema_app, name="schema")
app.add_typer(rate_limits_app, name="rate-limits")

T = TypeVar("T")


def prepared_database(*, run_migrations: bool) -> ResolvedDatabase:
    settings = get_settings()
    database = resolve_database(settings)
    if run_migrations or database.embedded:
        try:
            migrate(settings, database)
        except MigrationRefused as refused:
            typer.secho(str(refused), fg="red", err=True)
            raise typer.Exit(1) from None
    return database


def with_services(database: ResolvedDatabase, work: Callable[[Services], Awaitable[T]]) -> T:
    async def run() -> T:
        services = Services.build(get_settings(), database.app_url)
        try:
            await services.db.verify_runtime_role()
            return await work(services)
        finally:
            await services.dispose()

    try:
        return asyncio.run(run())
    except DomainError as error:
        typer.secho(
            f"error: {error.message} ({error.code.value}{', ' + error.field if error.field else ''})",
            fg="red",
            err=True,
        )
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default CRM_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default CRM_PORT or 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="uvicorn worker processes (default: one per CPU core; one when embedded)."),
    ] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations first (always on when embedded).")
    ] = False,
) -> None:
    """Start the GraphQL server (GraphiQL at /graphql in development)."""
    import uvicorn

    settings = get_settings()
    database = prepared_database(run_migrations=migrate_first)
    refuse_pending_migrations(database)
    # Workers (and the factory below) read the resolved URL from the environment.
    os.environ["DATABASE_URL"] = database.app_url
    get_settings.cache_clear()
    typer.echo(
        f"crm: serving http://{host or settings.host}:{port or settings.port}/graphql "
        f"({settings.environment.value}, {'embedded' if database.embedded else 'external'} PostgreSQL)"
    )
    if database.embedded:
        # uvicorn shuts down gracefully on SIGTERM and then re-raises the signal with the handler it
        # found; Python's default handler would end the process before `finally` and atexit run,
        # leaving the embedded PostgreSQL running. This one exits through them instead.
        signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(0))
    try:
        uvicorn.run(
            "gateway.app:app_from_environment",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or default_workers(database.embedded),
            log_level="info",
            proxy_headers=False,
            # The C event loop and HTTP parser (uvicorn[standard]): a request costs less CPU on both.
            loop="uvloop",
            http="httptools",
        )
    finally:
        if database.embedded:
            stop_embedded_server(settings.data_dir)


def default_workers(embedded: bool) -> int:
    """One per CPU core against a real server; one on the embedded (development) database, whose start,
    migrations and shutdown the single process owns."""
    return 1 if embedded else os.cpu_count() or 1


def refuse_pending_migrations(database: ResolvedDatabase) -> None:
    """Code newer than the schema would fail at the first query that needs the change: refuse to start."""
    pending = asyncio.run(pending_migrations(database.app_url))
    if pending:
        typer.secho(
            f"crm: the database has pending migrations ({', '.join(pending)}). Apply them first with "
            "`crm migrate` (as the owner role, MIGRATION_DATABASE_URL), or start with `crm serve --migrate`.",
            fg="red",
            err=True,
        )
        raise typer.Exit(1)


@app.command("migrate")
def migrate_command() -> None:
    """Apply database migrations (as MIGRATION_DATABASE_URL, or the embedded owner role)."""
    prepared_database(run_migrations=True)
    typer.echo("crm: database is at the latest migration")


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Option(help="Tenant (company) name.")],
    admin_email: Annotated[str, typer.Option(help="Email of the first admin.")],
    admin_password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Their password.")],
    admin_name: Annotated[str, typer.Option(help="Full name of the first admin.")] = "Administrator",
    locale: Annotated[str | None, typer.Option(help="BCP 47 locale, e.g. zh-CN (default en-US).")] = None,
    base_currency: Annotated[
        str | None, typer.Option(help="ISO 4217 code; default the currency of the locale's country.")
    ] = None,
) -> None:
    """Create a tenant with its built-in roles and first admin."""

    async def work(services: Services) -> str:
        async with services.db.transaction() as session:
            grant = await services.identity.sign_up(
                session,
                name,
                admin_email,
                admin_password,
                admin_name,
                None,
                locale=locale,
                base_currency=base_currency,
            )
            return f"tenant {grant.tenant.id} '{grant.tenant.name}', admin {grant.user.email}"

    typer.echo(with_services(prepared_database(run_migrations=False), work))


@tenant_app.command("backup")
def tenant_backup(
    tenant_id: Annotated[uuid.UUID, typer.Option(help="The tenant to back up (its UUID).")],
    out: Annotated[Path, typer.Option(help="The archive to write (a .zip).")],
) -> None:
    """Write every row and document of a tenant to one archive (graph/dataio/backup.py)."""
    from graph.dataio.backup import backup_tenant

    async def work(services: Services) -> str:
        manifest = await backup_tenant(services.db, services.blobs, tenant_id, out)
        rows = sum(manifest["rows"].values())
        return f"{out}: {rows} rows in {len(manifest['tables'])} tables, {manifest['blobs']} files"

    typer.echo(with_services(prepared_database(run_migrations=False), work))


@tenant_app.command("restore")
def tenant_restore(
    archive: Annotated[Path, typer.Option(help="An archive written by `crm tenant backup`.")],
    name: Annotated[
        str | None, typer.Option(help="The new tenant's name (with --into: a new name, else it stays).")
    ] = None,
    into: Annotated[
        str | None,
        typer.Option(help="Restore into this existing, empty tenant (made by sign-up) instead of a new one."),
    ] = None,
) -> None:
    """Restore an archive into a new tenant, or an existing empty one (new ids, references kept)."""
    from graph.dataio.backup import TenantNotEmpty, restore_tenant

    if into is None and name is None:
        raise typer.BadParameter("Give --name for a new tenant, or --into an existing empty one.")
    target = uuid.UUID(into) if into else None

    async def work(services: Services) -> str:
        try:
            tenant_id = await restore_tenant(services.db, services.blobs, archive, name, target)
        except TenantNotEmpty as error:
            raise typer.BadParameter(str(error)) from None
        return f"tenant {tenant_id} '{name or ''}' restored from {archive}"

    typer.echo(with_services(prepared_database(run_migrations=False), work))


@user_app.command("create")
def user_create(
    tenant_id: Annotated[str, typer.Option(help="Tenant id to add the user to.")],
    email: Annotated[str, typer.Option(help="Email (the login).")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Password (new users).")],
    full_name: Annotated[str, typer.Option(help="Full name.")] = "",
    role: Annotated[str, typer.Option(help="Role key: admin, manager, sales or viewer.")] = "sales",
) -> None:
    """Create a user (or reuse an existing one) and make them a member of a tenant."""

    async def work(services: Services) -> str:
        async with services.db.transaction() as session:
            user = await services.identity.add_member(
                session, uuid.UUID(tenant_id), email, full_name or email, password, role
            )
            return f"user {user.email} is a {role} of tenant {tenant_id}"

    typer.echo(with_services(prepared_database(run_migrations=False), work))


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 42,
    accounts: Annotated[int, typer.Option(help="Generated accounts per tenant (1-5000).")] = 300,
    fresh: Annotated[
        bool, typer.Option(help="Tag the logins with a random suffix, so the demo can be loaded again.")
    ] = False,
) -> None:
    """Load the two demo tenants (the whole story, README "Demo") and print their logins."""
    from graph.demo.tenants import COMPANIES, DEMO_PASSWORD, demo_loaded, load_demo

    if not 1 <= accounts <= 5000:
        raise typer.BadParameter("Use between 1 and 5000 accounts.", param_hint="--accounts")

    async def work(services: Services) -> str:
        if not fresh and await demo_loaded(services):
            logins = [f"{c.name}: {', '.join(e for e, _, _ in c.logins)}" for c in COMPANIES]
            return "\n".join(
                ["demo already loaded (--fresh loads another copy)", *logins, f"password: {DEMO_PASSWORD}"]
            )
        lines = []
        for loaded in await load_demo(services, seed=seed, account_count=accounts, unique=fresh):
            lines.append(
                f"tenant {loaded.tenant_id} ({loaded.name}): {loaded.accounts} accounts, "
                f"{loaded.contacts} contacts, {loaded.activities} activities"
            )
            lines += [
                f"{role}: {email}"
                for role, email in zip(("admin", "sales", "manager"), loaded.logins, strict=True)
            ]
        return "\n".join([*lines, f"password: {DEMO_PASSWORD}"])

    typer.echo(with_services(prepared_database(run_migrations=False), work))


@jobs_app.command("run")
def jobs_run(
    job: Annotated[str | None, typer.Option(help="Run only this job (default: all).")] = None,
    at: Annotated[
        datetime | None,
        typer.Option(help="Pretend the time is this (ISO 8601, UTC if no offset); default now."),
    ] = None,
) -> None:
    """Run every registered job once for every tenant (global jobs once); idempotent, safe to repeat."""
    from gateway.jobs import run_jobs

    now = (at or datetime.now(UTC)).replace(tzinfo=(at.tzinfo if at and at.tzinfo else UTC))

    async def work(services: Services) -> list[str]:
        try:
            outcomes = await run_jobs(services.db, now, job, get_settings().job_lease_seconds)
        except KeyError as error:
            typer.secho(f"error: {error.args[0]}", fg="red", err=True)
            raise typer.Exit(2) from None
        lines = [f"{o.job} {o.tenant_id or 'global'}: {o.summary}" for o in outcomes]
        if any(o.failed for o in outcomes):
            typer.echo("\n".join(lines))
            raise typer.Exit(1)
        return lines

    lines = with_services(prepared_database(run_migrations=False), work)
    typer.echo("\n".join(lines) if lines else "crm: no jobs to run")


@app.command("indexes")
def indexes_command() -> None:
    """Build (concurrently, as the owner) the per-field indexes filterable custom fields need."""
    import graph.schema  # noqa: F401 - registers every area's object types
    from tenants.fields.indexes import build_indexes

    # The owner: MIGRATION_DATABASE_URL (or DATABASE_URL), else the embedded server's owner role.
    owner_url = resolve_database(get_settings()).owner_url
    result = asyncio.run(build_indexes(owner_url.replace("postgresql+asyncpg://", "postgresql://")))
    typer.echo(f"created {len(result['created'])}, dropped {len(result['dropped'])}")


@app.command("citus-plan")
def citus_plan_command() -> None:
    """Print the DDL that distributes the schema on Citus by tenant_id (infra/citus.md, infra/citus.sql)."""
    import asyncpg

    from tenants.distribution import citus_plan

    async def plan(url: str) -> str:
        connection = await asyncpg.connect(url)
        try:
            return await citus_plan(connection)
        finally:
            await connection.close()

    owner_url = prepared_database(run_migrations=False).owner_url
    typer.echo(asyncio.run(plan(owner_url.replace("postgresql+asyncpg://", "postgresql://"))), nl=False)


def main() -> None:
    configure_logging(get_settings())
    app()
