"""Custom scalars shared by the areas, registered once in the schema's `scalar_map`."""

from __future__ import annotations

from typing import Any, NewType

import strawberry

MAX_SAFE_INTEGER = 2**53 - 1  # exact in every JSON parser

# GraphQL's Int stops at 2^31-1 (2 GiB); file sizes and quotas need more.
ByteCount = NewType("ByteCount", int)


def parse_byte_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"A byte count is a whole number from 0 to {MAX_SAFE_INTEGER}.")
    return value


SCALAR_MAP = {
    ByteCount: strawberry.scalar(
        name="ByteCount",
        serialize=int,
        parse_value=parse_byte_count,
        description="A number of bytes: a whole JSON number from 0 to 2^53-1 (GraphQL's Int stops at 2 GiB).",
    )
}
