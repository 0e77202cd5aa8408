"""Rules every area's services share: versions (optimistic concurrency), tags, collected validation
errors, snapshots for the audit diff."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.validation import bounded_text

MAX_TAGS = 20
MAX_TAG_LENGTH = 50


def conflict(what: str) -> DomainError:
    return DomainError(
        ErrorCode.CONFLICT,
        f"This {what} was changed by someone else since you read it; reload and retry.",
        "version",
    )


def check_version(record: Any, version: int, what: str) -> None:
    """Compare before touching anything, so a stale write changes nothing."""
    if record.version != version:
        raise conflict(what)


async def flush_versioned(session: AsyncSession, what: str) -> None:
    """Flush; a concurrent writer that bumped the version in between is a CONFLICT too."""
    try:
        await session.flush()
    except StaleDataError:
        raise conflict(what) from None


def clean_tags(values: Iterable[str] | None, field: str = "tags") -> list[str]:
    """Trimmed, de-duplicated (first spelling wins), bounded in count and length."""
    tags: list[str] = []
    for raw in values or []:
        tag = bounded_text(raw.strip(), field, MAX_TAG_LENGTH)
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise DomainError(ErrorCode.INVALID, f"Use at most {MAX_TAGS} tags.", field)
    return tags


def collect(checks: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Runs every check and reports all failures together, so a form can show them at once."""
    cleaned: dict[str, Any] = {}
    errors: list[DomainError] = []
    for key, check in checks.items():
        try:
            cleaned[key] = check()
        except ValidationErrors as error:
            errors.extend(error.errors)
        except DomainError as error:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    return cleaned


def snapshot(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in fields}
