"""Log records carry the request id and tenant id of the request they were written in; with
CRM_LOG_FORMAT=json (the production default) each record is one JSON object per line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from config.settings import Settings
from gateway.observability.context import CURRENT

# Attributes every LogRecord has; anything else was passed in `extra=` and goes into the JSON object.
STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "tenant_id",
}


class RequestIds(logging.Filter):
    """Puts `request_id` and `tenant_id` on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        observation = CURRENT.get()
        if not hasattr(record, "request_id"):
            record.request_id = observation.request_id if observation is not None else None
        if not hasattr(record, "tenant_id"):
            tenant = observation.tenant_id if observation is not None else None
            record.tenant_id = str(tenant) if tenant is not None else None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "tenant_id": getattr(record, "tenant_id", None),
        }
        for name, value in record.__dict__.items():
            if name not in STANDARD_ATTRIBUTES and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(tenant_id)s] %(message)s"


def configure_logging(settings: Settings, level: int = logging.INFO) -> None:
    """The root logger's handler for a server or CLI process (replaces `logging.basicConfig`)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIds())
    handler.setFormatter(JsonFormatter() if settings.json_logs else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
