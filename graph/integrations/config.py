"""Webhook settings of this process, set once at start-up (gateway/services.py) from `config.Settings`.

Jobs receive no services, so the delivery job reads them here, as notifications read their channels.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class WebhookConfig:
    # Networks a webhook may reach although they are not public (a receiver on this host, an intranet).
    allowed_networks: tuple[Network, ...] = ()
    allow_http: bool = False
    timeout_seconds: float = 10.0
    max_response_bytes: int = 65_536
    max_attempts: int = 10
    disable_after: int = 20
    # A rotated secret still signs (beside the new one) for this long, so receivers can switch over.
    secret_overlap: timedelta = timedelta(hours=24)
    # A claimed delivery belongs to its runner this long; a runner that died is taken over afterwards.
    lease: timedelta = timedelta(seconds=60)
    # Retry delays: base * 2^(attempt-1), capped, each with "equal jitter" (half fixed, half random).
    retry_base: timedelta = timedelta(seconds=30)
    retry_cap: timedelta = timedelta(hours=6)
    batch: int = field(default=50)


def parse_networks(text: str) -> tuple[Network, ...]:
    """`CRM_WEBHOOK_ALLOWED_NETWORKS`: comma-separated addresses or CIDR ranges; a bad one stops the start."""
    networks = []
    for entry in (piece.strip() for piece in text.split(",")):
        if entry:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(
                    f"CRM_WEBHOOK_ALLOWED_NETWORKS: '{entry}' is not an address or network"
                ) from None
    return tuple(networks)


_config = WebhookConfig()


def configure(config: WebhookConfig) -> None:
    global _config
    _config = config


def current() -> WebhookConfig:
    return _config
