"""Human-readable numbers per tenant (quotes, contracts, projects), from a pattern the tenant may change.

A pattern mixes literal text with tokens: `{YYYY}` `{YY}` `{MM}` (the document's date) and exactly one
`{SEQ}` or `{SEQ:n}` (the counter, zero-padded to n digits). The counter restarts in every period the
date tokens name (`QUO-{YYYY}-{SEQ:4}` restarts each year), and each pattern keeps its own counters, so
switching patterns back and forth never repeats a number.

The counter is one row per (sequence, pattern, period) bumped with `INSERT .. ON CONFLICT DO UPDATE ..
RETURNING`: concurrent creators queue on that row lock until the first commits, and a rolled-back
creation rolls its increment back too, so numbers are unique and gap-free.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, String, Text, case, cast, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.models import Base
from tenants.permissions import Actor, Capability

MAX_PATTERN_LENGTH = 60
MAX_SEQ_DIGITS = 12
TOKEN = re.compile(r"\{([^{}]*)\}")
DATE_TOKENS = {"YYYY": "%Y", "YY": "%y", "MM": "%m"}


class NumberingPattern(Base):
    """A tenant's own pattern for a sequence; sequences without a row use their registered default."""

    __tablename__ = "numbering_patterns"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sequence: Mapped[str] = mapped_column(String(50), primary_key=True)
    pattern: Mapped[str] = mapped_column(String(MAX_PATTERN_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class NumberCounter(Base):
    __tablename__ = "number_counters"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sequence: Mapped[str] = mapped_column(String(50), primary_key=True)
    pattern: Mapped[str] = mapped_column(String(MAX_PATTERN_LENGTH), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Sequence:
    key: str
    label: str
    default_pattern: str


SEQUENCES: dict[str, Sequence] = {}


def register_sequence(key: str, label: str, default_pattern: str) -> Sequence:
    """Areas declare their sequences at import time, e.g. ("quote", "Quotes", "QUO-{YYYY}-{SEQ:4}")."""
    sequence = Sequence(key, label, validate_pattern(default_pattern))
    SEQUENCES[key] = sequence
    return sequence


def validate_pattern(pattern: str, field: str = "pattern") -> str:
    pattern = pattern.strip()
    if not pattern:
        raise DomainError(ErrorCode.REQUIRED, "A numbering pattern is required.", field)
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise DomainError(
            ErrorCode.TOO_LONG, f"A numbering pattern has at most {MAX_PATTERN_LENGTH} characters.", field
        )
    sequence_tokens = 0
    for token in TOKEN.findall(pattern):
        if token in DATE_TOKENS:
            continue
        if _seq_digits(token) is None:
            raise DomainError(
                ErrorCode.INVALID,
                f"Unknown token {{{token}}}; use {{YYYY}}, {{YY}}, {{MM}} and one {{SEQ}} or {{SEQ:n}}"
                f" (n from 1 to {MAX_SEQ_DIGITS}).",
                field,
            )
        sequence_tokens += 1
    if sequence_tokens != 1:
        raise DomainError(ErrorCode.INVALID, "A pattern needs exactly one {SEQ} or {SEQ:n} token.", field)
    if "{" in TOKEN.sub("", pattern) or "}" in TOKEN.sub("", pattern):
        raise DomainError(ErrorCode.INVALID, "Braces may only surround tokens such as {SEQ:4}.", field)
    return pattern


def _seq_digits(name: str) -> int | None:
    if name == "SEQ":
        return 1
    match = re.fullmatch(r"SEQ:(\d{1,2})", name)
    if match and 1 <= int(match.group(1)) <= MAX_SEQ_DIGITS:
        return int(match.group(1))
    return None


def period_of(pattern: str, at: datetime) -> str:
    """The counter's period: the finest date unit the pattern shows (month, year, or none)."""
    tokens = set(TOKEN.findall(pattern))
    if "MM" in tokens:
        return at.strftime("%Y-%m")
    if tokens & {"YYYY", "YY"}:
        return at.strftime("%Y")
    return "all"


def render(pattern: str, at: datetime, value: int) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token in DATE_TOKENS:
            return at.strftime(DATE_TOKENS[token])
        return str(value).zfill(_seq_digits(token) or 1)

    return TOKEN.sub(replace, pattern)


def sequence_named(key: str, field: str = "sequence") -> Sequence:
    sequence = SEQUENCES.get(key)
    if sequence is None:
        known = ", ".join(sorted(SEQUENCES)) or "none"
        raise DomainError(ErrorCode.NOT_FOUND, f"No numbering sequence '{key}'; known: {known}.", field)
    return sequence


async def current_pattern(session: AsyncSession, tenant_id: uuid.UUID, key: str) -> str:
    return pattern_of(await session.scalar(select(own_pattern(tenant_id, key))), key)


def counter_bump(tenant_id: uuid.UUID, key: str, pattern: str, at: datetime) -> Any:
    """The INSERT .. ON CONFLICT DO UPDATE .. RETURNING last_value that takes the next value."""
    return (
        insert(NumberCounter)
        .values(
            tenant_id=tenant_id, sequence=key, pattern=pattern, period=period_of(pattern, at), last_value=1
        )
        .on_conflict_do_update(
            index_elements=["tenant_id", "sequence", "pattern", "period"],
            set_={"last_value": NumberCounter.last_value + 1},
        )
        .returning(NumberCounter.last_value)
    )


async def next_number(session: AsyncSession, tenant_id: uuid.UUID, key: str, at: datetime) -> str:
    """The next number of `key` for a document dated `at`; call it inside the creating transaction."""
    pattern = await current_pattern(session, tenant_id, key)
    value = (await session.execute(counter_bump(tenant_id, key, pattern, at))).scalar_one()
    return render(pattern, at, value)


def pattern_of(own: str | None, key: str) -> str:
    """The tenant's own pattern (read by the caller, e.g. in a statement of its own), else the default."""
    return own or sequence_named(key).default_pattern


def own_pattern(tenant_id: uuid.UUID, key: str) -> Any:
    """The tenant's own pattern of `key` as a scalar subquery (NULL: the registered default)."""
    return (
        select(NumberingPattern.pattern)
        .where(NumberingPattern.tenant_id == tenant_id, NumberingPattern.sequence == key)
        .scalar_subquery()
    )


def rendered_in_sql(pattern: str, at: datetime, value: Any) -> Any:
    """`render` as a SQL expression of the counter's `value` (a column or subquery), so a statement can
    bump the counter (a data-modifying CTE) and write the number it gives in one round trip."""
    match = next(m for m in TOKEN.finditer(pattern) if m.group(1) not in DATE_TOKENS)
    digits = _seq_digits(match.group(1)) or 1
    text_value = cast(value, Text)
    padded = case((func.length(text_value) >= digits, text_value), else_=func.lpad(text_value, digits, "0"))
    prefix, suffix = render(pattern[: match.start()], at, 0), render(pattern[match.end() :], at, 0)
    return literal(prefix, Text) + padded + literal(suffix, Text)


async def set_pattern(session: AsyncSession, actor: Actor, key: str, pattern: str) -> str:
    """A tenant admin's own pattern; numbers already given keep their text, new ones follow it."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    sequence_named(key)
    pattern = validate_pattern(pattern)
    before = await current_pattern(session, actor.tenant_id, key)
    upsert = (
        insert(NumberingPattern)
        .values(tenant_id=actor.tenant_id, sequence=key, pattern=pattern)
        .on_conflict_do_update(
            index_elements=["tenant_id", "sequence"], set_={"pattern": pattern, "updated_at": func.now()}
        )
    )
    await session.execute(upsert)
    await audit.record(
        session, actor, "numbering.set_pattern", "numbering_pattern", None, {key: [before, pattern]}
    )
    return pattern
