"""The service desk's clock: one function, so a journey test can move time (SLA targets, reopen windows,
survey expiry) without sleeping. Jobs get their `now` from the runner instead."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
