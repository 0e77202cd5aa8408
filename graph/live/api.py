"""The Subscription root of the live area (merged into the schema by graph/schema.py)."""

from __future__ import annotations

from graph.live.accounts import AccountSubscription

SUBSCRIPTION_AREAS: tuple[type, ...] = (AccountSubscription,)
