"""Closed-loop load: `concurrency` clients each send the next request as soon as the last one answered."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Variables = Callable[[], dict[str, Any]]
Check = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class Scenario:
    name: str
    document: str
    variables: Variables
    check: Check  # returns a problem description for a wrong answer, None when the answer is right


@dataclass
class Stats:
    scenario: str
    tenant: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: int = 0
    first_error: str | None = None
    elapsed: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def merge(self, other: Stats) -> Stats:
        """Two measurements of the same scenario and tenant as one (times and latencies add up)."""
        return Stats(
            self.scenario,
            self.tenant,
            self.latencies + other.latencies,
            self.errors + other.errors,
            self.first_error or other.first_error,
            self.elapsed + other.elapsed,
        )

    def percentile_ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): the smallest value with at least p% of values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


async def send(client: httpx.AsyncClient, token: str, scenario: Scenario) -> str | None:
    """One request; returns a problem description or None."""
    response = await client.post(
        "/graphql",
        json={"query": scenario.document, "variables": scenario.variables()},
        headers={"authorization": f"Bearer {token}"},
    )
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    body = response.json()
    if body.get("errors"):
        return f"GraphQL errors: {body['errors']}"[:500]
    return scenario.check(body.get("data") or {})


async def drive(
    client: httpx.AsyncClient,
    token: str,
    scenario: Scenario,
    tenant: str,
    *,
    concurrency: int,
    duration: float | None,
    requests: int | None,
    warmup: int,
) -> Stats:
    """Warm up (uncounted), then run until `duration` seconds passed or `requests` were sent."""
    problem = await send(client, token, scenario)
    if problem:
        raise RuntimeError(f"{scenario.name} on the {tenant} tenant fails: {problem}")
    for _ in range(max(0, warmup - 1)):
        await send(client, token, scenario)

    stats = Stats(scenario.name, tenant)
    sent = 0
    started = time.perf_counter()
    deadline = started + duration if duration else math.inf

    async def worker() -> None:
        nonlocal sent
        while time.perf_counter() < deadline and (requests is None or sent < requests):
            sent += 1
            begun = time.perf_counter()
            try:
                problem = await send(client, token, scenario)
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            if problem:
                stats.errors += 1
                stats.first_error = stats.first_error or problem
            else:
                stats.latencies.append(time.perf_counter() - begun)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    stats.elapsed = time.perf_counter() - started
    return stats
