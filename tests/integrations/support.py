"""Documents, configuration and a receiver process shared by the integration tests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.jobs import run_one
from graph.integrations import config
from graph.integrations.config import WebhookConfig, parse_networks
from graph.integrations.delivery import deliver_webhooks
from tests.servers import ROOT, free_port
from tests.support import GraphQLClient, Member, relay_uuid

ERRORS = "errors { field code message }"
ENDPOINT_FIELDS = "id url description eventTypes secretHint rotatingUntil enabled disabledReason consecutiveFailures version"
CREATE_ENDPOINT = f"""
mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{ endpoint {{ {ENDPOINT_FIELDS} }} secret {ERRORS} }}
}}"""
UPDATE_ENDPOINT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(id: $id, version: $version, input: $input) {{ endpoint {{ {ENDPOINT_FIELDS} }} {ERRORS} }}
}}"""
ROTATE = f"""
mutation($id: ID!, $version: Int!) {{
  rotateWebhookSecret(id: $id, version: $version) {{ endpoint {{ {ENDPOINT_FIELDS} }} secret {ERRORS} }}
}}"""
DELETE_ENDPOINT = f"""
mutation($id: ID!) {{ deleteWebhookEndpoint(id: $id) {{ deletedId {ERRORS} }} }}"""
ENDPOINTS = f"{{ webhookEndpoints(first: 10) {{ totalCount nodes {{ {ENDPOINT_FIELDS} }} }} }}"
DELIVERIES = """
query($endpointId: ID!, $filter: WebhookDeliveryFilter, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id eventId eventType status attemptCount lastStatusCode lastError deliveredAt
            attempts { attempt statusCode error durationMs succeeded } }
  }
}"""
REPLAY = f"""
mutation($id: ID!) {{ replayWebhookDelivery(id: $id) {{ delivery {{ id status attemptCount }} {ERRORS} }} }}"""
CREATE_ACCOUNT = """
mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id name } errors { code } } }"""

LOCAL = WebhookConfig(
    allowed_networks=parse_networks("127.0.0.1/32"),
    allow_http=True,
    timeout_seconds=10.0,  # generous: a receiver just started on a busy machine may answer slowly
    max_attempts=10,
    disable_after=3,
)


@contextmanager
def webhook_config(settings: WebhookConfig = LOCAL) -> Iterator[WebhookConfig]:
    previous = config.current()
    config.configure(settings)
    try:
        yield settings
    finally:
        config.configure(previous)


async def create_endpoint(client: GraphQLClient, admin: Member, url: str, *types: str) -> dict[str, Any]:
    variables = {"input": {"url": url, "eventTypes": list(types) or ["account.created"]}}
    payload = (await client.execute(CREATE_ENDPOINT, variables, admin.token))["createWebhookEndpoint"]
    assert payload["errors"] == [], payload
    return payload


async def create_accounts(client: GraphQLClient, member: Member, *names: str) -> list[str]:
    ids = []
    for name in names:
        payload = (await client.execute(CREATE_ACCOUNT, {"input": {"name": name}}, member.token))[
            "createAccount"
        ]
        assert payload["errors"] == [], payload
        ids.append(payload["account"]["id"])
    return ids


async def deliver(db: Any, member: Member, at: datetime) -> str:
    """One run of the delivery job for the member's tenant at `at` (the job's clock)."""
    from uuid import UUID

    outcome = await run_one(db, "webhooks.deliver", deliver_webhooks, UUID(member.tenant_id), at)
    assert not outcome.failed, outcome
    return outcome.summary


def later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def closed_port() -> int:
    """A port nothing listens on (connection refused)."""
    return free_port()


class Receiver:
    """tests/integrations/receiver.py as a process: started, killed, started again on the same port."""

    def __init__(self, log_path: Path, secret: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/crm"
        self.log_path = log_path
        self.secret = secret
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, crash_at: int = 0) -> Receiver:
        arguments = [str(self.port), str(self.log_path), self.secret, str(crash_at)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integrations.receiver", *arguments], cwd=ROOT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the receiver did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def entries(self) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]


def uuid_of(global_id: str) -> str:
    return relay_uuid(global_id)
