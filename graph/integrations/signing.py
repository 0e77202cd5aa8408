"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>` with the endpoint's secret.

Headers of every delivery:
- `Webhook-Id`: the event id (the same on every retry and replay: receivers deduplicate by it);
- `Webhook-Timestamp`: Unix seconds when this attempt was signed (receivers refuse old ones: replay);
- `Webhook-Signature`: `v1=<hex>`, and during a secret rotation also `v1=<hex>` of the previous secret,
  separated by a space; a receiver accepts the request if any one matches a secret it knows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - the visible prefix of generated secrets


def new_secret() -> str:
    """256 random bits, shown once to the admin who creates or rotates it."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def signature_header(secrets_in_use: list[str], timestamp: int, body: bytes) -> str:
    return " ".join(signature(secret, timestamp, body) for secret in secrets_in_use)


def verify(secret: str, header: str, timestamp: int, body: bytes) -> bool:
    """What a receiver does (and the tests): any listed signature made with `secret` matches."""
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in header.split())
