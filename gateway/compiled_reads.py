"""The fast path of a read: the compiled statement on the request's own transaction, JSON straight out.

A read the planner (graph/compiled) can compile costs BEGIN + the credential check + one statement +
COMMIT, and PostgreSQL's JSON text is sent as the response body without being decoded. Everything else
(mutations, errors, fields the planner does not know) goes to the executor. In `verify` mode (the test
suite) the executor runs the same operation too and any difference is reported as an error, so the whole
suite doubles as a differential test of the two paths.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import orjson

from graph.compiled.planner import BoundPlan, Planner
from graph.core.context import RequestContext

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

    def plan(self, context: RequestContext, params: dict[str, Any]) -> BoundPlan | None:
        if self.mode == "off" or context.actor_or_none is None:
            return None
        return self.planner.plan(
            params["query"], params["operationName"], params["variables"], context.actor_or_none
        )

    async def run(self, context: RequestContext, plan: BoundPlan) -> bytes:
        """The `data` JSON of the operation, read inside the request's transaction."""
        session = await context.session()
        connection = await (await session.connection()).get_raw_connection()
        data: str = await connection.driver_connection.fetchval(plan.sql, *plan.arguments)
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
