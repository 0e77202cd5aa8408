"""Two writers racing on the same version: the loser gets CONFLICT, the winner's change stands."""

from __future__ import annotations

import uuid

import pytest

from graph.crm import accounts
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor, builtin_permissions
from tests.crm.documents import ACCOUNT, create_account
from tests.crm.sql import raw_id


async def test_concurrent_update_with_the_same_version_is_a_conflict(client, services):
    admin = await client.sign_up()
    account = await create_account(client, admin, name="Original")
    tenant_id, user_id, account_id = uuid.UUID(admin.tenant_id), raw_id(admin.user_id), raw_id(account["id"])
    actor = Actor(tenant_id, user_id, builtin_permissions("admin"))

    with pytest.raises(DomainError) as lost:
        async with services.db.transaction(tenant_id, user_id) as slow:
            # Holding the record keeps it in the slow session's identity map at version 1, as a
            # request that read it before the other writer committed would.
            read_early = await accounts.get_account(slow, actor, account_id)
            early_version = read_early.version
            async with services.db.transaction(tenant_id, user_id) as fast:
                await accounts.update_account(fast, actor, account_id, 1, {"name": "Fast"})
            await accounts.update_account(slow, actor, account_id, 1, {"name": "Slow"})

    assert early_version == 1
    assert (lost.value.code, lost.value.field) == (ErrorCode.CONFLICT, "version")
    current = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]
    assert (current["name"], current["version"]) == ("Fast", 2)
