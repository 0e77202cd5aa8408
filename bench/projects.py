"""Projects benchmark: a tenant with 2,000 projects and 200,000 tasks; my tasks, board and Gantt.

    python -m bench.projects                       # full size
    python -m bench.projects --projects 200 --tasks-per-project 100 --duration 3   # quick

Seeds like bench/seed.py (server-side SQL as the owner role, inside the tenant's RLS wall, foreign keys
and indexes on), then starts uvicorn (production mode) and measures, as a sales member (scope `own`,
so every query carries the project-membership predicate), the scenarios below. Figures are recorded
in bench/README.md under "Projects".
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.database import admin_url_for, prepare_database, server_facts
from bench.load import Scenario, Stats, drive
from bench.run import RESULTS, machine
from bench.scenarios import global_id
from bench.seed import BATCH
from bench.server import ROOT, UvicornServer
from bench.tenants import PASSWORD, BenchTenant, create_tenants

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code message } } }"""
MY_TASKS = """
{ myTasks(first: 50) { edges { node { title dueDate status project { code } } } } }"""
BOARD = """
query($projectId: ID!) {
  taskBoard(projectId: $projectId, perColumn: 20) {
    columns { status count tasks { title priority assignee { fullName } } }
  }
}"""
GANTT = """
query($projectId: ID!) {
  projectGantt(projectId: $projectId) {
    tasks { id title startDate dueDate status }
    dependencies { taskId dependsOnId }
    milestones { name dueDate }
  }
}"""
OVERDUE = """{ overdueTasks(filter: {on: "2026-04-01"}, first: 50) { edges { node { title dueDate } } } }"""


def row(kind: str, number: str) -> str:
    return f"md5($1::uuid::text || ':{kind}:' || {number})::uuid"


PROJECT_OF_TASK = "(1 + (t - 1) / $3::int)"
PROJECTS = f"""
insert into projects (tenant_id, id, code, name, manager_id, planned_start, planned_end, budget, currency,
                      status, created_at, updated_at)
select $1, {row("project", "n")}, 'PRJ-B-' || lpad(n::text, 6, '0'), 'Project ' || n,
       ($2::uuid[])[1 + n % cardinality($2::uuid[])],
       date '2026-01-01' + n % 180, date '2026-05-01' + n % 180,
       100000, 'USD', (array['planned', 'active', 'active', 'active', 'on_hold'])[1 + n % 5], now(), now()
from generate_series($3::int, $4::int) as n
"""
MEMBERS = f"""
insert into project_members (tenant_id, project_id, user_id, role)
select $1, {row("project", "n")}, ($2::uuid[])[1 + (n + k) % cardinality($2::uuid[])],
       case when k = 0 then 'lead' else 'contributor' end
from generate_series($3::int, $4::int) as n, generate_series(0, 3) as k
"""
MILESTONES = f"""
insert into milestones (tenant_id, id, project_id, name, due_date)
select $1, {row("milestone", "m")}, {row("project", "(1 + (m - 1) / 5)")}, 'Milestone ' || (1 + (m - 1) % 5),
       date '2026-01-01' + (1 + (m - 1) / 5) % 180 + 20 * (1 + (m - 1) % 5)
from generate_series($2::int, $3::int) as m
"""
TASKS = f"""
insert into tasks (tenant_id, id, project_id, title, status, priority, assignee_id, reporter_id,
                   estimate_hours, start_date, due_date, created_at, updated_at)
select $1, {row("task", "t")}, {row("project", PROJECT_OF_TASK)}, 'Task ' || t,
       (array['todo', 'todo', 'in_progress', 'blocked', 'done', 'done'])[1 + t % 6],
       (array['low', 'medium', 'medium', 'high', 'urgent'])[1 + t % 5],
       ($2::uuid[])[1 + ({PROJECT_OF_TASK} + t % 4) % cardinality($2::uuid[])],
       ($2::uuid[])[1 + {PROJECT_OF_TASK} % cardinality($2::uuid[])],
       4 + t % 12, date '2026-01-01' + {PROJECT_OF_TASK} % 180 + (t - 1) % $3::int,
       date '2026-01-01' + {PROJECT_OF_TASK} % 180 + (t - 1) % $3::int + 3 + t % 5, now(), now()
from generate_series($4::int, $5::int) as t
"""
# Every other task waits for the one before it in the same project.
DEPENDENCIES = f"""
insert into task_dependencies (tenant_id, project_id, task_id, depends_on_id)
select $1, {row("project", "(1 + (t - 1) / $2::int)")}, {row("task", "t")}, {row("task", "(t - 1)")}
from generate_series($3::int, $4::int) as t
where (t - 1) % $2::int > 0 and t % 2 = 0
"""


async def in_batches(
    connection: asyncpg.Connection, tenant: BenchTenant, statement: str, total: int, *args: Any
) -> float:
    started = time.perf_counter()
    for low in range(1, total + 1, BATCH):
        high = min(total, low + BATCH - 1)
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
            await connection.execute(statement, tenant.id, *args, low, high)
    return time.perf_counter() - started


async def seed(owner_url: str, tenant: BenchTenant, projects: int, per_project: int) -> dict[str, float]:
    members = list(tenant.member_ids)
    connection = await asyncpg.connect(owner_url)
    try:
        await connection.execute("set synchronous_commit = off")
        timings = {
            "projects": await in_batches(connection, tenant, PROJECTS, projects, members),
            "project_members": await in_batches(connection, tenant, MEMBERS, projects, members),
            "milestones": await in_batches(connection, tenant, MILESTONES, projects * 5),
            "tasks": await in_batches(
                connection, tenant, TASKS, projects * per_project, members, per_project
            ),
            "task_dependencies": await in_batches(
                connection, tenant, DEPENDENCIES, projects * per_project, per_project
            ),
        }
        started = time.perf_counter()
        await connection.execute(
            "vacuum (analyze) projects, project_members, milestones, tasks, task_dependencies"
        )
        timings["vacuum analyze"] = time.perf_counter() - started
        return timings
    finally:
        await connection.close()


async def visible_projects(owner_url: str, tenant: BenchTenant, user_id: Any, limit: int) -> list[Any]:
    connection = await asyncpg.connect(owner_url)
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
            rows = await connection.fetch(
                "select project_id from project_members where user_id = $1 order by random() limit $2",
                user_id,
                limit,
            )
        return [r["project_id"] for r in rows]
    finally:
        await connection.close()


def scenarios(project_ids: list[Any]) -> list[Scenario]:
    ids = itertools.cycle([global_id("Project", value) for value in project_ids])

    def edges(name: str, expected: int) -> Any:
        def check(data: dict[str, Any]) -> str | None:
            found = len(((data.get(name) or {}).get("edges")) or [])
            return None if found == expected else f"{name}: expected {expected} edges, got {found}"

        return check

    def board_check(data: dict[str, Any]) -> str | None:
        columns = (data.get("taskBoard") or {}).get("columns") or []
        return None if len(columns) == 4 and sum(c["count"] for c in columns) > 0 else f"bad board {columns}"

    def gantt_check(data: dict[str, Any]) -> str | None:
        tasks = (data.get("projectGantt") or {}).get("tasks") or []
        return None if tasks else "empty Gantt"

    return [
        Scenario("myTasks (first 50, with project)", MY_TASKS, dict, edges("myTasks", 50)),
        Scenario("overdueTasks (first 50)", OVERDUE, dict, edges("overdueTasks", 50)),
        Scenario(
            "taskBoard (4 columns x 20, with assignee)", BOARD, lambda: {"projectId": next(ids)}, board_check
        ),
        Scenario(
            "projectGantt (all tasks, links, milestones)",
            GANTT,
            lambda: {"projectId": next(ids)},
            gantt_check,
        ),
    ]


async def login(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post(
        "/graphql", json={"query": LOGIN, "variables": {"input": {"email": email, "password": PASSWORD}}}
    )
    payload = response.json()["data"]["login"]
    if not payload["token"]:
        raise RuntimeError(f"login as {email} failed: {payload['errors']}")
    return str(payload["token"])


async def measure(
    server: UvicornServer, tenant: BenchTenant, project_ids: list[Any], arguments: argparse.Namespace
) -> list[Stats]:
    limits = httpx.Limits(
        max_connections=arguments.concurrency, max_keepalive_connections=arguments.concurrency
    )
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as client:
        token = await login(client, f"bench-{tenant.label}-sales-0@example.com")
        results = []
        for scenario in scenarios(project_ids):
            stats = await drive(
                client,
                token,
                scenario,
                tenant.label,
                concurrency=arguments.concurrency,
                duration=arguments.duration,
                requests=None,
                warmup=arguments.warmup,
            )
            print(
                f"  {stats.scenario:<46} {stats.throughput:8.1f} req/s  p50 {stats.percentile_ms(50):7.2f} ms"
                f"  p99 {stats.percentile_ms(99):7.2f} ms  errors {stats.errors}"
            )
            results.append(stats)
        return results


async def explain_plans(app_url: str, tenant: BenchTenant, user_id: Any, project_id: Any) -> str:
    """EXPLAIN ANALYZE of the statements the resolvers build (compiled from the same code), as the
    application role inside the tenant, so RLS and the sales scope are in every plan."""
    from sqlalchemy.dialects import postgresql

    from graph.projects.models import Task
    from graph.projects.planning import views
    from tenants.permissions import Actor, builtin_permissions

    actor = Actor(tenant_id=tenant.id, user_id=user_id, permissions=builtin_permissions("sales"))
    statements = {
        "myTasks": views.my_tasks(actor, None).limit(51),
        "overdueTasks": (await views.overdue_tasks(None, actor, date(2026, 4, 1), None)).limit(51),  # type: ignore[arg-type]
        "projectGantt tasks": views.visible_tasks(actor)
        .where(Task.project_id == project_id)
        .order_by(Task.start_date.asc().nulls_last(), Task.id),
    }
    connection = await asyncpg.connect(app_url)
    sections = []
    try:
        for name, statement in statements.items():
            sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant.id))
                rows = await connection.fetch(f"explain (analyze, buffers, costs off) {sql}")
            plan = "\n".join(r[0] for r in rows)
            sections.append(f"### {name}\n\n```\n{plan}\n```")
    finally:
        await connection.close()
    return "\n\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.projects", description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=2_000)
    parser.add_argument("--tasks-per-project", type=int, default=100)
    parser.add_argument("--members", type=int, default=10, help="sales users besides the admin")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".crm" / "bench")
    parser.add_argument("--database", default="crm_bench_projects")
    arguments = parser.parse_args(argv)

    admin_url, _ = admin_url_for(arguments.data_dir)
    started = time.perf_counter()
    urls = prepare_database(admin_url, arguments.database, recreate=True)
    tenant = asyncio.run(create_tenants(urls.app, 0, arguments.members))[0]
    timings = asyncio.run(seed(urls.owner, tenant, arguments.projects, arguments.tasks_per_project))
    print(
        f"bench: seeded in {time.perf_counter() - started:.1f}s: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    )
    sales_user = tenant.member_ids[1]
    project_ids = asyncio.run(visible_projects(urls.owner, tenant, sales_user, 200))
    facts = asyncio.run(server_facts(admin_url))
    plans = asyncio.run(explain_plans(urls.app, tenant, sales_user, project_ids[0]))
    RESULTS.mkdir(exist_ok=True)
    load_before = os.getloadavg()[0]
    with UvicornServer(
        urls.app, workers=1, pool_size=10, log_path=RESULTS / "uvicorn-projects.log"
    ) as server:
        results = asyncio.run(measure(server, tenant, project_ids, arguments))
    # The load average shows whether other processes competed for the CPU during the run.
    print(f"load average (1 min) before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"\n{machine()}; PostgreSQL {facts['version']} (shared_buffers {facts['shared_buffers']})")
    print(
        f"{arguments.projects:,} projects, {arguments.projects * arguments.tasks_per_project:,} tasks; "
        f"concurrency {arguments.concurrency}, {arguments.duration:g}s per scenario\n"
    )
    print("| scenario | req/s | p50 ms | p99 ms | errors |\n| --- | ---: | ---: | ---: | ---: |")
    for stats in results:
        print(
            f"| {stats.scenario} | {stats.throughput:,.1f} | {stats.percentile_ms(50):,.2f}"
            f" | {stats.percentile_ms(99):,.2f} | {stats.errors} |"
        )
    print("\n" + plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
