"""The embedded default: objects as files under one directory, served by the gateway's signed routes.

A write goes to a temporary file under `.partial/` and is renamed into place only once complete, so a
reader never sees half an object and an interrupted upload leaves no object behind. "Presigned" URLs
point at the gateway itself (`/blobs/...`) and carry an HMAC-signed, expiring token naming the key,
so both upload paths and the download path work the same with this store as with S3.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from storage.base import CHUNK_SIZE, BlobStore, ObjectInfo, ObjectTooLarge, PresignedPost
from storage.signing import Signer

DOWNLOAD_PURPOSE = "blob-download"
UPLOAD_PURPOSE = "blob-upload"


class LocalBlobStore(BlobStore):
    kind = "local"

    def __init__(self, root: Path, signer: Signer, public_url: str = "") -> None:
        self.root = root.resolve()
        self.signer = signer
        # Empty: URLs are paths relative to the API's own origin.
        self.public_url = public_url.rstrip("/")

    async def ensure_ready(self) -> None:
        await asyncio.to_thread(self._partial_dir().mkdir, parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root or key.startswith(".partial"):
            raise ValueError(f"Key outside the store: {key!r}")
        return path

    def _partial_dir(self) -> Path:
        return self.root / ".partial"

    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_size: int | None = None,
    ) -> int:
        target = self.path_of(key)
        await self.ensure_ready()
        partial = self._partial_dir() / uuid.uuid4().hex
        size = 0
        handle = await asyncio.to_thread(open, partial, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise ObjectTooLarge(max_size)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(self._place, partial, target)
        except BaseException:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            raise
        return size

    @staticmethod
    def _place(partial: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(open, path, "rb")
        except FileNotFoundError:
            raise KeyError(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                yield chunk
        finally:
            handle.close()

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            stat = await asyncio.to_thread(self.path_of(key).stat)
        except FileNotFoundError:
            return None
        return ObjectInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    async def delete(self, keys: list[str]) -> None:
        def remove() -> None:
            for key in keys:
                path = self.path_of(key)
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                # Drop emptied per-document directories, never the tenant's own.
                with contextlib.suppress(OSError):
                    path.parent.rmdir()

        await asyncio.to_thread(remove)

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        directory = self.root / prefix

        def walk() -> list[ObjectInfo]:
            found = []
            for folder, _, files in os.walk(directory):
                for name in files:
                    path = Path(folder) / name
                    stat = path.stat()
                    key = path.relative_to(self.root).as_posix()
                    found.append(ObjectInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
            return found

        for info in await asyncio.to_thread(walk):
            yield info

    async def remove_incomplete(self, prefix: str, before: datetime) -> int:
        # Partial files are not filed by tenant; any that old belongs to a write that died.
        def remove() -> int:
            removed = 0
            for path in self._partial_dir().glob("*") if self._partial_dir().is_dir() else []:
                with contextlib.suppress(FileNotFoundError):
                    if datetime.fromtimestamp(path.stat().st_mtime, UTC) < before:
                        path.unlink()
                        removed += 1
            return removed

        return await asyncio.to_thread(remove)

    async def presigned_get(self, key: str, expires_in: int, filename: str, content_type: str) -> str:
        token = self.signer.sign(
            DOWNLOAD_PURPOSE, {"key": key, "name": filename, "type": content_type}, expires_in
        )
        return f"{self.public_url}/blobs/{token}"

    async def presigned_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost:
        # The token rides in the URL so the route can refuse a bad one before reading any of the body.
        token = self.signer.sign(UPLOAD_PURPOSE, {"key": key, "type": content_type, "size": size}, expires_in)
        return PresignedPost(
            url=f"{self.public_url}/blobs/upload?token={token}", fields={"Content-Type": content_type}
        )
