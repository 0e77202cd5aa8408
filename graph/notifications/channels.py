"""The delivery channels besides the app itself: email (tenants/mail.py senders) and SMS.

SMS sits behind `SmsSender`; `LogSms` writes the message to the log (development, and deployments without
a provider). The process's channels are configured once by the gateway (`use_channels`); the delivery job
reads them here, since jobs receive no services.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from tenants.mail import LogSender, MailSender

log = logging.getLogger("crm.notifications")


class SmsUnavailable(Exception):
    """The message could not be handed to the SMS provider."""


@dataclass(frozen=True)
class Sms:
    to: str
    text: str
    # Where the provider should report delivery (campaign SMS, graph/marketing/sms.py); None: no reports.
    status_callback: str | None = None


class SmsSender(Protocol):
    async def send(self, message: Sms) -> str | None:
        """Hands the message over; returns the provider's id of it when the provider gives one."""
        ...


class LogSms:
    """Logs each message instead of sending it."""

    async def send(self, message: Sms) -> str | None:
        log.info("sms to %s: %s", message.to, message.text)
        return None


@dataclass(frozen=True)
class TwilioSms:
    """Twilio's Messages API (form POST with basic auth). `api_url` comes from configuration only, never
    from a tenant, so the server cannot be pointed at another host by a user."""

    account_sid: str
    auth_token: str
    sender: str
    api_url: str = "https://api.twilio.com"
    timeout_seconds: float = 10.0

    async def send(self, message: Sms) -> str | None:
        # urllib blocks: run it off the event loop.
        return await asyncio.to_thread(self.deliver, message)

    def deliver(self, message: Sms) -> str | None:
        """POSTs the message; returns Twilio's message SID (None if the answer carries none)."""
        url = f"{self.api_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        fields = {"To": message.to, "From": self.sender, "Body": message.text}
        if message.status_callback:
            fields["StatusCallback"] = message.status_callback
        form = urllib.parse.urlencode(fields).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured API, http(s) only
            url,
            data=form,
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                answer = response.read(65_536)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode(errors="replace")
            log.warning("sms to %s refused by Twilio (%s): %s", message.to, error.code, detail)
            raise SmsUnavailable(f"Twilio answered {error.code}") from error
        except OSError as error:
            log.warning("sms to %s failed: %s", message.to, error)
            raise SmsUnavailable(str(error)) from error
        try:
            sid = json.loads(answer).get("sid")
        except (ValueError, AttributeError):
            return None
        return sid if isinstance(sid, str) and 0 < len(sid) <= 64 else None


@dataclass
class Channels:
    mail: MailSender = field(default_factory=LogSender)
    sms: SmsSender = field(default_factory=LogSms)


CONFIGURED = Channels()


def use_channels(channels: Channels) -> Channels:
    """Make `channels` the process's delivery channels; returns the ones they replace."""
    global CONFIGURED
    previous, CONFIGURED = CONFIGURED, channels
    return previous


def configured_channels() -> Channels:
    return CONFIGURED
