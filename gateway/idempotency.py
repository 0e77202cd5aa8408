"""Idempotency keys: a mutation sent with `Idempotency-Key` runs once; a retry gets the first answer.

The key belongs to (tenant, credential, key): the API key's id for a key, the user's id for a session.
It is claimed in the mutation's own transaction, first thing after authentication, and the response is
stored in that same transaction just before COMMIT, on both write paths (the fast path's compiled create,
gateway/fast_path.py, and the executor, graph/core/context.py `before_commit`). So:

- the key and the records commit together or not at all: a request that fails, or whose payload has
  errors (its writes are rolled back), keeps no key, and its retry runs again;
- a concurrent duplicate waits: its claim is a unique insert, which waits for the holder's transaction
  to end, then reads the committed response (the SQL function `crm_idempotency_claim`, migration 0310);
  it never runs the mutation a second time, so two racing requests create one record;
- a retry with the same key and the same request (query, variables, operation name; hashed) gets the
  stored response with `Idempotency-Replayed: true`; a different request under the same key is refused,
  `IDEMPOTENCY_CONFLICT` (HTTP 422); the fast path leaves both to the executor's path;
- keys live `CRM_IDEMPOTENCY_TTL_HOURS` (24 h), then the `idempotency.purge` job removes them (an expired
  key not purged yet is claimed afresh).

Queries ignore the header, and so does a request without a credential (there is nothing to scope it to).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.http import process_result

from tenants.errors import ErrorCode
from tenants.permissions import Actor

IDEMPOTENCY_HEADER = "idempotency-key"
# Where the view leaves the request's IdempotentRequest for the fast path (gateway/app.py).
IDEMPOTENCY_SCOPE = "crm.idempotency"
REPLAYED_HEADER = "Idempotency-Replayed"
MAX_KEY_LENGTH = 255
CONFLICT_STATUS = 422
CONFLICT_MESSAGE = "This Idempotency-Key was used with a different request; use a new key for a new request."

# A mutation that commits in steps or moves to another tenant (login, switchTenant) may commit its key
# without the answer: a retry cannot be answered and is told so.
UNKEPT_MESSAGE = (
    "The request with this Idempotency-Key ran, but its answer could not be kept; read the result instead of "
    "retrying, or use a new key."
)

CLAIM = "select claimed, request_hash, response from crm_idempotency_claim($1, $2, $3, $4)"
STORE = "select crm_idempotency_store($1, $2, $3)"
CLAIM_SESSION = text(
    "select claimed, request_hash, response from crm_idempotency_claim(:principal, :key, :hash, :ttl)"
)
STORE_SESSION = text("select crm_idempotency_store(:principal, :key, :response)")


class InvalidKey(ValueError):
    """The header is not a usable key."""


@dataclass(frozen=True)
class Claim:
    """What the claim found: the key is ours (`claimed`), or another request's with its response."""

    claimed: bool
    same_request: bool
    response: str | None


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    request_hash: bytes
    ttl_seconds: int

    @staticmethod
    def principal(actor: Actor) -> uuid.UUID:
        return actor.api_key_id or actor.user_id

    def claim_of(self, row: Any) -> Claim:
        return Claim(bool(row[0]), bytes(row[1]) == self.request_hash, row[2])

    async def claim_raw(self, connection: asyncpg.Connection, actor: Actor) -> Claim:
        row = await connection.fetchrow(
            CLAIM, self.principal(actor), self.key, self.request_hash, self.ttl_seconds
        )
        return self.claim_of(row)

    async def store_raw(self, connection: asyncpg.Connection, actor: Actor, body: str) -> None:
        await connection.execute(STORE, self.principal(actor), self.key, body)

    async def claim(self, session: AsyncSession, actor: Actor) -> Claim:
        parameters = {
            "principal": self.principal(actor),
            "key": self.key,
            "hash": self.request_hash,
            "ttl": self.ttl_seconds,
        }
        return self.claim_of((await session.execute(CLAIM_SESSION, parameters)).one())

    def store_before_commit(self, actor: Actor) -> Any:
        """The executor path's `before_commit`: the response as the client will get it."""

        async def store(session: AsyncSession, result: Any) -> None:
            body = orjson.dumps(process_result(result)).decode()
            parameters = {"principal": self.principal(actor), "key": self.key, "response": body}
            await session.execute(STORE_SESSION, parameters)

        return store


def idempotent_request(
    key: str | None, method: str, params: dict[str, Any], ttl_hours: int
) -> IdempotentRequest | None:
    """The request's idempotency, or None: no header, not POST, or not a mutation (queries ignore it;
    a document that does not parse is left to the executor to refuse)."""
    if key is None or method != "POST" or not is_mutation(params["query"], params["operationName"]):
        return None
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise InvalidKey(
            f"An Idempotency-Key is 1-{MAX_KEY_LENGTH} visible ASCII characters (a UUID is a good one)."
        )
    canonical = orjson.dumps(
        {
            "query": params["query"],
            "variables": params["variables"] or {},
            "operationName": params["operationName"],
        },
        option=orjson.OPT_SORT_KEYS,
    )
    return IdempotentRequest(key, hashlib.sha256(canonical).digest(), ttl_hours * 3600)


def is_mutation(query: str, operation_name: str | None) -> bool:
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    return len(chosen) == 1 and chosen[0].operation is OperationType.MUTATION


def conflict_code() -> str:
    return ErrorCode.IDEMPOTENCY_CONFLICT.value
