"""Opaque secrets handed to clients: session tokens, API keys, invitation and sign-up confirmation tokens,
survey links (graph/service/surveys.py).

Each carries 256 random bits and is stored only as its SHA-256 (a fast hash is right here: the secret
is random, not a human password, so there is nothing to brute-force). API keys and invitation tokens
also carry their tenant id in clear, so they are looked up inside that tenant's RLS wall; a forged
tenant id simply finds nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

SESSION_PREFIX = "crms_"
API_KEY_PREFIX = "crm_"
INVITE_PREFIX = "crmi_"
SIGN_UP_PREFIX = "crmsu_"


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def same_digest(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def new_session_token() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class ParsedKey:
    tenant_id: uuid.UUID
    prefix: str
    secret: str


def new_api_key(tenant_id: uuid.UUID) -> tuple[str, str]:
    """Returns (full key shown once, prefix stored and shown in listings)."""
    prefix = secrets.token_hex(4)
    return f"{API_KEY_PREFIX}{tenant_id.hex}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def parse_api_key(key: str) -> ParsedKey | None:
    body = key.removeprefix(API_KEY_PREFIX)
    if body == key or len(body) < 42 or body[32] != "_" or body[41] != "_":
        return None
    try:
        tenant_id = uuid.UUID(hex=body[:32])
    except ValueError:
        return None
    return ParsedKey(tenant_id, body[33:41], body[42:])


def new_sign_up_token() -> str:
    return SIGN_UP_PREFIX + secrets.token_urlsafe(32)


def tenant_token(prefix: str, tenant_id: uuid.UUID) -> str:
    """`<prefix><tenant id hex>_<256 random bits>`: looked up inside that tenant's RLS wall."""
    return f"{prefix}{tenant_id.hex}_{secrets.token_urlsafe(32)}"


def token_tenant(prefix: str, token: str) -> uuid.UUID | None:
    """The tenant of a `tenant_token` of this prefix; None for anything else."""
    body = token.removeprefix(prefix)
    if body == token or len(body) < 34 or body[32] != "_":
        return None
    try:
        return uuid.UUID(hex=body[:32])
    except ValueError:
        return None


def new_invite_token(tenant_id: uuid.UUID) -> str:
    return tenant_token(INVITE_PREFIX, tenant_id)


def invite_tenant(token: str) -> uuid.UUID | None:
    return token_tenant(INVITE_PREFIX, token)
