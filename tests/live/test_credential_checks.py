"""The per-event credential check: one query per event for a tenant's connections, never a stale answer.

A connection may use the answer of a check that started after its event was received, whoever asked for
it; a check that started before the event (so before a revocation it must see) is never reused.
"""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from gateway.services import Services
from graph.live.checks import CredentialChecks
from tenants.credentials import AuthenticationFailed, credential_from
from tests.support import GraphQLClient, Member

LOGOUT = "mutation { logout { ok errors { code } } }"


def connection_of(member: Member) -> Any:
    """What `CredentialChecks.actor_for` reads of a LiveContext."""
    return SimpleNamespace(
        credential=credential_from(member.token),
        actor=SimpleNamespace(tenant_id=uuid.UUID(member.tenant_id)),
        request_id="test",
        client_address=None,
    )


@pytest.fixture
def checks(services: Services) -> tuple[CredentialChecks, list[int]]:
    """Checks on the test database, with the number of sessions each query asked about."""
    checks = CredentialChecks(services.db)
    queries: list[int] = []
    rows = checks._rows

    async def counted(tenant_id: uuid.UUID, hashes: set[bytes]) -> Any:
        queries.append(len(hashes))
        return await rows(tenant_id, hashes)

    checks._rows = counted  # type: ignore[method-assign]
    return checks, queries


async def test_one_query_answers_every_connection_of_the_tenant_for_an_event(
    client: GraphQLClient, checks: tuple[CredentialChecks, list[int]]
) -> None:
    credential_checks, queries = checks
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    first, second = connection_of(admin), connection_of(viewer)
    # Both connections were checked once (for an earlier event), so the check knows both sessions.
    await credential_checks.actor_for(first, time.monotonic())
    await credential_checks.actor_for(second, time.monotonic())
    queries.clear()

    received = time.monotonic()  # a new event: the first connection to get there checks everyone
    actor, checked_at = await credential_checks.actor_for(first, received)
    assert actor.user_id != (await credential_checks.actor_for(second, received))[0].user_id
    assert queries == [2]
    assert checked_at >= received


async def test_a_check_from_before_the_event_is_not_reused_and_a_revocation_is_seen(
    client: GraphQLClient, checks: tuple[CredentialChecks, list[int]]
) -> None:
    credential_checks, queries = checks
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer", "viewer")
    first, second = connection_of(admin), connection_of(viewer)
    await credential_checks.actor_for(first, time.monotonic())
    await credential_checks.actor_for(second, time.monotonic())

    assert (await client.execute(LOGOUT, token=viewer.token))["logout"] == {"ok": True, "errors": []}
    queries.clear()
    received = time.monotonic()  # the event after the logout
    await credential_checks.actor_for(first, received)
    with pytest.raises(AuthenticationFailed, match="expired or was revoked"):
        await credential_checks.actor_for(second, received)
    assert queries == [2]  # the logged-out session was answered by the check the first one started
