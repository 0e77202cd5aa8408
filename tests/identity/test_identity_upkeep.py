"""The global identity tables' upkeep (graph/identity/upkeep.py, the `identity.purge` global job): sign-ups
that expired or were used more than a week ago and sessions that ended more than 30 days ago are removed;
anything newer, and every usable session, stays. It runs once per `crm jobs run`, outside any tenant,
and a second run removes nothing more."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from gateway.jobs import run_jobs
from tests.support import relay_uuid

ME = "{ me { user { email } } }"


async def add_sign_up(connection, label: str, expires_at: datetime, used_at: datetime | None = None) -> str:  # type: ignore[no-untyped-def]
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    await connection.execute(
        "insert into pending_sign_ups (id, token_hash, email, full_name, password_hash, tenant_name,"
        " locale, base_currency, expires_at, used_at)"
        " values ($1, $2, $3, 'Waiting', 'argon2-hash', 'Pending Co', 'zh-CN', 'CNY', $4, $5)",
        uuid.uuid4(),
        os.urandom(32),
        email,
        expires_at,
        used_at,
    )
    return email


async def add_session(
    connection, member, expires_at: datetime, revoked_at: datetime | None = None
) -> uuid.UUID:  # type: ignore[no-untyped-def]
    session_id = uuid.uuid4()
    await connection.execute(
        "insert into user_sessions (id, user_id, token_hash, active_tenant_id, expires_at, revoked_at)"
        " values ($1, $2, $3, $4, $5, $6)",
        session_id,
        uuid.UUID(relay_uuid(member.user_id)),
        os.urandom(32),
        uuid.UUID(member.tenant_id),
        expires_at,
        revoked_at,
    )
    return session_id


async def test_ended_sign_ups_and_sessions_are_removed_after_their_keeping_time(client, db, services):
    member = await client.sign_up("Upkeep Co")
    now = datetime.now(UTC)
    connection = await db.connect()
    sign_ups = {
        "expired long ago": await add_sign_up(connection, "old", now - timedelta(days=8)),
        "used long ago": await add_sign_up(
            connection, "used", now + timedelta(days=1), now - timedelta(days=8)
        ),
        "expired lately": await add_sign_up(connection, "late", now - timedelta(days=6)),
        "waiting": await add_sign_up(connection, "wait", now + timedelta(hours=20)),
    }
    sessions = {
        "expired long ago": await add_session(connection, member, now - timedelta(days=31)),
        "revoked long ago": await add_session(
            connection, member, now + timedelta(days=5), now - timedelta(days=31)
        ),
        "revoked lately": await add_session(
            connection, member, now + timedelta(days=5), now - timedelta(days=29)
        ),
        "usable": await add_session(connection, member, now + timedelta(days=5)),
    }

    [outcome] = await run_jobs(services.db, now, only="identity.purge")
    [again] = await run_jobs(services.db, now, only="identity.purge")

    assert (outcome.tenant_id, outcome.failed) == (None, False)
    kept_sign_ups = await connection.fetch(
        "select email from pending_sign_ups where email = any($1::text[])", list(sign_ups.values())
    )
    assert sorted(row["email"] for row in kept_sign_ups) == sorted(
        [sign_ups["expired lately"], sign_ups["waiting"]]
    )
    kept_sessions = await connection.fetch(
        "select id from user_sessions where id = any($1::uuid[])", list(sessions.values())
    )
    assert {row["id"] for row in kept_sessions} == {sessions["revoked lately"], sessions["usable"]}
    assert outcome.summary.startswith("removed ") and "2 ended sign-ups" in outcome.summary
    assert "0 ended sign-ups and 0 ended sessions" in again.summary
    # The member's own session from signing up is untouched and still works.
    assert (await client.execute(ME, token=member.token))["me"]["user"]["email"] == member.email
