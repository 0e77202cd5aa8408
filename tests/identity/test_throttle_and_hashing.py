from __future__ import annotations

import httpx
import pytest
from argon2 import PasswordHasher

from gateway.app import create_app
from tests.conftest import make_settings
from tests.support import PASSWORD, GraphQLClient, mutation_outcome, unique_email

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { field code message } } }"""


async def login(client, email, password):
    return await client.mutate(LOGIN, {"input": {"email": email, "password": password}}, None, "login")


async def test_account_is_throttled_after_repeated_failures_even_with_the_right_password(client):
    admin = await client.sign_up()
    for _ in range(5):
        assert (await login(client, admin.email, "wrong password"))["errors"][0][
            "code"
        ] == "INVALID_CREDENTIALS"

    locked = await login(client, admin.email, PASSWORD)

    assert locked["refused"] and locked["errors"][0]["code"] == "THROTTLED"
    assert "try again in" in locked["errors"][0]["message"]


async def test_aliased_logins_in_one_request_each_count_as_an_attempt(client):
    admin = await client.sign_up()
    fields = " ".join(
        f'a{i}: login(input: {{email: "{admin.email}", password: "wrong {i}"}}) {{ errors {{ field code }} }}'
        for i in range(7)
    )

    body = (await client.post(f"mutation {{ {fields} }}")).json()

    codes = [mutation_outcome(body, f"a{i}")[0][1] for i in range(7)]
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["THROTTLED"] * 2


async def test_success_resets_the_account_counter(client):
    admin = await client.sign_up()
    for _ in range(4):
        await login(client, admin.email, "wrong password")

    assert (await login(client, admin.email, PASSWORD))["errors"] == []
    assert (await login(client, admin.email, "wrong password"))["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert (await login(client, admin.email, PASSWORD))["errors"] == []


@pytest.fixture
async def strict_client(database_urls):
    app = create_app(make_settings(CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=3), database_urls.app)
    transport = httpx.ASGITransport(app=app, client=("192.0.2.77", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)
    await app.state.services.db.dispose()


async def test_one_address_is_throttled_across_accounts(strict_client):
    admin = await strict_client.sign_up()
    for _ in range(3):
        await login(strict_client, unique_email("nobody"), "whatever password")

    blocked = await login(strict_client, admin.email, PASSWORD)

    assert blocked["errors"][0]["code"] == "THROTTLED"


async def test_login_upgrades_a_hash_made_with_older_parameters(client, db):
    admin = await client.sign_up()
    weak_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    connection = await db.connect()
    await connection.execute(
        "update users set password_hash = $1 where lower(email) = lower($2)", weak_hash, admin.email
    )

    assert (await login(client, admin.email, PASSWORD))["errors"] == []

    stored = await connection.fetchval(
        "select password_hash from users where lower(email) = lower($1)", admin.email
    )
    assert stored != weak_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert (await login(client, admin.email, PASSWORD))["errors"] == []
