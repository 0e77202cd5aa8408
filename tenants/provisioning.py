"""What every new tenant starts with, contributed by each area (a default pipeline, option lists, ...).

Areas register `async def f(session, tenant_id) -> None` with `@on_tenant_created` at import time; the
hooks run inside the transaction that creates the tenant, already inside its RLS wall, in registration
order. `gateway.services` imports every area, so the CLI, the server and the tests all see every hook.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

TenantHook = Callable[[AsyncSession, uuid.UUID], Awaitable[None]]
TENANT_HOOKS: list[TenantHook] = []


def on_tenant_created(hook: TenantHook) -> TenantHook:
    if hook not in TENANT_HOOKS:
        TENANT_HOOKS.append(hook)
    return hook


async def provision_tenant(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    for hook in TENANT_HOOKS:
        await hook(session, tenant_id)
