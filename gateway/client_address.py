"""The client's address, believing `X-Forwarded-For` only from the reverse proxies we were told about.

uvicorn runs with `proxy_headers=False`, so the ASGI peer is whoever opened the TCP connection. Behind a
proxy that is the proxy, and every client would share one address (one login limit for everybody).
From a configured proxy (`CRM_TRUSTED_PROXIES`) the header is read from the right, each hop having been
appended by the hop after it, skipping trusted proxies; the first untrusted hop is the client. Anything
a client writes further left is not believed, and from an untrusted peer the header is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """Parses `CRM_TRUSTED_PROXIES` (comma-separated addresses or CIDR ranges); refuses a bad entry."""
    networks = []
    for entry in (part.strip() for part in setting.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"CRM_TRUSTED_PROXIES: '{entry}' is not an IP address or CIDR range (e.g. 10.0.0.0/8)."
            ) from None
    return tuple(networks)


def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: Sequence[Network]
) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, networks: Sequence[Network]) -> str | None:
    if peer is None or not forwarded_for or not is_trusted(parse_address(peer), networks):
        return peer
    address = peer
    for hop in reversed(forwarded_for.split(",")):
        parsed = parse_address(hop)
        if parsed is None:  # garbage from beyond our proxies: the last trusted hop is all we know
            break
        address = str(parsed)
        if not is_trusted(parsed, networks):
            break
    return address
