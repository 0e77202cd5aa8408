"""Per-tenant numbering: patterns, periods, concurrency, and the admin mutation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from tenants.errors import DomainError
from tenants.numbering import next_number, period_of, render, validate_pattern
from tests.support import GraphQLClient

SET_PATTERN = """
mutation($sequence: String!, $pattern: String!) {
  setNumberingPattern(sequence: $sequence, pattern: $pattern) {
    sequence { key pattern defaultPattern } errors { field code message } } }
"""
SEQUENCES = "{ numberingSequences { nodes { key label pattern defaultPattern } } }"
NOV = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("QUO-{YYYY}-{SEQ:4}", "QUO-2026-0007"),
        ("{YY}{MM}/{SEQ:3}", "2611/007"),
        ("N{SEQ}", "N7"),
    ],
)
def test_render(pattern: str, expected: str) -> None:
    assert render(validate_pattern(pattern), NOV, 7) == expected


@pytest.mark.parametrize(
    "pattern", ["", "QUO-{YYYY}", "{SEQ}{SEQ}", "{SEQ:0}", "{SEQ:13}", "{DD}-{SEQ}", "A{-{SEQ}", "x" * 61]
)
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(DomainError) as error:
        validate_pattern(pattern)
    assert error.value.field == "pattern"


def test_period_follows_the_finest_date_token() -> None:
    assert period_of("{YYYY}-{MM}-{SEQ}", NOV) == "2026-11"
    assert period_of("{YY}-{SEQ}", NOV) == "2026"
    assert period_of("{SEQ:5}", NOV) == "all"


async def test_numbers_count_up_and_restart_each_year(services, client: GraphQLClient) -> None:
    admin = await client.sign_up("Numbers")
    tenant = uuid.UUID(admin.tenant_id)
    async with services.db.transaction(tenant) as session:
        first = await next_number(session, tenant, "test_invoice", NOV)
        second = await next_number(session, tenant, "test_invoice", NOV)
        next_year = await next_number(session, tenant, "test_invoice", datetime(2027, 1, 2, tzinfo=UTC))
    assert (first, second, next_year) == ("INV-2026-0001", "INV-2026-0002", "INV-2027-0001")


async def test_concurrent_creators_get_distinct_gap_free_numbers(services, client: GraphQLClient) -> None:
    admin = await client.sign_up("Race")
    tenant = uuid.UUID(admin.tenant_id)

    async def create(fail: bool) -> str | None:
        try:
            async with services.db.transaction(tenant) as session:
                number = await next_number(session, tenant, "test_invoice", NOV)
                if fail:
                    raise RuntimeError("the document failed validation after numbering")
                return number
        except RuntimeError:
            return None

    results = await asyncio.gather(*(create(fail=i % 5 == 0) for i in range(20)))
    numbers = sorted(n for n in results if n is not None)
    assert numbers == [f"INV-2026-{i:04d}" for i in range(1, 17)]


async def test_admin_changes_the_pattern_and_others_may_not(services, client: GraphQLClient) -> None:
    admin = await client.sign_up("Patterns")
    sales = await client.add_member(admin, "sales")
    other = await client.sign_up("Other")

    listed = (await client.execute(SEQUENCES, token=sales.token))["numberingSequences"]["nodes"]
    assert {
        "key": "test_invoice",
        "label": "Test invoices",
        "pattern": "INV-{YYYY}-{SEQ:4}",
        "defaultPattern": "INV-{YYYY}-{SEQ:4}",
    } in listed

    changed = await client.execute(
        SET_PATTERN, {"sequence": "test_invoice", "pattern": "F{YY}{SEQ:5}"}, admin.token
    )
    assert changed["setNumberingPattern"]["sequence"]["pattern"] == "F{YY}{SEQ:5}"
    tenant = uuid.UUID(admin.tenant_id)
    async with services.db.transaction(tenant) as session:
        assert await next_number(session, tenant, "test_invoice", NOV) == "F2600001"

    denied = await client.refused(
        SET_PATTERN, {"sequence": "test_invoice", "pattern": "X{SEQ}"}, sales.token, "setNumberingPattern"
    )
    assert denied == [(None, "PERMISSION_DENIED")]
    bad = await client.execute(SET_PATTERN, {"sequence": "test_invoice", "pattern": "X"}, admin.token)
    assert bad["setNumberingPattern"]["errors"][0]["field"] == "pattern"
    unknown = await client.execute(SET_PATTERN, {"sequence": "nope", "pattern": "X{SEQ}"}, admin.token)
    assert unknown["setNumberingPattern"]["errors"][0]["code"] == "NOT_FOUND"

    # Another tenant still has the default.
    theirs = (await client.execute(SEQUENCES, token=other.token))["numberingSequences"]["nodes"]
    assert next(s for s in theirs if s["key"] == "test_invoice")["pattern"] == "INV-{YYYY}-{SEQ:4}"
