"""Races: two dependencies that together would close a cycle, and two last approvals at once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from graph.approvals import requests
from graph.projects.planning import tasks
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor, builtin_permissions
from tests.approvals.test_approvals import submitted_change
from tests.crm.sql import raw_id
from tests.projects.documents import CHANGE, PROJECT, create_project, create_task, define_chain


async def test_concurrent_dependencies_cannot_close_a_cycle_together(client, services):
    admin = await client.sign_up()
    project = await create_project(client, admin)
    a = raw_id((await create_task(client, admin, project["id"], title="A"))["id"])
    b = raw_id((await create_task(client, admin, project["id"], title="B"))["id"])
    tenant_id, user_id = uuid.UUID(admin.tenant_id), raw_id(admin.user_id)
    actor = Actor(tenant_id, user_id, builtin_permissions("admin"))

    async def reverse_edge() -> None:
        async with services.db.transaction(tenant_id, user_id) as session:
            await tasks.add_task_dependency(session, actor, a, b)

    async with services.db.transaction(tenant_id, user_id) as first:
        await tasks.add_task_dependency(first, actor, b, a)
        racing = asyncio.create_task(reverse_edge())
        await asyncio.sleep(0.3)
        assert not racing.done()  # waits for the project's lock instead of reading a stale graph

    with pytest.raises(DomainError) as refused:
        await racing
    assert refused.value.code is ErrorCode.CYCLE


async def test_concurrent_last_approvals_advance_the_request_once(client, services):
    admin = await client.sign_up()
    first = await client.add_member(admin, "manager", "first")
    second = await client.add_member(admin, "manager", "second")
    await define_chain(
        client, admin, {"name": "Both", "rule": "ALL", "userIds": [first.user_id, second.user_id]}
    )
    project = await create_project(client, admin, budget="100")
    change = await submitted_change(client, admin, project["id"])
    request_id = raw_id(change["approval"]["id"])
    tenant_id = uuid.UUID(admin.tenant_id)

    async def decide(member) -> None:
        user_id = raw_id(member.user_id)
        actor = Actor(tenant_id, user_id, builtin_permissions("manager"))
        async with services.db.transaction(tenant_id, user_id) as session:
            await requests.decide(session, actor, request_id, "approve", None)

    await asyncio.gather(decide(first), decide(second))

    seen = (await client.execute(CHANGE, {"id": change["id"]}, admin.token))["node"]
    assert seen["approval"]["status"] == "APPROVED"
    assert [h["toStatus"] for h in seen["history"]].count("IMPLEMENTED") == 1
    budget = (await client.execute(PROJECT, {"id": project["id"]}, admin.token))["project"]["budget"]
    assert budget == "600.00"  # raised by the 500 cost impact exactly once
