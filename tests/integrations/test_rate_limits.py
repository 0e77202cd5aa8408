"""Rate limits (tenants/rate_limits.py, migration 0322): token buckets per tenant, user and API key in
PostgreSQL, the RateLimit headers, 429 with Retry-After, operation cost, the platform's per-tenant
overrides, and a limit that holds across two server processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from gateway.cli import app as cli_app
from graph.core.complexity import Complexity
from tests.support import Member, relay_uuid

ME = "{ me { viaApiKey } }"
ACCOUNTS = "query { accounts(first: 10) { nodes { name } } }"
BIG_PAGE = "query { accounts(first: 100) { nodes { id name owner { fullName } } } }"
CREATE_ACCOUNT = "mutation($name: String!) { createAccount(input: {name: $name}) { account { name } } }"
API_SETTINGS = "{ apiSettings { rateLimits { userBurst userPerMinute tenantBurst keyBurst } } }"
CREATE_KEY = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }"


@pytest.fixture(autouse=True)
def exact_charges(app, request) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Bucket accounting point by point: no leases (tenants/rate_limits.py), except where a test is
    about them."""
    contract = app.state.graphql.contract
    if "leases" not in request.node.name:
        contract.lease_points = 0
    yield
    contract.lease_points = app.state.services.settings.rate_limit_lease_points


@pytest.fixture
def cli(database_urls, monkeypatch) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_urls.app)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", database_urls.owner)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def override(cli: CliRunner, member: Member, *options: str) -> str:
    """`crm rate-limits set` for the member's tenant, as the platform does."""
    result = await asyncio.to_thread(cli.invoke, cli_app, ["rate-limits", "set", member.tenant_id, *options])
    assert result.exit_code == 0, result.output
    return result.output


async def test_every_authenticated_answer_carries_the_ratelimit_headers(client, cli):
    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "1000", "--user-per-minute", "1")  # no refill to speak of

    first = await client.post(ACCOUNTS, token=admin.token)  # the fast path's four-statement read
    second = await client.post(ACCOUNTS, token=admin.token)  # one trip: the charge rides along
    anonymous = await client.post("{ __typename }")

    # The member's own bucket is the one with the least left.
    assert first.headers["RateLimit-Limit"] == "1000"
    assert first.headers["RateLimit-Remaining"] == "999"  # charged once, though verify mode runs it twice
    assert second.headers["RateLimit-Remaining"] == "998"
    assert int(second.headers["RateLimit-Reset"]) >= 1
    assert "Retry-After" not in second.headers
    assert "RateLimit-Limit" not in anonymous.headers


async def test_an_operation_costs_by_its_pages(client, cli):
    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "1000", "--user-per-minute", "1")
    before = int((await client.post(ME, token=admin.token)).headers["RateLimit-Remaining"])

    after_big = int((await client.post(BIG_PAGE, token=admin.token)).headers["RateLimit-Remaining"])
    after_write = (await client.post(CREATE_ACCOUNT, {"name": "Initech"}, token=admin.token)).headers

    # 1 + (1 + 100 nodes + 300 fields + 100 owners' names) // 100 = 6; a mutation adds 10.
    assert before - after_big == 6
    assert after_big - int(after_write["RateLimit-Remaining"]) == 1 + 10


def test_the_cost_counts_fields_times_pages(app):
    complexity = Complexity(app.state.graphql.schema._schema, 100)
    nested = (
        "query($n: Int) { accounts(first: $n) { nodes { contacts(first: 50) { nodes { id emails } } } } }"
    )
    fragment = "query { ...Page } fragment Page on Query { accounts(first: 100) { nodes { id name } } }"

    assert complexity.cost("{ me { viaApiKey } }", None, None) == 1
    assert complexity.cost(nested, None, {"n": 10}) == 1 + (1 + 10 + 10 * (1 + 50 + 100)) // 100
    assert complexity.cost(nested, None, {"n": 10_000}) == 1 + (1 + 100 + 100 * (1 + 50 + 100)) // 100
    assert complexity.cost(fragment, None, None) == 1 + (1 + 100 + 200) // 100
    assert complexity.cost("{ broken", None, None) == 1


async def test_an_empty_bucket_answers_429_with_retry_after(client, cli):
    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "12", "--user-per-minute", "1")

    write = await client.post(CREATE_ACCOUNT, {"name": "Initech"}, token=admin.token)  # 11 points
    read = await client.post(ACCOUNTS, token=admin.token)  # the last point
    refused = await client.post(ACCOUNTS, token=admin.token)
    refused_write = await client.post(CREATE_ACCOUNT, {"name": "Nope"}, token=admin.token)

    assert write.status_code == read.status_code == 200
    assert read.headers["RateLimit-Remaining"] == "0"
    for response in (refused, refused_write):
        assert response.status_code == 429
        assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert response.headers["RateLimit-Limit"] == "12"
        assert response.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # 1 point at 1 point a minute
    assert 600 <= int(refused_write.headers["Retry-After"]) <= 660  # 11 points
    assert refused_write.json()["errors"][0]["message"].startswith(
        "Rate limit reached: this operation costs 11"
    )
    assert (await client.post(ACCOUNTS, token=admin.token)).status_code == 429  # a refusal takes nothing
    names = [
        n["name"]
        for n in (await client.execute(ACCOUNTS, token=(await client.sign_up()).token))["accounts"]["nodes"]
    ]
    assert names == []


async def test_an_operation_costlier_than_the_bucket_is_told_to_ask_for_less(client, cli):
    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "5")

    response = await client.post(BIG_PAGE, token=admin.token)

    assert response.status_code == 429
    assert "costs 6 points, more than a bucket of 5" in response.json()["errors"][0]["message"]


async def test_an_api_key_has_its_own_bucket_inside_its_creators(app, client, cli):
    admin = await client.sign_up()
    secret = (
        await client.execute(CREATE_KEY, {"input": {"name": "Sync", "roleKey": "viewer"}}, admin.token)
    )["createApiKey"]["secret"]
    output = await override(cli, admin, "--key-burst", "2", "--key-per-minute", "1")

    by_key = [(await client.post(ME, token=secret)).status_code for _ in range(3)]
    by_admin = await client.post(ME, token=admin.token)
    shown = await client.execute(API_SETTINGS, token=admin.token)

    assert output.strip() == "key_burst=2, key_per_minute=1"
    assert by_key == [200, 200, 429]
    assert by_admin.status_code == 200  # the member's bucket still has points
    defaults = app.state.services.settings
    assert shown["apiSettings"]["rateLimits"] == {
        "userBurst": defaults.rate_limit_user_burst,
        "userPerMinute": defaults.rate_limit_user_per_minute,
        "tenantBurst": defaults.rate_limit_tenant_burst,
        "keyBurst": 2,
    }


async def test_the_platform_alone_sets_a_tenants_limits(client, db):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    await client.post(ME, token=admin.token)
    await client.post(ME, token=other.token)
    connection = await db.connect()

    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        kinds = await connection.fetch("select kind, tenant_id::text from rate_limit_buckets order by kind")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(
                "insert into tenant_api_settings (tenant_id, user_burst) values ($1, 1000000)",
                admin.tenant_id,
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("update tenant_api_settings set user_burst = 1000000")
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # RLS: another tenant's bucket
            await connection.execute(
                "insert into rate_limit_buckets values ($1, 'tenant', $1, 1, 1, 1, now())", other.tenant_id
            )

    assert [kind for kind, _ in kinds] == ["tenant", "user"]
    assert {tenant for _, tenant in kinds} == {admin.tenant_id}


async def test_the_limit_holds_across_two_server_processes(client, cli, server_pair):
    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "8", "--user-per-minute", "1")
    headers = {"authorization": f"Bearer {admin.token}", "content-type": "application/json"}

    async def send(url: str, http: httpx.AsyncClient) -> int:
        response = await http.post(f"{url}/graphql", json={"query": ACCOUNTS}, headers=headers)
        return response.status_code

    async with httpx.AsyncClient(timeout=30) as http:
        statuses = await asyncio.gather(*(send(server_pair[n % 2].url, http) for n in range(24)))

    assert statuses.count(200) == 8, statuses
    assert statuses.count(429) == 16


async def test_leases_spend_points_taken_ahead_from_the_shared_buckets(app, client, cli, db):
    """A charge takes `lease_points` ahead; the same credential's next requests with the document
    spend them without a statement, and the buckets in PostgreSQL hold the leased points as spent."""
    from tenants.rate_limits import LEASES

    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "1000", "--user-per-minute", "1")
    lease = app.state.graphql.contract.lease_points
    assert lease > 0
    LEASES.entries.clear()

    first = await client.post(ACCOUNTS, token=admin.token)
    second = await client.post(ACCOUNTS, token=admin.token)

    assert first.headers["RateLimit-Remaining"] == "999" and second.headers["RateLimit-Remaining"] == "998"
    [held] = LEASES.entries.values()
    assert held.balance == lease - 1  # the second request spent its point from the lease
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        tokens = await connection.fetchval("select tokens from rate_limit_buckets where kind = 'user'")
    assert 1000 - 1 - lease <= tokens < 1000 - lease + 1  # taken once, with the lease (refill ~0)


async def test_concurrent_leases_renew_once_and_lose_no_points(app, client, cli, db):
    """Charges that find the credential's lease spent at the same moment wait for one renewal instead
    of each taking (and overwriting) a lease of its own: every point taken from the buckets is either
    spent by a request or still held by the lease. (Through `take_tokens` itself: the test app's pool
    would serialise HTTP requests before they reach the charge.)"""
    import uuid

    from tenants.permissions import Actor, builtin_permissions
    from tenants.rate_limits import LEASES, Charge, take_tokens

    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "1000", "--user-per-minute", "1")
    LEASES.entries.clear()
    contract = app.state.graphql.contract
    user_id = uuid.UUID(relay_uuid(admin.user_id))
    actor = Actor(uuid.UUID(admin.tenant_id), user_id, builtin_permissions("admin"))
    pool = await app.state.services.db.single_statements()

    def charge() -> Charge:
        return Charge(1, contract.limits, b"d" * 32, credential_key=b"k" * 32, lease_points=50)

    await asyncio.gather(*(take_tokens(pool, actor, charge()) for _ in range(12)))

    [held] = LEASES.entries.values()
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        tokens = await connection.fetchval("select tokens from rate_limit_buckets where kind = 'user'")
    taken = 1000 - tokens
    assert 12 + held.balance <= taken < 12 + held.balance + 1  # a refill of 1 point a minute aside


async def test_a_busy_credentials_leases_grow_up_to_a_tenth_of_its_bucket(app, client, cli):
    """A lease spent before it expires is followed by a bigger one (doubling), never more than a tenth
    of the bucket that matters (the tenant's override here), so a busy credential pays a statement per
    many requests and a quiet one never holds more than `lease_points` it may not use."""
    from tenants.rate_limits import LEASES

    admin = await client.sign_up()
    await override(cli, admin, "--user-burst", "1000", "--user-per-minute", "1")
    lease = app.state.graphql.contract.lease_points
    LEASES.entries.clear()
    sizes = []
    for _ in range(40):
        await client.post(BIG_PAGE, token=admin.token)  # a few points each
        [held] = LEASES.entries.values()
        if held.size not in sizes:
            sizes.append(held.size)

    assert lease < 100 and sizes == [lease, 100]  # a tenth of the user's 1,000-point bucket
