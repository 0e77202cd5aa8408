"""The Subscription root of the live area (merged into the schema by graph/schema.py)."""

from __future__ import annotations

from graph.live.accounts import AccountSubscription
from graph.live.projects import ProjectSubscription
from graph.live.sales import SalesSubscription
from graph.sales.pipeline.live import PipelineSubscription

SUBSCRIPTION_AREAS: tuple[type, ...] = (
    AccountSubscription,
    PipelineSubscription,
    SalesSubscription,
    ProjectSubscription,
)
