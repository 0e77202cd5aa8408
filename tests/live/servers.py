"""uvicorn processes for the live tests, with the WebSocket knobs turned down so tests stay fast."""

from __future__ import annotations

from pathlib import Path

from tests.servers import UvicornServer

# Short intervals: a revoked credential is noticed within half a second, an idle socket is pinged every
# second, an unacknowledged one times out after one; a queue of 4 overflows under a burst of events.
LIVE_ENVIRONMENT = {
    "CRM_WS_INIT_TIMEOUT_SECONDS": "1",
    "CRM_WS_PING_SECONDS": "1",
    "CRM_LIVE_REVALIDATE_SECONDS": "0.5",
    "CRM_LIVE_QUEUE_SIZE": "4",
    "CRM_LIVE_LISTENER_PING_SECONDS": "0.5",
    "CRM_WS_MAX_SUBSCRIPTIONS": "3",
    "CRM_WS_ALLOWED_ORIGINS": "https://app.example.com",
}


class Server(UvicornServer):
    """A development-mode server with the live knobs above (and any overrides)."""

    def __init__(self, database_url: str, log_path: Path, **environment: str) -> None:
        super().__init__(database_url, log_path, {**LIVE_ENVIRONMENT, **environment})
