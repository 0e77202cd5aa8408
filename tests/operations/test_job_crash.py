"""The job runner survives a crash mid-job (issue 22): a runner killed with SIGKILL after handing a
message over but before COMMIT leaves its claim to PostgreSQL, which undoes it at once; the next run
claims the same delivery, sends it and marks it sent once; a run after that sends nothing. A runner that
hangs while holding its claim loses it when its lease (idle_in_transaction_session_timeout) runs out."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

from gateway.jobs import run_one
from graph.notifications.channels import Channels, use_channels
from graph.notifications.delivery import deliver_notifications
from tenants.mail import Mail
from tests.notifications.support import RecordingSms, at, notify_members
from tests.notifications.test_delivery import deliveries

ROOT = Path(__file__).resolve().parents[2]
JOB = "notifications.deliver"
NOW = "2030-05-01T09:00:00+00:00"

# The crashing runner: the real job, with a mail server that records the message and then the process
# dies by SIGKILL (no exception handler, no rollback, no atexit: the socket simply closes).
CRASHING_RUNNER = textwrap.dedent(
    """
    import asyncio, json, os, signal, sys, uuid
    from datetime import datetime
    from gateway.jobs import run_one
    from graph.notifications.channels import Channels, LogSms, use_channels
    from graph.notifications.delivery import deliver_notifications
    from tenants.db import Database

    url, tenant, now, record = sys.argv[1:5]

    class DyingMail:
        async def send(self, mail):
            with open(record, "a") as out:
                out.write(json.dumps({"to": mail.to, "message_id": mail.message_id}) + "\\n")
            os.kill(os.getpid(), signal.SIGKILL)

    use_channels(Channels(mail=DyingMail(), sms=LogSms()))
    db = Database(url)
    asyncio.run(run_one(db, "notifications.deliver", deliver_notifications, uuid.UUID(tenant),
                        datetime.fromisoformat(now)))
    """
)


class RecordingMail:
    def __init__(self, hold: asyncio.Event | None = None) -> None:
        self.sent: list[Mail] = []
        self.hold = hold

    async def send(self, mail: Mail) -> None:
        if self.hold is not None:
            await self.hold.wait()
        self.sent.append(mail)


async def test_a_runner_killed_mid_job_is_retried_without_duplicate_effects(
    client, services, db, database_urls, tmp_path
):
    admin = await client.sign_up("Crash")
    await notify_members(services, admin.tenant_id, [admin.user_id], subject="Renewal due")
    record = tmp_path / "handed-over.jsonl"

    crashed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", CRASHING_RUNNER, database_urls.app, admin.tenant_id, NOW, str(record)],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert crashed.returncode == -9, crashed.stderr.decode()[-2000:]
    (handed_over,) = [json.loads(line) for line in record.read_text().splitlines()]
    # Nothing the dead runner did in the database survived it.
    assert await deliveries(db, admin.tenant_id) == [("email", "pending", 0)]

    mail = RecordingMail()
    previous = use_channels(Channels(mail=mail, sms=RecordingSms()))
    tenant = uuid.UUID(admin.tenant_id)
    try:
        started = time.monotonic()
        retried = await run_one(services.db, JOB, deliver_notifications, tenant, at(NOW))
        claimed_within = time.monotonic() - started
        again = await run_one(services.db, JOB, deliver_notifications, tenant, at(NOW))
    finally:
        use_channels(previous)

    assert retried.summary == "sent 1, not sent 0" and claimed_within < 5  # no lock left to wait for
    assert again.summary == "sent 0, not sent 0"
    assert await deliveries(db, admin.tenant_id) == [("email", "sent", 1)]
    # The message handed over before the crash went out again (the one gap: delivery is at least once);
    # it carries the same Message-ID, so the recipient's mail client shows it once.
    assert [m.message_id for m in mail.sent] == [handed_over["message_id"]]
    assert handed_over["to"] == admin.email


async def test_a_hung_runner_loses_its_claim_when_the_lease_runs_out(client, services, db):
    admin = await client.sign_up("Hung")
    await notify_members(services, admin.tenant_id, [admin.user_id], subject="Quarterly review")
    tenant = uuid.UUID(admin.tenant_id)
    release = asyncio.Event()
    hung_mail, healthy_mail = RecordingMail(hold=release), RecordingMail()

    previous = use_channels(Channels(mail=hung_mail, sms=RecordingSms()))
    try:
        hung = asyncio.create_task(run_one(services.db, JOB, deliver_notifications, tenant, at(NOW), 0.3))
        for _ in range(200):  # until the hung runner holds the delivery
            if await claimed(db, admin.tenant_id):
                break
            await asyncio.sleep(0.05)
        use_channels(Channels(mail=healthy_mail, sms=RecordingSms()))
        await asyncio.sleep(0.6)  # past the hung runner's 0.3 s lease
        retried = await run_one(services.db, JOB, deliver_notifications, tenant, at(NOW), 0.3)
        release.set()
        hung_outcome = await hung
    finally:
        use_channels(previous)

    assert retried.summary == "sent 1, not sent 0"
    assert hung_outcome.failed  # its COMMIT found the session ended
    assert await deliveries(db, admin.tenant_id) == [("email", "sent", 1)]
    assert len(healthy_mail.sent) == 1


async def claimed(db, tenant_id: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether another transaction holds the tenant's delivery row (SKIP LOCKED sees nothing)."""
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        free = await connection.fetch("select id from notification_deliveries for update skip locked")
    return not free
