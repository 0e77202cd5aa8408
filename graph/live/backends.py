"""Which event bus a server process uses, from configuration."""

from __future__ import annotations

from config.settings import Settings
from graph.live.bus import EventBus
from graph.live.postgres import PostgresEventBus


def build_event_bus(settings: Settings, database_url: str) -> EventBus:
    return PostgresEventBus(
        settings.event_bus_url or database_url,
        max_queue=settings.live_queue_size,
        health_interval=settings.live_listener_ping_seconds,
    )
