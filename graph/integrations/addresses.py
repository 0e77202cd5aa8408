"""The SSRF guard: where a webhook may be sent.

A URL is checked when an endpoint is saved and again before every delivery: the host is resolved and
every address it resolves to must be public (not private, loopback, link-local, multicast, reserved,
unspecified, or a v4 address mapped/translated into v6 that is any of those) unless a configured network
allows it. The delivery then connects to the address it checked (`Target.address`), with the URL's host
in the Host header and TLS server name, so a DNS answer that changes between check and connect
(rebinding) cannot send the request elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from graph.integrations.config import WebhookConfig
from tenants.errors import DomainError, ErrorCode

MAX_URL = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect, and what to call the host."""

    url: SplitResult
    host: str
    port: int
    address: Address

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        path = self.url.path or "/"
        query = f"?{self.url.query}" if self.url.query else ""
        return f"{self.url.scheme}://{host}:{self.port}{path}{query}"

    @property
    def host_header(self) -> str:
        default = 443 if self.url.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse_url(url: str, config: WebhookConfig, field: str = "url") -> SplitResult:
    """The URL's parts; INVALID for what is not an absolute http(s) URL we may send to."""
    text = url.strip()
    if not text or len(text) > MAX_URL:
        raise DomainError(ErrorCode.INVALID, f"A webhook URL is 1-{MAX_URL} characters.", field)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Not a valid URL.", field) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DomainError(ErrorCode.INVALID, "A webhook URL is an absolute https:// URL.", field)
    if parts.scheme == "http" and not config.allow_http:
        raise DomainError(
            ErrorCode.INVALID, "Webhook URLs must use https (this server does not allow plain http).", field
        )
    if parts.username is not None or parts.password is not None:
        raise DomainError(ErrorCode.INVALID, "A webhook URL may not carry a user name or password.", field)
    if parts.fragment:
        raise DomainError(ErrorCode.INVALID, "A webhook URL has no #fragment.", field)
    if any(ord(c) < 33 or ord(c) == 127 for c in text):
        raise DomainError(ErrorCode.INVALID, "A webhook URL has no spaces or control characters.", field)
    return parts


def forbidden(address: Address) -> bool:
    """Whether an address is outside the public internet."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and forbidden(embedded):
            return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def allowed(address: Address, config: WebhookConfig) -> bool:
    if any(address.version == network.version and address in network for network in config.allowed_networks):
        return True
    return not forbidden(address)


async def resolve(host: str, port: int) -> list[Address]:
    """The addresses a host name (or literal) stands for; empty when it does not resolve."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_url(url: str, config: WebhookConfig, field: str = "url") -> Target:
    """The URL as a Target to connect to, or a DomainError: INVALID (malformed, no such host) or
    ADDRESS_NOT_ALLOWED (any address it resolves to is not public and not in an allowed network)."""
    parts = parse_url(url, config, field)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await resolve(host, port)
    if not addresses:
        raise DomainError(ErrorCode.INVALID, f"The host '{host}' does not resolve.", field)
    refused = [a for a in addresses if not allowed(a, config)]
    if refused:
        raise DomainError(
            ErrorCode.ADDRESS_NOT_ALLOWED,
            f"'{host}' resolves to {refused[0]}, which is not a public address; webhooks may only reach "
            "the public internet (an operator can allow networks with CRM_WEBHOOK_ALLOWED_NETWORKS).",
            field,
        )
    return Target(parts, host, port, addresses[0])
