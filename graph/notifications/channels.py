"""The delivery channels besides the app itself: email (tenants/mail.py senders) and SMS.

SMS sits behind `SmsSender`; `LogSms` writes the message to the log (development, and deployments without
a provider). The process's channels are configured once by the gateway (`use_channels`); the delivery job
reads them here, since jobs receive no services.
"""

from __future__ import annotations

import logging
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


class SmsSender(Protocol):
    async def send(self, message: Sms) -> None: ...


class LogSms:
    """Logs each message instead of sending it."""

    async def send(self, message: Sms) -> None:
        log.info("sms to %s: %s", message.to, message.text)


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
