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


async def test_the_phone_key_is_inlined_into_the_statements_that_use_them(services) -> None:  # type: ignore[no-untyped-def]
    """Duplicate checks compute it (migration 0382): a function with a search path of its own is called
    through the function manager instead, which cost a create statement 12 % of its PostgreSQL CPU.
    Inlined, the plan shows the function's body instead."""
    from sqlalchemy import text

    async with services.db.engine.connect() as connection:
        plan = "\n".join(
            await connection.scalars(
                text("explain (verbose, costs off) select crm_phone_digits(name) from accounts")
            )
        )
    assert "crm_" not in plan, plan


COMPANY_NAMES = [
    "Acme Inc.",
    "ACME, Inc",
    "Foo (Holdings) Ltd",
    "Müller GmbH & Co. KG",
    "北京字节跳动科技有限公司",
    "腾讯\uff08深圳\uff09有限公司",  # full-width forms
    "【测试】集团",
    "\uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \uff23\uff4f",  # full-width forms
    "삼성전자 주식회사",
    "株式会社トヨタ",
    "a\\b [x] \t tab",
    "  ",
    "",
]


@pytest.mark.parametrize("name", COMPANY_NAMES)
async def test_the_company_key_function_computes_what_its_sql_body_did(services, name: str) -> None:  # type: ignore[no-untyped-def]
    """Migration 0401 moved `crm_company_key` to PL/pgSQL (a generated column's expression is prepared at
    every insert; a PL/pgSQL call is not): the same key as the SQL body it replaced, which the stored
    keys were computed with, also for the patterns written with backslashes."""
    import importlib

    from sqlalchemy import bindparam, text

    revision = importlib.import_module("migrations.versions.0401_company_key_plpgsql")
    previous = revision.PREVIOUS_EXPRESSION.replace("NORMALIZE(name,", "NORMALIZE(cast(:name as text),")
    async with services.db.engine.connect() as connection:
        language = await connection.scalar(
            text(
                "select l.lanname from pg_proc p join pg_language l on l.oid = p.prolang where p.proname = 'crm_company_key'"
            )
        )
        keys = (
            await connection.execute(
                text(f"select crm_company_key(:name), {previous}").bindparams(bindparam("name", name))
            )
        ).one()
    assert language == "plpgsql"
    assert keys[0] == keys[1]


async def test_the_array_key_functions_switch_no_search_path(services) -> None:  # type: ignore[no-untyped-def]
    """Their bodies hold a subquery, so they are not inlined; without a search path of their own they
    are at least called without switching it (and back) for every contact a trigger keys. Nor does the
    PL/pgSQL company key (its builtins are schema-qualified)."""
    from sqlalchemy import text

    async with services.db.engine.connect() as connection:
        configured = await connection.scalars(
            text(
                "select proname from pg_proc where proname in ('crm_lower_array', 'crm_phone_digits_array',"
                " 'crm_company_key', 'crm_phone_digits') and proconfig is not null"
            )
        )
        assert list(configured) == []
