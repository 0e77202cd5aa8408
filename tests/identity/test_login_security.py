"""Login under attack: atomic throttling (M1), no pool exhaustion (H4), limits that cannot lock others out (H6)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import httpx
import pytest

from gateway.app import create_app
from gateway.client_address import client_address, trusted_networks
from tenants import login
from tenants.passwords import Reservation
from tests.conftest import make_settings
from tests.support import PASSWORD, GraphQLClient, mutation_outcome, unique_email

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { field code message } } }"""
ME = "{ me { user { email } tenant { id } } }"
PROXY = "10.200.0.1"


async def login_request(client, email, password, **headers):
    response = await client.post(LOGIN, {"input": {"email": email, "password": password}}, None, **headers)
    return response


async def login_code(client, email, password, **headers):
    body = (await login_request(client, email, password, **headers)).json()
    errors = mutation_outcome(body, "login")  # THROTTLED at top level, INVALID_CREDENTIALS in the payload
    return errors[0][1] if errors else "OK"


@pytest.fixture
async def make_client(database_urls):
    """Clients of a dedicated app built with the given settings, each from its own peer address."""
    apps = []

    async def build(address: str = "192.0.2.10", **settings):
        if not apps:
            apps.append(create_app(make_settings(**settings), database_urls.app))
        transport = httpx.ASGITransport(app=apps[0], client=(address, 1234))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(http)
        return GraphQLClient(http)

    clients: list[httpx.AsyncClient] = []
    yield build
    for http in clients:
        await http.aclose()
    for app in apps:
        await app.state.services.db.dispose()


async def test_parallel_wrong_logins_verify_exactly_the_limit(make_client, monkeypatch):
    client = await make_client(CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=1000, CRM_PASSWORD_HASH_QUEUE=100)
    admin = await client.sign_up()
    verified = []
    verify = Reservation.verify

    async def counting_verify(self, password_hash, password):
        verified.append(password)
        return await verify(self, password_hash, password)

    monkeypatch.setattr(Reservation, "verify", counting_verify)

    codes = await asyncio.gather(*(login_code(client, admin.email, f"wrong {i}") for i in range(40)))

    assert Counter(codes) == {"INVALID_CREDENTIALS": 5, "THROTTLED": 35}
    assert len(verified) == 5


async def test_forty_parallel_logins_on_a_small_pool_all_answer_and_other_tenants_stay_served(make_client):
    client = await make_client(CRM_DB_POOL_SIZE=2, CRM_PASSWORD_HASH_QUEUE=100)
    victim = await client.sign_up()
    other = await client.sign_up("Other tenant")

    async def other_tenant_reads():
        answers = []
        for _ in range(5):
            response = await client.post(ME, token=other.token)
            answers.append(response.status_code == 200 and response.json()["data"]["me"] is not None)
        return answers

    async with asyncio.timeout(20):
        results = await asyncio.gather(
            *(login_code(client, victim.email, f"wrong {i}") for i in range(40)), other_tenant_reads()
        )

    codes, reads = results[:-1], results[-1]
    assert set(codes) <= {"INVALID_CREDENTIALS", "THROTTLED"} and len(codes) == 40
    assert all(reads)


async def test_overload_is_a_fast_429_with_retry_after(make_client):
    client = await make_client(CRM_PASSWORD_HASH_CONCURRENCY=1, CRM_PASSWORD_HASH_QUEUE=0)
    admin = await client.sign_up()
    passwords = client.http._transport.app.state.services.identity.passwords  # type: ignore[attr-defined]

    async with passwords.reservation():  # the only hashing slot is taken
        response = await login_request(client, admin.email, PASSWORD)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert mutation_outcome(body, "login") == [(None, "OVERLOADED")]
    assert body["errors"][0]["message"] == "The server is busy checking passwords; retry in 1 second."
    assert await login_code(client, admin.email, PASSWORD) == "OK"


async def test_an_overloaded_attempt_is_not_counted(make_client):
    client = await make_client(CRM_PASSWORD_HASH_CONCURRENCY=1, CRM_PASSWORD_HASH_QUEUE=0)
    admin = await client.sign_up()
    passwords = client.http._transport.app.state.services.identity.passwords  # type: ignore[attr-defined]
    async with passwords.reservation():
        for _ in range(6):
            assert (await login_request(client, admin.email, "wrong password")).status_code == 429

    assert await login_code(client, admin.email, PASSWORD) == "OK"


async def test_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(make_client):
    attacker = await make_client("192.0.2.66")
    owner = await make_client("198.51.100.7")
    admin = await owner.sign_up()
    for i in range(8):
        await login_code(attacker, admin.email, f"wrong {i}")

    assert await login_code(attacker, admin.email, PASSWORD) == "THROTTLED"
    assert await login_code(owner, admin.email, PASSWORD) == "OK"


async def test_an_account_guessed_from_many_addresses_is_locked_everywhere(make_client):
    owner = await make_client("198.51.100.8", CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES=6)
    admin = await owner.sign_up()
    for i in range(3):
        attacker = await make_client(f"192.0.2.{100 + i}")
        for _ in range(2):
            assert await login_code(attacker, admin.email, "wrong password") == "INVALID_CREDENTIALS"

    assert await login_code(owner, admin.email, PASSWORD) == "THROTTLED"


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(make_client):
    proxy = await make_client(
        PROXY, CRM_TRUSTED_PROXIES="10.200.0.0/16", CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=3
    )
    admin = await proxy.sign_up()
    for _ in range(5):
        await login_code(
            proxy, unique_email("nobody"), "whatever password", **{"x-forwarded-for": "203.0.113.5"}
        )
    assert (
        await login_code(proxy, unique_email("nobody"), "whatever", **{"x-forwarded-for": "203.0.113.5"})
        == "THROTTLED"
    )

    # Another client behind the same proxy is unaffected; the proxy's own hop is skipped.
    assert (
        await login_code(proxy, admin.email, PASSWORD, **{"x-forwarded-for": "198.51.100.9, 10.200.3.4"})
        == "OK"
    )


async def test_forwarded_headers_from_an_untrusted_peer_are_ignored(make_client):
    client = await make_client(
        "192.0.2.200", CRM_TRUSTED_PROXIES="10.200.0.0/16", CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=3
    )
    admin = await client.sign_up()
    for i in range(3):
        forged = {"x-forwarded-for": f"203.0.113.{i + 1}"}
        assert (
            await login_code(client, unique_email("nobody"), "whatever password", **forged)
            == "INVALID_CREDENTIALS"
        )

    assert (
        await login_code(client, admin.email, PASSWORD, **{"x-forwarded-for": "198.51.100.1"}) == "THROTTLED"
    )


async def test_failures_for_unknown_emails_never_lock_a_real_account(make_client):
    owner = await make_client("198.51.100.10")
    admin = await owner.sign_up()
    for i in range(4):
        stranger = await make_client(f"192.0.2.{150 + i}")
        for _ in range(10):
            await login_code(stranger, unique_email("nobody"), "whatever password")

    assert await login_code(owner, admin.email, PASSWORD) == "OK"


async def test_successful_logins_from_one_address_never_lock_it(make_client):
    client = await make_client("192.0.2.250", CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    admin = await client.sign_up()

    codes = [await login_code(client, admin.email, PASSWORD) for _ in range(6)]

    assert codes == ["OK"] * 6


PROXIES = trusted_networks("10.200.0.0/16, 2001:db8::/32")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("192.0.2.1", "203.0.113.9", "192.0.2.1"),  # untrusted peer: header ignored
        ("10.200.0.1", None, "10.200.0.1"),  # a proxy without the header is the client
        ("10.200.0.1", "203.0.113.9", "203.0.113.9"),
        ("10.200.0.1", "6.6.6.6, 203.0.113.9, 10.200.9.9", "203.0.113.9"),  # client-written hops not believed
        ("10.200.0.1", "10.200.1.1, 10.200.2.2", "10.200.1.1"),  # only proxies: the farthest one
        ("10.200.0.1", "not-an-ip, 203.0.113.9", "203.0.113.9"),
        ("10.200.0.1", "203.0.113.9, not-an-ip", "10.200.0.1"),  # garbage appended by our proxy's client
        ("2001:db8::1", "[2001:db8:ffff::2]:443, 198.51.100.4:5555", "198.51.100.4"),
    ],
)
def test_client_address_believes_forwarded_hops_only_from_trusted_proxies(peer, forwarded_for, expected):
    assert client_address(peer, forwarded_for, PROXIES) == expected


def test_a_bad_trusted_proxy_entry_is_refused_at_start():
    with pytest.raises(
        ValueError, match=re.escape("CRM_TRUSTED_PROXIES: 'proxy.local' is not an IP address or CIDR range")
    ):
        trusted_networks("10.0.0.0/8, proxy.local")


async def test_attempts_count_even_when_the_rest_of_the_request_rolls_back(make_client, monkeypatch):
    client = await make_client("192.0.2.251")
    admin = await client.sign_up()

    async def broken_log(*_args, **_kwargs):
        raise RuntimeError("the login log is down")

    monkeypatch.setattr(login, "log_attempt", broken_log)
    for _ in range(5):
        response = await login_request(client, admin.email, "wrong password")
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()

    assert await login_code(client, admin.email, PASSWORD) == "THROTTLED"
