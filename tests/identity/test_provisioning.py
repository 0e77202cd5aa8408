"""Areas' tenant set-up hooks run inside the sign-up transaction, inside the new tenant's RLS wall."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.provisioning import TENANT_HOOKS, on_tenant_created
from tests.support import GraphQLClient


async def test_sign_up_runs_every_tenant_hook_inside_the_new_tenant(client: GraphQLClient) -> None:
    seen: list[tuple[uuid.UUID, str]] = []

    async def record(session: AsyncSession, tenant_id: uuid.UUID) -> None:
        current = await session.scalar(text("select current_setting('app.tenant_id', true)"))
        seen.append((tenant_id, current))

    on_tenant_created(record)
    try:
        member = await client.sign_up("Hooked")
    finally:
        TENANT_HOOKS.remove(record)

    assert len(seen) == 1
    tenant_id, current = seen[0]
    assert str(tenant_id) == current
    me = await client.execute("{ me { tenant { id name } } }", token=member.token)
    assert me["me"]["tenant"]["name"] == "Hooked"
