"""The one small interface every blob store implements, and the types it speaks in.

Bytes never pass through the database: a document version row points at an object by key, and the
key is always built here from server-known ids (`object_key`), never from anything a client sends.
Every method is async; implementations backed by blocking clients (boto3) run them off the event loop.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

# Bytes moved per read/write: large enough for throughput, small enough to keep memory flat.
CHUNK_SIZE = 1024 * 1024


class StorageUnavailable(Exception):
    """The blob store could not be reached or refused the call; nothing was written."""


class ObjectTooLarge(Exception):
    """A streamed upload went past the limit it was given; the partial object was discarded."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The upload is larger than {limit} bytes.")
        self.limit = limit


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime
    content_type: str | None = None


@dataclass(frozen=True)
class PresignedPost:
    """A form upload: POST `url` as multipart/form-data with `fields` first and the file last."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)


def tenant_prefix(tenant_id: uuid.UUID) -> str:
    return f"tenants/{tenant_id}/documents/"


def object_key(tenant_id: uuid.UUID, document_id: uuid.UUID, version_id: uuid.UUID) -> str:
    """`tenants/<tenant_id>/documents/<document_id>/<version>`; the version segment is the version's
    own UUID, so two uploads racing to the same document can never pick the same key."""
    return f"{tenant_prefix(tenant_id)}{document_id}/{version_id}"


class BlobStore(abc.ABC):
    """put, get as a stream, delete, head, list, presigned GET and presigned POST."""

    kind: str = "abstract"

    async def ensure_ready(self) -> None:  # noqa: B027 - optional hook
        """Create what the store needs (a directory, a bucket when allowed)."""

    @abc.abstractmethod
    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_size: int | None = None,
    ) -> int:
        """Stores the streamed bytes under `key` and returns the size. Over `max_size`: ObjectTooLarge,
        and nothing is left under `key`."""

    @abc.abstractmethod
    def get(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks. A missing object raises KeyError."""

    @abc.abstractmethod
    async def head(self, key: str) -> ObjectInfo | None:
        """Size and timestamps of the object, or None when there is none."""

    @abc.abstractmethod
    async def delete(self, keys: list[str]) -> None:
        """Removes the objects; missing ones are fine (deleting is idempotent)."""

    @abc.abstractmethod
    def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix`."""

    @abc.abstractmethod
    async def remove_incomplete(self, prefix: str, before: datetime) -> int:
        """Discards uploads under `prefix` started before `before` and never finished (S3 multipart
        uploads whose abort failed, partial files of a crashed process); returns how many."""

    @abc.abstractmethod
    async def presigned_get(self, key: str, expires_in: int, filename: str, content_type: str) -> str:
        """A URL anyone holding it may GET for `expires_in` seconds."""

    @abc.abstractmethod
    async def presigned_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost:
        """A form upload restricted to exactly this key, this content type and exactly `size` bytes."""
