"""The mutation wrapper: domain errors and lost unique races become payload errors, others propagate."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import IntegrityError

from graph.core.errors import UserError, mutation_payload
from tenants.errors import DomainError, ErrorCode


@dataclass
class Payload:
    value: str | None = None
    errors: list[UserError] = field(default_factory=list)


class FakeContext:
    def __init__(self) -> None:
        self.savepoints_rolled_back = 0

    @asynccontextmanager
    async def savepoint(self):
        try:
            yield None
        except Exception:
            self.savepoints_rolled_back += 1
            raise


def driver_error(sqlstate: str) -> IntegrityError:
    return IntegrityError("insert ...", {}, SimpleNamespace(sqlstate=sqlstate))


def info_with(context: FakeContext) -> SimpleNamespace:
    return SimpleNamespace(context=context)


async def test_domain_error_becomes_payload_errors_after_rollback():
    context = FakeContext()

    @mutation_payload(Payload)
    async def resolver(info):
        raise DomainError(ErrorCode.INVALID, "Bad name.", "name")

    payload = await resolver(info=info_with(context))

    assert payload.value is None
    assert [(e.field, e.code) for e in payload.errors] == [("name", "INVALID")]
    assert context.savepoints_rolled_back == 1


async def test_unique_violation_from_a_race_is_a_conflict():
    context = FakeContext()

    @mutation_payload(Payload)
    async def resolver(info):
        raise driver_error("23505")

    payload = await resolver(info=info_with(context))

    assert [e.code for e in payload.errors] == ["CONFLICT"]
    assert context.savepoints_rolled_back == 1


async def test_other_integrity_errors_are_unexpected():
    @mutation_payload(Payload)
    async def resolver(info):
        raise driver_error("23503")

    with pytest.raises(IntegrityError):
        await resolver(info=info_with(FakeContext()))
