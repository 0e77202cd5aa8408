"""Per-tenant limits: largest file, allowed content types (checked against the bytes), total quota.

A tenant without a `document_settings` row gets the configured defaults. Usage counts every committed
version (soft-deleted documents too: their bytes are still stored until purged) plus the uploads that
were requested and not yet completed or expired, so parallel uploads cannot overshoot the quota.
"""

from __future__ import annotations

import codecs
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import filetype
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.documents.models import DOCUMENT, DocumentSettings, DocumentUpload, DocumentVersion
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.permissions import Action, Actor, Capability

# Bytes the sniffer looks at (filetype inspects at most this many).
SAMPLE_SIZE = 8192
DEFAULT_ALLOWED_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/json",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)
# Formats with no magic number: accepted when the bytes are UTF-8 text.
TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/markdown", "application/json"})
# Plain text and CSV also in GB18030 (GBK), which Excel on Chinese Windows saves: imports read it.
LEGACY_TEXT_TYPES = frozenset({"text/plain", "text/csv"})
# Office formats are zip files: a sniffer may only see the zip around them.
ZIP_FAMILY = frozenset(
    {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/epub+zip",
    }
)
KNOWN_MAGIC_TYPES = frozenset(kind.mime for kind in filetype.types)
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
MAX_ALLOWED_TYPES = 100


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    quota_bytes: int
    allowed_content_types: tuple[str, ...]


def default_limits(max_file_bytes: int, quota_bytes: int) -> Limits:
    return Limits(max_file_bytes, quota_bytes, DEFAULT_ALLOWED_TYPES)


async def tenant_limits(session: AsyncSession, tenant_id: uuid.UUID, defaults: Limits) -> Limits:
    row = await session.get(DocumentSettings, tenant_id)
    if row is None:
        return defaults
    return Limits(row.max_file_bytes, row.quota_bytes, tuple(row.allowed_content_types))


def normalize_content_type(value: str, field: str = "contentType") -> str:
    """`Text/Plain; charset=utf-8` -> `text/plain`; anything that is not a media type is INVALID."""
    media_type = value.split(";", 1)[0].strip().lower()
    if not MEDIA_TYPE.fullmatch(media_type):
        raise DomainError(
            ErrorCode.INVALID, f"'{value[:100]}' is not a media type like application/pdf.", field
        )
    return media_type


def clean_allowed_types(values: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(normalize_content_type(v, "allowedContentTypes") for v in values))
    if len(cleaned) > MAX_ALLOWED_TYPES:
        raise DomainError(
            ErrorCode.INVALID, f"List at most {MAX_ALLOWED_TYPES} content types.", "allowedContentTypes"
        )
    return cleaned


def check_allowed(limits: Limits, content_type: str, field: str = "contentType") -> None:
    if content_type not in limits.allowed_content_types:
        raise DomainError(
            ErrorCode.CONTENT_TYPE_NOT_ALLOWED,
            f"Files of type {content_type} are not accepted here; allowed: "
            f"{', '.join(limits.allowed_content_types)}.",
            field,
        )


def check_size(limits: Limits, size: int, field: str = "size") -> None:
    if size < 0:
        raise DomainError(ErrorCode.INVALID, "A size cannot be negative.", field)
    if size > limits.max_file_bytes:
        raise file_too_large(limits, field)


def file_too_large(limits: Limits, field: str) -> DomainError:
    return DomainError(
        ErrorCode.FILE_TOO_LARGE,
        f"The file is larger than this workspace's limit of {limits.max_file_bytes} bytes.",
        field,
    )


async def lock_quota(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Serialises quota checks of one tenant until the transaction ends, so two uploads racing each
    other cannot both fit into the last free bytes."""
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"documents.quota:{tenant_id}"},
    )


async def used_bytes(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """(bytes of committed versions, bytes reserved by pending uploads) of the session's tenant."""
    committed = await session.scalar(select(func.coalesce(func.sum(DocumentVersion.size), 0)))
    reserved = await session.scalar(
        select(func.coalesce(func.sum(DocumentUpload.size), 0)).where(DocumentUpload.expires_at > now)
    )
    return int(committed or 0), int(reserved or 0)


async def check_quota(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    limits: Limits,
    size: int,
    now: datetime,
    field: str,
    *,
    lock: bool = True,
) -> None:
    """QUOTA_EXCEEDED unless `size` more bytes fit. With `lock`, the answer holds until the transaction
    ends; without, it is an early refusal that a locked check must confirm before committing."""
    if lock:
        await lock_quota(session, tenant_id)
    committed, reserved = await used_bytes(session, now)
    if committed + reserved + size > limits.quota_bytes:
        free = max(limits.quota_bytes - committed - reserved, 0)
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"This upload needs {size} bytes but only {free} of the workspace's {limits.quota_bytes} "
            "are free; delete and purge documents or ask an admin to raise the quota.",
            field,
        )


def check_contents(declared: str, sample: bytes, field: str) -> None:
    """The bytes must be what the declared type says (their magic number), not only the label."""
    detected = filetype.guess_mime(sample) if sample else None
    if detected is not None:
        if detected == declared or (detected in ZIP_FAMILY and declared in ZIP_FAMILY):
            return
        raise content_mismatch(declared, f"they look like {detected}", field)
    if declared in TEXT_TYPES:
        if looks_like_text(sample) or (declared in LEGACY_TEXT_TYPES and looks_like_text(sample, "gb18030")):
            return
        raise content_mismatch(declared, "they are not UTF-8 text", field)
    if declared in KNOWN_MAGIC_TYPES:
        raise content_mismatch(declared, f"they lack the signature of {declared}", field)
    # A type the sniffer has no signature for, allowed by the tenant: accepted as long as the bytes
    # are not recognisably something else (checked above).


def looks_like_text(sample: bytes, encoding: str = "utf-8") -> bool:
    if b"\x00" in sample:
        return False
    try:
        # Not final: the sample may end inside a multi-byte character.
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def content_mismatch(declared: str, why: str, field: str) -> DomainError:
    return DomainError(
        ErrorCode.CONTENT_TYPE_MISMATCH,
        f"The file's contents do not match its type {declared}: {why}. Send the right type or file.",
        field,
    )


async def storage_usage(
    session: AsyncSession, actor: Actor, defaults: Limits, now: datetime
) -> tuple[Limits, int, int]:
    actor.require(DOCUMENT, Action.READ)
    committed, reserved = await used_bytes(session, now)
    return await tenant_limits(session, actor.tenant_id, defaults), committed, reserved


async def set_document_limits(
    session: AsyncSession,
    actor: Actor,
    defaults: Limits,
    max_file_bytes: int | None,
    quota_bytes: int | None,
    allowed_content_types: Sequence[str] | None,
) -> Limits:
    """Changes the given limits (others keep their value); needs the manage-settings capability.
    Lowering the quota below current usage is allowed: it refuses new uploads, deletes nothing."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    current = await tenant_limits(session, actor.tenant_id, defaults)
    errors: list[DomainError] = []
    if max_file_bytes is not None and max_file_bytes <= 0:
        errors.append(DomainError(ErrorCode.INVALID, "The file size limit must be positive.", "maxFileBytes"))
    if quota_bytes is not None and quota_bytes < 0:
        errors.append(DomainError(ErrorCode.INVALID, "The quota cannot be negative.", "quotaBytes"))
    types = current.allowed_content_types
    if allowed_content_types is not None:
        try:
            types = clean_allowed_types(allowed_content_types)
        except DomainError as error:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    new = Limits(
        max_file_bytes if max_file_bytes is not None else current.max_file_bytes,
        quota_bytes if quota_bytes is not None else current.quota_bytes,
        types,
    )
    await session.execute(
        insert(DocumentSettings)
        .values(
            tenant_id=actor.tenant_id,
            max_file_bytes=new.max_file_bytes,
            quota_bytes=new.quota_bytes,
            allowed_content_types=list(new.allowed_content_types),
        )
        .on_conflict_do_update(
            index_elements=[DocumentSettings.tenant_id],
            set_={
                "max_file_bytes": new.max_file_bytes,
                "quota_bytes": new.quota_bytes,
                "allowed_content_types": list(new.allowed_content_types),
                "updated_at": func.now(),
            },
        )
    )
    session.expire_all()
    changes = audit.diff(
        {
            "max_file_bytes": current.max_file_bytes,
            "quota_bytes": current.quota_bytes,
            "allowed_content_types": list(current.allowed_content_types),
        },
        {
            "max_file_bytes": new.max_file_bytes,
            "quota_bytes": new.quota_bytes,
            "allowed_content_types": list(new.allowed_content_types),
        },
    )
    await audit.record(session, actor, "document_settings.update", "document_settings", None, changes)
    return new
