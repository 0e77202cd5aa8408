"""The Twilio adapter against a local HTTP server speaking its Messages API: a notification's SMS is
POSTed with basic auth and form fields; a refusal is retried later; configuration picks the adapter."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from gateway.services import sms_sender
from graph.notifications.channels import Channels, LogSms, TwilioSms
from graph.notifications.delivery import deliver_pending
from tests.conftest import make_settings
from tests.notifications.support import UPDATE_PREFERENCES, at, notify_members


class FakeTwilio(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 201

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {
                "path": self.path,
                "auth": self.headers["Authorization"],
                "form": parse_qs(self.rfile.read(length).decode()),
            }
        )
        body = json.dumps({"sid": "SM1", "status": "queued"}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:  # quiet
        pass


@pytest.fixture
def twilio() -> Iterator[tuple[type[FakeTwilio], str]]:
    FakeTwilio.received, FakeTwilio.status = [], 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FakeTwilio, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_an_sms_goes_to_twilio_once_and_a_refusal_is_retried(client, services, twilio, db):
    handler, url = twilio
    admin = await client.sign_up()
    saved = await client.mutate(
        UPDATE_PREFERENCES,
        {"version": 0, "input": {"emailEnabled": False, "smsEnabled": True, "smsNumber": "+4915112345678"}},
        admin.token,
        "updateNotificationPreferences",
    )
    assert saved["errors"] == []
    channels = Channels(sms=TwilioSms("AC123", "secret", "+15005550006", url))
    tenant = uuid.UUID(admin.tenant_id)

    handler.status = 400
    await notify_members(services, admin.tenant_id, [admin.user_id], subject="Visit", body="Globex at 10")
    async with services.db.transaction(tenant) as session:
        assert await deliver_pending(session, tenant, at("2030-01-01T09:00:00+00:00"), channels) == (0, 1)
    handler.status = 201
    async with services.db.transaction(tenant) as session:
        assert await deliver_pending(session, tenant, at("2030-01-01T09:06:00+00:00"), channels) == (1, 0)
        assert await deliver_pending(session, tenant, at("2030-01-01T10:00:00+00:00"), channels) == (0, 0)

    assert len(handler.received) == 2
    last = handler.received[-1]
    assert last["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert last["auth"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert last["form"] == {
        "To": ["+4915112345678"],
        "From": ["+15005550006"],
        "Body": ["Visit: Globex at 10"],
    }


def test_configuration_picks_twilio_or_the_log():
    assert isinstance(sms_sender(make_settings()), LogSms)
    chosen = sms_sender(
        make_settings(CRM_TWILIO_ACCOUNT_SID="AC1", CRM_TWILIO_AUTH_TOKEN="t", CRM_SMS_FROM="+15005550006")
    )
    assert chosen == TwilioSms("AC1", "t", "+15005550006", "https://api.twilio.com")
