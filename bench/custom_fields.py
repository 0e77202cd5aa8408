"""Custom fields at scale: filter and order 300k contacts by custom fields through the API.

    python -m bench.custom_fields                  # 300,000 contacts, embedded PostgreSQL under .crm/bench
    python -m bench.custom_fields --contacts 30000 --requests 50

Seeds one tenant (through the identity service), defines three filterable contact fields through GraphQL
(`score` INTEGER, `segment` SINGLE_SELECT, `region` TEXT), bulk-inserts the contacts with custom values and
sort keys in the stored forms (server-side SQL as the owner role inside the tenant's RLS wall), builds the
per-field indexes with `tenants.fields.indexes.build_indexes` (CREATE INDEX CONCURRENTLY), then measures
sequential requests (p50/p99) against a real uvicorn process and prints EXPLAIN ANALYZE of the same SQL as
the application role. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from bench.database import admin_url_for, prepare_database, with_database
from bench.load import Scenario, Stats, drive
from bench.server import UvicornServer
from bench.tenants import PASSWORD, admin_email, create_tenant, production_settings
from gateway.services import Services
from tenants.embedded import urls_for
from tenants.fields.indexes import build_indexes
from tenants.fields.kinds import number_sort_key

DATABASE = "crm_bench_fields"
SEGMENTS = ("alpha", "beta", "gamma", "delta", "epsilon")
LOGIN = """
mutation($input: LoginInput!) { login(input: $input) { token errors { code message } } }"""
DEFINE = """
mutation($input: CreateFieldDefinitionInput!) {
  createFieldDefinition(input: $input) { errors { field message } }
}"""
PAGE = """
query($filter: ContactFilter, $orderBy: [ContactOrder!]) {
  contacts(filter: $filter, orderBy: $orderBy, first: 50) {
    edges { node { lastName customFields } } pageInfo { hasNextPage }
  }
}"""
SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    ("first 50 by name (no custom field, baseline)", {}),
    (
        "segment equals (sort-key btree), by name",
        {"filter": {"custom": [{"key": "segment", "equals": "gamma"}]}},
    ),
    ("order by score DESC", {"orderBy": [{"customField": "score", "direction": "DESC"}]}),
    (
        "score between 4000 and 4010, by score",
        {
            "filter": {"custom": [{"key": "score", "range": {"min": 4000, "max": 4010}}]},
            "orderBy": [{"customField": "score"}],
        },
    ),
    (
        "segment equals + score >= 9990, by score",
        {
            "filter": {
                "custom": [
                    {"key": "segment", "equals": "beta"},
                    {"key": "score", "range": {"min": 9990}},
                ]
            },
            "orderBy": [{"customField": "score"}],
        },
    ),
    (
        "region equals 'north-7' (GIN / filter), by name",
        {"filter": {"custom": [{"key": "region", "equals": "north-7"}]}},
    ),
    (
        "region contains 'north-7' (no index)",
        {"filter": {"custom": [{"key": "region", "contains": "north-7"}]}},
    ),
]


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=100, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=Path(".crm/bench"))
    parser.add_argument(
        "--explain-only", action="store_true", help="EXPLAIN on the database of a previous run"
    )
    return parser.parse_args(argv)


async def define_fields(client: httpx.AsyncClient, token: str) -> None:
    options = [{"key": key, "label": key.title()} for key in SEGMENTS]
    for key, field_type, validation in [
        ("score", "INTEGER", None),
        ("segment", "SINGLE_SELECT", {"options": options}),
        ("region", "TEXT", None),
    ]:
        data = {
            "objectType": "contact",
            "key": key,
            "label": key.title(),
            "type": field_type,
            "filterable": True,
        }
        if validation:
            data["validation"] = validation
        response = await client.post(
            "/graphql", json={"query": DEFINE, "variables": {"input": data}}, headers=auth(token)
        )
        errors = response.json()["data"]["createFieldDefinition"]["errors"]
        if errors:
            raise RuntimeError(f"defining {key} failed: {errors}")


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def seed_contacts(owner_url: str, tenant_id: Any, owner_id: Any, count: int) -> float:
    """Bulk SQL in 50k-row transactions; values and sort keys in exactly the stored forms."""
    offset = int(number_sort_key(Decimal(0)).split(".")[0])  # 10^18: sort keys are value + 10^18
    started = time.perf_counter()
    connection = await asyncpg.connect(owner_url)
    try:
        for start in range(0, count, 50_000):
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                await connection.execute(
                    """
                    insert into contacts (tenant_id, id, first_name, last_name, owner_id, search_text,
                                          custom, custom_sort)
                    select $1, gen_random_uuid(), 'Bench', 'Contact ' || lpad(i::text, 7, '0'), $2,
                           'bench contact ' || i,
                           jsonb_build_object('score', (i::bigint * 7919) % 10000,
                                              'segment', ($5::text[])[1 + i % 5],
                                              'region', 'north-' || (i % 97)),
                           jsonb_build_object('score',
                                              lpad(($6::bigint + (i::bigint * 7919) % 10000)::text, 19, '0')
                                              || '.0000000000',
                                              'segment', ($5::text[])[1 + i % 5],
                                              'region', 'north-' || (i % 97))
                    from generate_series($3::int, $4::int) as i
                    """,
                    tenant_id,
                    owner_id,
                    start + 1,
                    min(start + 50_000, count),
                    list(SEGMENTS),
                    offset,
                )
        await connection.execute("vacuum (analyze) contacts")
    finally:
        await connection.close()
    return time.perf_counter() - started


def page_check(data: dict[str, Any]) -> str | None:
    edges = data.get("contacts", {}).get("edges")
    return None if edges else "no contacts returned"


async def measure(server: UvicornServer, token: str, requests: int, warmup: int) -> list[Stats]:
    results = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
        for name, variables in SCENARIOS:
            scenario = Scenario(name, PAGE, lambda v=variables: v, page_check)
            stats = await drive(
                client,
                token,
                scenario,
                "300k",
                concurrency=1,
                duration=None,
                requests=requests,
                warmup=warmup,
            )
            print(
                f"  {name:<48} p50 {stats.percentile_ms(50):7.1f} ms  p99 {stats.percentile_ms(99):7.1f} ms"
            )
            results.append(stats)
    return results


async def explain(app_url: str, tenant_id: Any) -> list[tuple[str, str]]:
    """EXPLAIN ANALYZE of the SQL the list resolver builds, as the application role inside the tenant."""
    from graph.crm.filters import ContactOrder, contact_ordering
    from graph.crm.models import Contact
    from tenants.fields.query import Condition, CustomQuery

    class Definition:
        def __init__(self, key: str, field_type: str, validation: dict[str, Any] | None = None) -> None:
            self.key, self.field_type, self.filterable = key, field_type, True
            self.validation = validation or {}

    options = {"options": [{"key": key, "label": key} for key in SEGMENTS]}
    query = CustomQuery(
        Contact,
        "contact",
        [
            Definition("score", "integer"),
            Definition("segment", "single_select", options),
            Definition("region", "text"),
        ],
    )
    base = select(Contact).where(Contact.tenant_id == tenant_id, Contact.deleted_at.is_(None))
    by_score = contact_ordering([ContactOrder(field=None, custom_field="score")], query.sort_key)
    statements = {
        "segment equals, by name": base.where(
            *query.conditions([Condition(key="segment", equals="gamma", given=frozenset({"equals"}))])
        ).order_by(*contact_ordering(None)),
        "order by score DESC": base.order_by(
            *contact_ordering(
                [ContactOrder(field=None, custom_field="score", direction=_desc())], query.sort_key
            )
        ),
        "score range + order": base.where(
            *query.conditions([Condition(key="score", range=(4000, 4010), given=frozenset({"range"}))])
        ).order_by(*by_score),
        "region equals (GIN), by name": base.where(
            *query.conditions([Condition(key="region", equals="north-7", given=frozenset({"equals"}))])
        ).order_by(*contact_ordering(None)),
        "segment equals + score >= 9990, by score": base.where(
            *query.conditions(
                [
                    Condition(key="segment", equals="beta", given=frozenset({"equals"})),
                    Condition(key="score", range=(9990, None), given=frozenset({"range"})),
                ]
            )
        ).order_by(*by_score),
    }
    plans = []
    connection = await asyncpg.connect(app_url)
    try:
        for name, statement in statements.items():
            compiled = statement.limit(51).compile(dialect=asyncpg_dialect())
            values = [compiled.params[key] for key in compiled.positiontup]
            values = [json.dumps(v) if isinstance(v, dict) else v for v in values]
            async with connection.transaction():
                await connection.execute("select set_config('app.tenant_id', $1, true)", str(tenant_id))
                rows = await connection.fetch("explain (analyze, buffers) " + compiled.string, *values)
            plans.append((name, "\n".join(row[0] for row in rows)))
    finally:
        await connection.close()
    return plans


async def only_tenant(owner_url: str) -> Any:
    connection = await asyncpg.connect(owner_url)
    try:
        return await connection.fetchval("select id from tenant_registry limit 1")
    finally:
        await connection.close()


def _desc() -> Any:
    from graph.core.filters import OrderDirection

    return OrderDirection.DESC


async def login(base_url: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {"input": {"email": admin_email("fields"), "password": PASSWORD}},
            },
        )
        token = response.json()["data"]["login"]["token"]
        if not token:
            raise RuntimeError(f"login failed: {response.text}")
        return str(token)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    admin_url, _ = admin_url_for(arguments.data_dir)
    if arguments.explain_only:
        urls = urls_for(with_database(admin_url, DATABASE), DATABASE, "crm_app")
        tenant_id = asyncio.run(only_tenant(urls.owner))
        for name, plan in asyncio.run(explain(urls.app, tenant_id)):
            print(f"\n--- {name}\n{plan}")
        return 0
    started = time.perf_counter()
    urls = prepare_database(admin_url, DATABASE, recreate=True)
    services = Services.build(production_settings(), urls.app)

    async def tenant() -> Any:
        try:
            return await create_tenant(services, "fields", 0)
        finally:
            await services.db.dispose()

    bench_tenant = asyncio.run(tenant())
    print(f"database ready, tenant created in {time.perf_counter() - started:.1f}s")
    log = Path("bench/results/custom_fields-uvicorn.log")
    with UvicornServer(urls.app, workers=1, pool_size=10, log_path=log) as server:
        token = asyncio.run(login(server.base_url))

        async def define() -> None:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
                await define_fields(client, token)

        asyncio.run(define())
        seconds = asyncio.run(
            seed_contacts(urls.owner, bench_tenant.id, bench_tenant.member_ids[0], arguments.contacts)
        )
        print(f"seeded {arguments.contacts:,} contacts in {seconds:.1f}s")
        began = time.perf_counter()
        built = asyncio.run(build_indexes(urls.owner))
        print(f"built {len(built['created'])} custom-field indexes in {time.perf_counter() - began:.1f}s")
        asyncio.run(measure(server, token, arguments.requests, arguments.warmup))
    for name, plan in asyncio.run(explain(urls.app, bench_tenant.id)):
        print(f"\n--- {name}\n{plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
