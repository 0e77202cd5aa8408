"""Outgoing email behind one small interface: SMTP when configured, the log otherwise (development).

Identity mail (invitations, "you already have an account") goes through here, so invitation tokens reach
only the mailbox they were sent to. `send` raises `MailUnavailable` when the message could not be
handed over; `send_later` is for notices whose delivery must not change the caller's answer (they would
tell whether an email has an account): it returns at once and logs a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
import time
from collections import OrderedDict
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Literal, Protocol

log = logging.getLogger("crm.mail")

LONG_LINES = policy.default.clone(max_line_length=998)  # RFC 5322's limit
# Notices remembered for the once-per-interval rule; the oldest are forgotten first.
MAX_REMEMBERED_NOTICES = 10_000


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    # Set by senders that may repeat a message (notification deliveries), so mail clients dedupe it.
    message_id: str | None = None
    # Bulk mail (campaign messages): the unsubscribe link, also as the List-Unsubscribe header (RFC 2369).
    list_unsubscribe: str | None = None


class MailUnavailable(Exception):
    """The message could not be handed to the mail server."""


class MailSender(Protocol):
    async def send(self, mail: Mail) -> None: ...


class LogSender:
    """Development default: the message goes to the log (tokens included), nowhere else."""

    async def send(self, mail: Mail) -> None:
        log.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.body)


class NoMailServer:
    """Production without CRM_SMTP_HOST: nothing can be delivered, and tokens must not land in logs, so
    only recipient and subject are logged and the send fails (an invitation is then refused, not lost)."""

    async def send(self, mail: Mail) -> None:
        log.warning("mail to %s not sent, no CRM_SMTP_HOST: %s", mail.to, mail.subject)
        raise MailUnavailable("no mail server is configured (CRM_SMTP_HOST)")


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    security: Literal["none", "starttls", "tls"] = "starttls"
    timeout_seconds: float = 10.0

    async def send(self, mail: Mail) -> None:
        # A List-Unsubscribe URL is one unfoldable word: a longer line limit keeps it a plain header
        # (the default 78 would turn it into an encoded word that clients do not read as a URL).
        message = EmailMessage(policy=LONG_LINES) if mail.list_unsubscribe else EmailMessage()
        # A subject quotes tenant names, which may hold line breaks; headers may not.
        message["From"], message["To"] = self.sender, mail.to
        message["Subject"] = " ".join(mail.subject.split())
        if mail.message_id:
            message["Message-ID"] = mail.message_id
        if mail.list_unsubscribe:
            message["List-Unsubscribe"] = f"<{mail.list_unsubscribe}>"
        message.set_content(mail.body)
        try:
            # smtplib blocks: run it off the event loop.
            await asyncio.to_thread(self.deliver, message)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail to %s failed: %s", mail.to, error)
            raise MailUnavailable(str(error)) from error

    def deliver(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp_class = smtplib.SMTP_SSL if self.security == "tls" else smtplib.SMTP
        extra = {"context": context} if self.security == "tls" else {}
        with smtp_class(self.host, self.port, timeout=self.timeout_seconds, **extra) as smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


class Mailer:
    """A sender plus fire-and-forget delivery for notices (tasks are kept until done).

    Notices are triggered by anyone who knows an address (signUp with it), so the same notice goes to the
    same address at most once per `notice_interval` per process: no mailbox can be flooded through us.
    """

    def __init__(self, sender: MailSender, notice_interval_seconds: float = 900.0) -> None:
        self.sender = sender
        self.notice_interval = notice_interval_seconds
        self.pending: set[asyncio.Task[None]] = set()
        self.recent: OrderedDict[tuple[str, str], float] = OrderedDict()  # (to, subject) -> monotonic time

    @property
    def can_deliver(self) -> bool:
        """False when no mail server is configured at all (production without CRM_SMTP_HOST)."""
        return not isinstance(self.sender, NoMailServer)

    async def send(self, mail: Mail) -> None:
        await self.sender.send(mail)

    def send_later(self, mail: Mail) -> None:
        key, now = (mail.to.lower(), mail.subject), time.monotonic()
        last = self.recent.get(key)
        if last is not None and now - last < self.notice_interval:
            return
        self.recent[key] = now
        self.recent.move_to_end(key)
        while len(self.recent) > MAX_REMEMBERED_NOTICES:
            self.recent.popitem(last=False)
        task = asyncio.create_task(self.deliver_quietly(mail))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def deliver_quietly(self, mail: Mail) -> None:
        # A failure is logged by the sender; the caller's answer must not depend on it.
        with contextlib.suppress(MailUnavailable):
            await self.sender.send(mail)
