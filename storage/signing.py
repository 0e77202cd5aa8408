"""Signed, expiring tokens for the gateway's own upload and download routes (local backend).

A token is `base64url(json payload).base64url(HMAC-SHA256)`; the payload carries the object key and an
expiry, so a URL cannot be guessed, altered to reach another key, or used after it expires. The secret
comes from configuration (or a file created once under the data directory), shared by every worker.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class InvalidToken(Exception):
    """Forged, altered, malformed or expired."""


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(
        self,
        secret: bytes | None = None,
        *,
        secret_file: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if secret is None and secret_file is None:
            raise ValueError("A signer needs a secret or a file to keep one in.")
        self._secret = secret
        self.secret_file = secret_file
        self.clock = clock

    @property
    def secret(self) -> bytes:
        # Read (or created) on first use, so merely building the services writes nothing to disk.
        if self._secret is None:
            assert self.secret_file is not None
            self._secret = load_or_create_secret(self.secret_file)
        return self._secret

    def sign(self, purpose: str, payload: dict[str, Any], expires_in: int) -> str:
        body = {**payload, "purpose": purpose, "exp": int(self.clock()) + expires_in}
        encoded = _encode(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
        return f"{encoded}.{self._mac(encoded)}"

    def verify(self, purpose: str, token: str) -> dict[str, Any]:
        encoded, _, mac = token.partition(".")
        if not encoded or not hmac.compare_digest(mac, self._mac(encoded)):
            raise InvalidToken("This link is not valid.")
        try:
            body = json.loads(_decode(encoded))
        except (ValueError, UnicodeDecodeError):
            raise InvalidToken("This link is not valid.") from None
        if body.get("purpose") != purpose:
            raise InvalidToken("This link is not valid here.")
        if not isinstance(body.get("exp"), int) or body["exp"] < self.clock():
            raise InvalidToken("This link has expired; ask for a new one.")
        return body

    def _mac(self, encoded: str) -> str:
        return _encode(hmac.new(self.secret, encoded.encode(), hashlib.sha256).digest())


def load_or_create_secret(path: Path) -> bytes:
    """The secret stored at `path`, created (mode 0600) on first use."""
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    path.touch(mode=0o600)
    path.write_text(secret.hex())
    return secret
