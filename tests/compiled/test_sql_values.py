"""The compiled path spells ids, datetimes and cursors exactly as the executor does."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import pytest
from sqlakeyset.results import serialize_bookmark
from sqlakeyset.types import Marker
from sqlalchemy import DateTime, String, literal, select
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from graph.compiled.sql import cursor, global_id, iso_datetime
from graph.core.pagination import encode_cursor

ID = uuid.UUID("0190c0de-0000-7000-8000-00000000beef")
TRICKY = ["plain", "a~b", 'a"b', "a\\b", "a\nb", "a\\nb", "a\rb", "中文 名字", " x,y ", "", '~\\"\n']


async def scalar(services, expression):  # type: ignore[no-untyped-def]
    async with services.db.engine.connect() as connection:
        return await connection.scalar(select(expression))


@pytest.mark.parametrize("value", TRICKY)
async def test_text_cursor_matches_sqlakeyset(services, value: str) -> None:  # type: ignore[no-untyped-def]
    expected = encode_cursor(serialize_bookmark(Marker((value, ID), False)))
    got = await scalar(services, cursor([(literal(value, String), str), (literal(ID, PG_UUID), uuid.UUID)]))
    assert got == expected


@pytest.mark.parametrize("microsecond", [0, 1, 120000, 999999])
async def test_datetime_cursor_and_value_match(services, microsecond: int) -> None:  # type: ignore[no-untyped-def]
    moment = datetime(2026, 12, 3, 5, 53, 3, microsecond, tzinfo=UTC)
    column = literal(moment, DateTime(timezone=True))
    expected = encode_cursor(serialize_bookmark(Marker((moment, ID), False)))
    assert await scalar(services, cursor([(column, datetime), (literal(ID, PG_UUID), uuid.UUID)])) == expected
    assert await scalar(services, iso_datetime(column)) == moment.isoformat()


@pytest.mark.parametrize("type_name", ["User", "ProjectTemplateMilestoneChecklistItem"])
async def test_global_id_matches_relay(services, type_name: str) -> None:  # type: ignore[no-untyped-def]
    expected = base64.b64encode(f"{type_name}:{ID}".encode()).decode()
    assert await scalar(services, global_id(type_name, literal(ID, PG_UUID))) == expected
