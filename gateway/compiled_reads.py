"""The fast path of a read: one transaction on a raw connection, PostgreSQL's JSON straight out.

A read the planner (graph/compiled) can compile costs BEGIN + the credential check + one statement +
COMMIT on the pooled connection's asyncpg driver, with no SQLAlchemy session, no executor and no JSON
decoding: PostgreSQL's JSON text becomes the response body. The path answers or does nothing: a
credential it does not admit, or an operation it cannot compile for this role, rolls back and the
regular path serves the request (with its own errors, login log and so on). In `verify` mode (the test
suite) the executor runs the same operation too and any difference is reported as an error, so the whole
suite doubles as a differential test of the two paths.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from graph.compiled.planner import Planner
from tenants.credentials import AuthenticationFailed, Credential, authenticate_raw
from tenants.db import Database, connection_lost

logger = logging.getLogger("crm.compiled")


@dataclass
class VerifyReport:
    """What verify mode saw (the test suite asserts on it)."""

    compiled: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)


class CompiledReads:
    def __init__(self, planner: Planner, mode: str) -> None:
        self.planner = planner
        self.mode = mode
        self.report = VerifyReport()

    def wanted(self, params: dict[str, Any]) -> bool:
        """Whether to try the fast path for this operation at all (no database work)."""
        return self.mode != "off" and self.planner.might_compile(params["query"], params["operationName"])

    async def serve(
        self,
        db: Database,
        credential: Credential,
        client_address: str | None,
        request_id: str,
        params: dict[str, Any],
    ) -> bytes | None:
        """The `data` JSON of the operation, or None (nothing done) when the regular path must serve it."""
        transaction = await db.begin_raw()
        answered = False
        try:
            try:
                actor = await authenticate_raw(
                    transaction.connection,
                    credential,
                    request_id,
                    db.statement_timeout,
                    client_address,
                    self.planner.generic_plans(params["query"], params["operationName"]),
                )
            except AuthenticationFailed:
                return None
            plan = self.planner.plan(params["query"], params["operationName"], params["variables"], actor)
            if plan is None:
                return None
            try:
                data: str | None = await transaction.connection.fetchval(plan.sql, *plan.arguments)
            except asyncpg.PostgresError as error:
                if connection_lost(error):
                    raise
                # The executor answers it with its own error shape (and is the reference anyway).
                logger.warning("compiled read failed, served by the executor: %s", error)
                return None
            if data is None:  # a guard failed (see graph/compiled/registry.py, ValueRoot)
                return None
            answered = True
        finally:
            await transaction.finish(commit=answered)
        return data.encode()

    def compare(self, params: dict[str, Any], compiled: bytes, executed: dict[str, Any]) -> str | None:
        """verify mode: the difference between the two answers, or None when they agree."""
        self.report.compiled += 1
        expected = executed.get("data")
        got = orjson.loads(compiled)
        if executed.get("errors") or got != expected:
            difference = {"query": params["query"], "compiled": got, "executor": executed}
            self.report.mismatches.append(difference)
            logger.error("compiled read differs from the executor: %s", difference)
            return "The compiled read differs from the executor's answer (see the log)."
        return None
