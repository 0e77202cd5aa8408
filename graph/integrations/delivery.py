"""The webhook delivery job: POSTs the outbox, signed, once per event and endpoint, with retries.

`crm jobs run --job webhooks.deliver` (cron, every minute) runs per tenant in three steps, none of which
holds a transaction while a receiver answers:

1. claim: due pending deliveries of enabled endpoints are leased (`lease_token`, `leased_until`) in a
   short transaction with FOR UPDATE SKIP LOCKED, so two runners never take the same one; a runner
   that dies leaves leases that expire, and the next run takes them over;
2. send: the URL is checked again (DNS rebinding: the request goes to the address just checked),
   signed, POSTed with httpx (no redirects, no proxies from the environment, a timeout, at most
   `max_response_bytes` of the answer read). An endpoint that fails is not tried again in this run:
   its other claimed deliveries are released untried;
3. record, in a transaction per delivery and only while the lease is still ours: the attempt in the
   log; success (2xx) closes the delivery; a failure schedules the next attempt after an exponential
   delay with jitter, or fails the delivery after `max_attempts`; the endpoint's consecutive failures
   are counted and at `disable_after` it is disabled and its admins notified.

A receiver may get an event twice (its 2xx lost, or a crash between send and record): the event id
(`Webhook-Id`) is the same on every attempt, so receivers deduplicate by it.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.ids import encode_id
from graph.core.jobs import Transactions, batched_job
from graph.integrations import config
from graph.integrations.addresses import check_url
from graph.integrations.catalog import ID_TYPES
from graph.integrations.config import WebhookConfig
from graph.integrations.endpoints import signing_secrets
from graph.integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from graph.integrations.signing import signature_header
from graph.notifications.notify import notify
from tenants.errors import DomainError
from tenants.identity import role_permissions
from tenants.ids import new_id
from tenants.models import Membership, Role
from tenants.permissions import Capability

log = logging.getLogger("crm.webhooks")
USER_AGENT = "crm-webhooks/1"
MAX_ERROR = 500


@dataclass(frozen=True)
class Claimed:
    delivery_id: uuid.UUID
    attempt: int
    body: bytes
    event_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.error is None


def retry_delay(attempts: int, settings: WebhookConfig) -> timedelta:
    """base * 2^(attempts-1), capped; half of it fixed and half random ("equal jitter"), so receivers
    coming back from an outage are not hit by every sender's retries at the same instant."""
    ceiling = min(settings.retry_cap, settings.retry_base * 2 ** (attempts - 1))
    return ceiling / 2 + ceiling / 2 * random.random()  # noqa: S311 - jitter, not a secret


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """What the receiver gets: the event's ids as global ids (what `node(id:)` takes), no record data."""
    event = delivery.event
    ids = {
        name: str(encode_id(ID_TYPES[name], uuid.UUID(value))) if value and name in ID_TYPES else value
        for name, value in (event.get("ids") or {}).items()
    }
    return orjson.dumps(
        {
            "id": str(delivery.event_id),
            "type": delivery.event_type,
            "occurredAt": delivery.created_at.astimezone(UTC).isoformat(),
            "tenantId": str(encode_id("Tenant", delivery.tenant_id)),
            "data": ids,
            "version": event.get("version"),
        }
    )


async def claim(
    session: AsyncSession, tenant_id: uuid.UUID, now: datetime, token: uuid.UUID, settings: WebhookConfig
) -> list[Claimed]:
    due = (
        select(WebhookDelivery.id)
        .join(
            WebhookEndpoint,
            (WebhookEndpoint.tenant_id == WebhookDelivery.tenant_id)
            & (WebhookEndpoint.id == WebhookDelivery.endpoint_id),
        )
        .where(
            WebhookDelivery.tenant_id == tenant_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            (WebhookDelivery.leased_until.is_(None)) | (WebhookDelivery.leased_until <= now),
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(settings.batch)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
        # Materialized: as an IN (subquery) PostgreSQL may run it again for each candidate row, and with
        # SKIP LOCKED each run can find other rows, so more than `batch` would be leased.
        .cte("due")
        .prefix_with("MATERIALIZED")
    )
    leased = (
        await session.scalars(
            update(WebhookDelivery)
            .where(WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.id.in_(select(due.c.id)))
            .values(leased_until=now + settings.lease, lease_token=token)
            .returning(WebhookDelivery)
        )
    ).all()
    if not leased:
        return []
    endpoints = {
        endpoint.id: endpoint
        for endpoint in await session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.tenant_id == tenant_id,
                WebhookEndpoint.id.in_({d.endpoint_id for d in leased}),
            )
        )
    }
    ordered = sorted(leased, key=lambda d: (d.next_attempt_at, d.id))
    return [
        Claimed(
            d.id,
            d.attempts + 1,
            webhook_body(d),
            d.event_id,
            d.endpoint_id,
            endpoints[d.endpoint_id].url,
            signing_secrets(endpoints[d.endpoint_id], now),
        )
        for d in ordered
    ]


async def send(
    client: httpx.AsyncClient, claimed: Claimed, now: datetime, settings: WebhookConfig
) -> Outcome:
    """One POST; never raises for what the receiver or the network does."""
    started = time.monotonic()

    def outcome(status_code: int | None, error: str | None) -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(status_code, error[:MAX_ERROR] if error else None, elapsed)

    try:
        target = await check_url(claimed.url, settings)
    except DomainError as refused:
        return outcome(None, refused.message)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": target.host_header,
        "Webhook-Id": str(claimed.event_id),
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": signature_header(claimed.secrets, timestamp, claimed.body),
    }
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    try:
        request = client.build_request(
            "POST", target.connect_url, content=claimed.body, headers=headers, extensions=extensions
        )
        response = await client.send(request, stream=True)
        try:
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= settings.max_response_bytes:
                    break  # the rest is not read: a receiver cannot make us download without end
        finally:
            await response.aclose()
    except httpx.TimeoutException:
        return outcome(None, f"timed out after {settings.timeout_seconds:g} s")
    except httpx.HTTPError as error:
        return outcome(
            None, f"{error.__class__.__name__}: {error}" if str(error) else error.__class__.__name__
        )
    if 200 <= response.status_code < 300:
        return outcome(response.status_code, None)
    return outcome(response.status_code, f"HTTP {response.status_code}")


async def admins(session: AsyncSession, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    """Active members whose role manages integrations."""
    rows = await session.execute(
        select(Membership.user_id, Role)
        .join(Role, (Role.tenant_id == Membership.tenant_id) & (Role.id == Membership.role_id))
        .where(Membership.tenant_id == tenant_id, Membership.is_active.is_(True))
    )
    return [user_id for user_id, role in rows if role_permissions(role).has(Capability.MANAGE_INTEGRATIONS)]


async def count_failure(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    now: datetime,
    settings: WebhookConfig,
) -> None:
    endpoint = WebhookEndpoint
    failures = await session.scalar(
        update(endpoint)
        .where(endpoint.tenant_id == tenant_id, endpoint.id == endpoint_id)
        .values(consecutive_failures=endpoint.consecutive_failures + 1)
        .returning(endpoint.consecutive_failures)
    )
    if failures is None or failures < settings.disable_after:
        return
    reason = f"disabled after {failures} consecutive failed deliveries"
    disabled = (
        await session.execute(
            update(endpoint)
            .where(endpoint.tenant_id == tenant_id, endpoint.id == endpoint_id, endpoint.enabled.is_(True))
            .values(
                enabled=False, disabled_reason=reason, version=endpoint.version + 1, updated_at=func.now()
            )
            .returning(endpoint.url, endpoint.version)
        )
    ).one_or_none()
    if disabled is None:
        return  # already disabled (another runner counted the same threshold)
    url, version = disabled
    await notify(
        session,
        tenant_id,
        await admins(session, tenant_id),
        "webhook.disabled",
        "A webhook endpoint was disabled",
        f"{url} failed {failures} deliveries in a row and was disabled; events wait for it to be enabled "
        "again (updateWebhookEndpoint with enabled: true).",
        key=f"webhook.disabled:{endpoint_id}:{version}",
        now=now,
        data={"url": url, "failures": failures},
    )


async def record(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    claimed: Claimed,
    outcome: Outcome,
    token: uuid.UUID,
    now: datetime,
    settings: WebhookConfig,
) -> None:
    delivery = await session.scalar(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.tenant_id == tenant_id,
            WebhookDelivery.id == claimed.delivery_id,
            WebhookDelivery.lease_token == token,
        )
        .with_for_update()
    )
    if delivery is None:
        return  # the lease expired and another runner took the delivery over: its record counts
    session.add(
        WebhookAttempt(
            tenant_id=tenant_id,
            id=new_id(),
            delivery_id=delivery.id,
            attempt=claimed.attempt,
            started_at=now,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
            succeeded=outcome.succeeded,
        )
    )
    delivery.attempts = claimed.attempt
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    delivery.leased_until = delivery.lease_token = None
    if outcome.succeeded:
        delivery.status, delivery.delivered_at = "succeeded", now
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.id == claimed.endpoint_id)
            .values(consecutive_failures=0)
        )
    else:
        if delivery.attempts >= settings.max_attempts:
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, settings)
        await count_failure(session, tenant_id, claimed.endpoint_id, now, settings)
    await session.flush()


async def release(
    session: AsyncSession, tenant_id: uuid.UUID, ids: list[uuid.UUID], token: uuid.UUID
) -> None:
    """Claimed deliveries not tried in this run go back untouched (no attempt counted)."""
    if ids:
        await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.tenant_id == tenant_id,
                WebhookDelivery.id.in_(ids),
                WebhookDelivery.lease_token == token,
            )
            .values(leased_until=None, lease_token=None)
        )


def http_client(settings: WebhookConfig) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.timeout_seconds),
        follow_redirects=False,
        trust_env=False,  # no proxy from the environment: the address checked is the address reached
        limits=httpx.Limits(max_connections=10, max_keepalive_connections=0),
    )


@batched_job("webhooks.deliver")
async def deliver_webhooks(transactions: Transactions, tenant_id: uuid.UUID, now: datetime) -> str:
    settings = config.current()
    token = uuid.uuid4()
    async with transactions() as session:
        claimed = await claim(session, tenant_id, now, token, settings)
    if not claimed:
        return "delivered 0, failed 0"
    delivered = failed = 0
    failing: set[uuid.UUID] = set()
    untried: list[uuid.UUID] = []
    async with http_client(settings) as client:
        for item in claimed:
            if item.endpoint_id in failing:
                untried.append(item.delivery_id)
                continue
            outcome = await send(client, item, now, settings)
            async with transactions() as session:
                await record(session, tenant_id, item, outcome, token, now, settings)
            if outcome.succeeded:
                delivered += 1
            else:
                failed += 1
                failing.add(item.endpoint_id)
                log.info("webhook %s to %s failed: %s", item.event_id, item.url, outcome.error)
    if untried:
        async with transactions() as session:
            await release(session, tenant_id, untried, token)
    summary = f"delivered {delivered}, failed {failed}"
    return summary + (f", {len(untried)} left for the next run" if untried else "")
