"""SQL expressions that produce exactly the JSON values the GraphQL executor would serialize.

The compiled path returns the response JSON built by PostgreSQL, so every value must be spelled the way
Strawberry spells it: global ids as base64 of `Type:uuid`, datetimes as Python's `isoformat()` in UTC
(six fractional digits, or none), and cursors as sqlakeyset's bookmarks wrapped in base64url (so a
cursor from either path continues a list on the other).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import String, case, func, literal, literal_column
from sqlalchemy.sql.elements import ColumnElement

from graph.compiled.errors import CannotCompile

# base64 output of PostgreSQL breaks lines every 76 characters, i.e. every 57 input bytes.
BASE64_LINE_BYTES = 57


def text_literal(value: str) -> ColumnElement[Any]:
    """A constant rendered in the SQL text (never a bind): plans are cached per operation, so
    constants cost nothing at run time. Only our own identifiers and formats reach it, never input."""
    return literal_column("'" + value.replace("'", "''") + "'", String)


def global_id(type_name: str, id_column: Any) -> ColumnElement[Any]:
    encoded = func.encode(
        func.convert_to(
            text_literal(type_name + ":").op("||")(func.cast(id_column, String)), literal_column("'UTF8'")
        ),
        literal_column("'base64'"),
    )
    if len(type_name) + 1 + 36 > BASE64_LINE_BYTES:
        encoded = func.replace(encoded, literal_column("E'\\n'"), literal_column("''"))
    return encoded


def iso_datetime(column: Any) -> ColumnElement[Any]:
    """`datetime.isoformat()` of a timestamptz, in UTC, as Strawberry serializes DateTime."""
    utc = column.op("AT TIME ZONE")(literal_column("'UTC'"))
    micro = func.to_char(utc, literal_column("'US'"))
    return case(
        (column.is_(None), literal(None, String)),
        else_=func.to_char(utc, literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS'"))
        .op("||")(
            case(
                (micro == literal_column("'000000'"), literal_column("''")),
                else_=literal_column("'.'").op("||")(micro),
            )
        )
        .op("||")(literal_column("'+00:00'")),
    )


def bookmark_field(value: Any, python_type: type) -> ColumnElement[Any]:
    """One value of a sqlakeyset bookmark: `code:value`, as its CSV writer escapes it."""
    if python_type is uuid.UUID:
        return literal_column("'uuid:'").op("||")(func.cast(value, String))
    if python_type is datetime.datetime:
        utc = value.op("AT TIME ZONE")(literal_column("'UTC'"))
        micro = func.to_char(utc, literal_column("'US'"))
        return (
            literal_column("'dt:'")
            .op("||")(func.to_char(utc, literal_column("'YYYY-MM-DD HH24:MI:SS'")))
            .op("||")(
                case(
                    (micro == literal_column("'000000'"), literal_column("''")),
                    else_=literal_column("'.'").op("||")(micro),
                )
            )
            .op("||")(literal_column("'+00:00'"))
        )
    if python_type is str:
        # sqlakeyset escapes a literal backslash-n, then real newlines; its CSV writer (QUOTE_NONE,
        # escapechar backslash) then puts a backslash before every `~`, `"` and backslash. Plain SQL
        # strings (standard_conforming_strings): backslashes in them are literal.
        escaped = func.replace(
            func.replace(value, literal_column(r"'\n'"), literal_column(r"'\\n'")),
            func.chr(10),
            literal_column(r"'\n'"),
        )
        return literal_column("'s:'").op("||")(
            func.regexp_replace(
                escaped, literal_column(r"""'([~"\\])'"""), literal_column(r"'\\\1'"), literal_column("'g'")
            )
        )
    raise CannotCompile(f"no cursor encoding for {python_type.__name__} sort keys")


def cursor(values: list[tuple[Any, type]]) -> ColumnElement[Any]:
    """base64url(`>` + fields joined by `~`), unpadded: `graph.core.pagination.encode_cursor`."""
    bookmark: Any = literal_column("'>'")
    for index, (value, python_type) in enumerate(values):
        if index:
            bookmark = bookmark.op("||")(literal_column("'~'"))
        bookmark = bookmark.op("||")(bookmark_field(value, python_type))
    encoded = func.encode(func.convert_to(bookmark, literal_column("'UTF8'")), literal_column("'base64'"))
    return func.rtrim(
        func.translate(encoded, literal_column("E'+/\\n'"), literal_column("'-_'")), literal_column("'='")
    )
