"""SQL helpers for the CRM tests, run as the application role inside a tenant."""

from __future__ import annotations

import uuid

from strawberry import relay


def raw_id(global_id: str) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def put_in_team(db, tenant_id: str, team_name: str, *user_ids: str) -> None:
    """Creates a team in the tenant and moves the given members (global user ids) into it."""
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        team_id = uuid.uuid4()
        await connection.execute(
            "insert into teams (tenant_id, id, name) values ($1, $2, $3)",
            uuid.UUID(tenant_id),
            team_id,
            team_name,
        )
        await connection.execute(
            "update memberships set team_id = $1 where user_id = any($2::uuid[])",
            team_id,
            [raw_id(user_id) for user_id in user_ids],
        )


async def backdate_accounts(db, tenant_id: str, days: int, *account_ids: str) -> None:
    """Moves the accounts' creation `days` into the past (the reclaim rules count from it)."""
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        await connection.execute(
            "update accounts set created_at = created_at - make_interval(days => $1) where id = any($2::uuid[])",
            days,
            [raw_id(account_id) for account_id in account_ids],
        )
