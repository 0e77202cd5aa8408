"""Webhook endpoints through the API: the secret shown once, validation with exact errors (URL, SSRF,
event types), who may manage them (and subscribe to what), and the tenant wall for every new table
(through the API and in SQL as the application role)."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator

import asyncpg
import pytest

from graph.integrations.addresses import forbidden
from graph.integrations.config import WebhookConfig
from tests.admin.documents import assign, create_role, grants
from tests.integrations.support import (
    CREATE_ENDPOINT,
    DELETE_ENDPOINT,
    DELIVERIES,
    ENDPOINTS,
    UPDATE_ENDPOINT,
    closed_port,
    create_accounts,
    create_endpoint,
    webhook_config,
)
from tests.support import error_pairs

CATALOG = "{ webhookEventCatalog { eventTypes { name objectType } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url } } }"
TABLES = ("webhook_endpoints", "webhook_deliveries", "webhook_attempts", "idempotency_keys")


@pytest.fixture(autouse=True)
def local_receivers() -> Iterator[None]:
    with webhook_config():
        yield


def url() -> str:
    return f"http://127.0.0.1:{closed_port()}/hooks"


async def attempt(client, member, **input_values):  # type: ignore[no-untyped-def]
    values = {"url": url(), "eventTypes": ["account.created"], **input_values}
    return await client.mutate(CREATE_ENDPOINT, {"input": values}, member.token, "createWebhookEndpoint")


async def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(client):
    admin = await client.sign_up()
    target = url()
    created = await create_endpoint(client, admin, target, "account.updated", "account.created")
    endpoint = created["endpoint"]
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert endpoint["secretHint"] == created["secret"][:10]
    assert endpoint["eventTypes"] == ["account.created", "account.updated"]
    assert (endpoint["url"], endpoint["enabled"], endpoint["consecutiveFailures"]) == (target, True, 0)
    listed = (await client.execute(ENDPOINTS, None, admin.token))["webhookEndpoints"]
    assert listed["totalCount"] == 1 and "secret" not in listed["nodes"][0]
    assert (await client.execute(NODE, {"id": endpoint["id"]}, admin.token))["node"]["url"] == target

    catalog = (await client.execute(CATALOG, None, admin.token))["webhookEventCatalog"]["eventTypes"]
    names = {entry["name"]: entry["objectType"] for entry in catalog}
    assert names["account.created"] == "account" and names["opportunity.won"] == "opportunity"
    assert names["task.assigned"] == "task" and names["ticket.escalated"] == "ticket"

    changed = (
        await client.execute(
            UPDATE_ENDPOINT,
            {
                "id": endpoint["id"],
                "version": endpoint["version"],
                "input": {"enabled": False, "description": "CRM"},
            },
            admin.token,
        )
    )["updateWebhookEndpoint"]
    assert changed["errors"] == []
    assert (changed["endpoint"]["enabled"], changed["endpoint"]["disabledReason"]) == (
        False,
        "disabled by an admin",
    )
    stale = await client.mutate(
        UPDATE_ENDPOINT,
        {"id": endpoint["id"], "version": endpoint["version"], "input": {"enabled": True}},
        admin.token,
        "updateWebhookEndpoint",
    )
    assert error_pairs(stale) == [("version", "CONFLICT")]
    deleted = (await client.execute(DELETE_ENDPOINT, {"id": endpoint["id"]}, admin.token))[
        "deleteWebhookEndpoint"
    ]
    assert deleted == {"deletedId": endpoint["id"], "errors": []}
    assert (await client.execute(ENDPOINTS, None, admin.token))["webhookEndpoints"]["totalCount"] == 0


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("", ("url", "INVALID")),
        ("not a url", ("url", "INVALID")),
        ("ftp://example.com/hook", ("url", "INVALID")),
        ("https://user:pw@127.0.0.1/hook", ("url", "INVALID")),
        ("https://127.0.0.1:99999/hook", ("url", "INVALID")),
        ("https://no-such-host.invalid/hook", ("url", "INVALID")),
        ("https://10.0.0.8/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://172.16.4.4/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://192.168.1.1/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://169.254.169.254/latest/meta-data", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://[::1]/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://[::ffff:10.0.0.1]/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://[fe80::1]/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://0.0.0.0/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://224.0.0.1/hook", ("url", "ADDRESS_NOT_ALLOWED")),
        ("https://127.0.0.2/hook", ("url", "ADDRESS_NOT_ALLOWED")),  # only 127.0.0.1/32 is allowed here
    ],
)
async def test_bad_and_private_urls_are_refused_with_exact_errors(client, target, expected):
    admin = await client.sign_up()
    assert error_pairs(await attempt(client, admin, url=target)) == [expected]


async def test_private_addresses_are_refused_unless_configured_and_http_only_when_allowed(client):
    admin = await client.sign_up()
    with webhook_config(WebhookConfig()):  # the production defaults: https only, nothing private
        assert error_pairs(await attempt(client, admin, url=url())) == [("url", "INVALID")]
        loopback = await attempt(client, admin, url="https://127.0.0.1/hook")
        assert error_pairs(loopback) == [("url", "ADDRESS_NOT_ALLOWED")]
        localhost = await attempt(client, admin, url="https://localhost/hook")
        assert error_pairs(localhost) == [("url", "ADDRESS_NOT_ALLOWED")]
    for address in (
        "10.1.2.3",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fc00::1",
        "100.64.0.1",
        "2002:a00:1::",
    ):
        assert forbidden(ipaddress.ip_address(address)), address
    assert not forbidden(ipaddress.ip_address("93.184.216.34"))


async def test_event_types_are_checked(client):
    admin = await client.sign_up()
    unknown = await attempt(client, admin, eventTypes=["account.created", "account.exploded"])
    assert error_pairs(unknown) == [("eventTypes", "INVALID")]
    assert "account.exploded" in unknown["errors"][0]["message"]
    assert error_pairs(await attempt(client, admin, eventTypes=[])) == [("eventTypes", "REQUIRED")]
    both = await attempt(client, admin, url="https://10.0.0.1/", eventTypes=["nope"])
    assert sorted(error_pairs(both)) == [("eventTypes", "INVALID"), ("url", "ADDRESS_NOT_ALLOWED")]


async def test_only_integration_managers_and_only_for_records_they_read_in_full(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager")
    refused = await attempt(client, manager)
    assert refused["refused"] and [(e["field"], e["code"]) for e in refused["errors"]] == [
        (None, "PERMISSION_DENIED")
    ]
    assert (await client.post(ENDPOINTS, None, manager.token)).json()["errors"][0]["extensions"]["code"] == (
        "PERMISSION_DENIED"
    )
    # A role that manages integrations but reads only its own accounts cannot subscribe to all of them.
    role = await create_role(
        client, admin, "integrator", grants=grants("OWN"), capabilities=["MANAGE_INTEGRATIONS"]
    )
    await assign(client, admin, manager, role)
    narrow = await attempt(client, manager, eventTypes=["account.created"])
    assert error_pairs(narrow) == [("eventTypes", "PERMISSION_DENIED")]
    projects = await attempt(client, manager, eventTypes=["project.updated"])  # no project rights at all
    assert error_pairs(projects) == [("eventTypes", "PERMISSION_DENIED")]


async def test_another_tenant_sees_and_touches_nothing_through_the_api(client):
    admin, other = await client.sign_up("A"), await client.sign_up("B")
    endpoint = (await create_endpoint(client, admin, url(), "account.created"))["endpoint"]
    await create_accounts(client, admin, "Outboxed")
    assert (await client.execute(NODE, {"id": endpoint["id"]}, other.token))["node"] is None
    assert (await client.execute(ENDPOINTS, None, other.token))["webhookEndpoints"]["totalCount"] == 0
    log = await client.post(DELIVERIES, {"endpointId": endpoint["id"]}, other.token)
    assert log.json()["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "endpointId"}
    update = await client.mutate(
        UPDATE_ENDPOINT,
        {"id": endpoint["id"], "version": 1, "input": {"enabled": False}},
        other.token,
        "updateWebhookEndpoint",
    )
    assert error_pairs(update) == [("id", "NOT_FOUND")]
    delete = await client.mutate(
        DELETE_ENDPOINT, {"id": endpoint["id"]}, other.token, "deleteWebhookEndpoint"
    )
    assert error_pairs(delete) == [("id", "NOT_FOUND")]
    # Tenant B's own endpoint hears none of A's events.
    await create_endpoint(client, other, url(), "account.created")
    await create_accounts(client, admin, "Still only A's")
    assert (await client.execute(ENDPOINTS, None, admin.token))["webhookEndpoints"]["nodes"][0]["enabled"]


async def test_the_new_tables_are_walled_in_sql_for_the_application_role(client, db):
    admin, other = await client.sign_up("A"), await client.sign_up("B")
    await create_endpoint(client, admin, url(), "account.created")
    await create_accounts(client, admin, "Walled")
    await client.post(
        'mutation { createAccount(input: {name: "Keyed"}) { errors { code } } }',
        None,
        admin.token,
        **{"Idempotency-Key": "wall-1"},
    )
    connection = await db.connect()

    async def count(tenant: str, table: str) -> int:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", tenant)
            return int(await connection.fetchval(f"select count(*) from {table}"))

    for table in TABLES:
        assert await count(admin.tenant_id, table) >= (0 if table == "webhook_attempts" else 1), table
        assert await count(other.tenant_id, table) == 0, table
        assert int(await connection.fetchval(f"select count(*) from {table}")) == 0
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
            await connection.execute(
                "insert into webhook_endpoints (tenant_id, id, url, event_types, secret)"
                " values ($1, $2, 'https://x.example', '{account.created}', 's')",
                uuid.UUID(admin.tenant_id),
                uuid.uuid4(),
            )
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
        changed = await connection.execute("update webhook_endpoints set enabled = false")
        assert changed == "UPDATE 0"
