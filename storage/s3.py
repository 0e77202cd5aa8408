"""Any S3-compatible endpoint (AWS S3, MinIO, Ceph, R2) through boto3.

boto3 is synchronous, so every call runs in a worker thread (`asyncio.to_thread`), never on the event
loop. Uploads stream: parts of `PART_SIZE` bytes go up as a multipart upload as soon as they fill, so a
50 MB file never sits in memory. Every failure of the endpoint (connection refused, timeout, 5xx,
access denied) becomes `StorageUnavailable`; callers turn it into a STORAGE_UNAVAILABLE error and
leave the database unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import unicodedata
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.base import CHUNK_SIZE, BlobStore, ObjectInfo, ObjectTooLarge, PresignedPost, StorageUnavailable

logger = logging.getLogger("crm.storage")

# S3's minimum part size is 5 MiB; 8 MiB keeps memory flat and requests few.
PART_SIZE = 8 * 1024 * 1024
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys
MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
T = TypeVar("T")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3BlobStore(BlobStore):
    kind = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        addressing: str = "path",
        create_bucket: bool = False,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
    ) -> None:
        self.bucket = bucket
        self.region = region
        self.create_bucket = create_bucket
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing},
                # Fail fast: a request waits on this, and the caller gets a clear error to retry.
                retries={"max_attempts": 2, "mode": "standard"},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
            ),
        )

    async def call(self, function: Callable[..., T], /, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(function, **kwargs)
        except ClientError as error:
            if error_code(error) in MISSING:
                raise
            logger.warning("S3 call %s failed: %s", getattr(function, "__name__", function), error)
            raise StorageUnavailable(f"The file store refused the request ({error_code(error)}).") from error
        except BotoCoreError as error:
            logger.warning("S3 unreachable: %s", error)
            raise StorageUnavailable("The file store cannot be reached.") from error

    async def ensure_ready(self) -> None:
        try:
            await self.call(self.client.head_bucket, Bucket=self.bucket)
        except ClientError as error:
            if not self.create_bucket:
                raise StorageUnavailable(
                    f"Bucket '{self.bucket}' does not exist; create it or set S3_CREATE_BUCKET=true."
                ) from error
            options: dict[str, Any] = {"Bucket": self.bucket}
            if self.region != "us-east-1":
                options["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            await self.call(self.client.create_bucket, **options)

    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_size: int | None = None,
    ) -> int:
        buffer = bytearray()
        size = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise ObjectTooLarge(max_size)
                buffer.extend(chunk)
                if len(buffer) >= PART_SIZE:
                    if upload_id is None:
                        started = await self.call(
                            self.client.create_multipart_upload,
                            Bucket=self.bucket,
                            Key=key,
                            ContentType=content_type,
                        )
                        upload_id = started["UploadId"]
                    parts.append(await self._upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
                    buffer.clear()
            if upload_id is None:
                await self.call(
                    self.client.put_object,
                    Bucket=self.bucket,
                    Key=key,
                    Body=bytes(buffer),
                    ContentType=content_type,
                )
            else:
                if buffer:
                    parts.append(await self._upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
                await self.call(
                    self.client.complete_multipart_upload,
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            if upload_id is not None:
                # Best effort: if the store is down this fails too, and the `documents.orphans` job
                # (or the bucket's lifecycle rule, see infra/README.md) reclaims the parts later.
                with contextlib.suppress(Exception):
                    await self.call(
                        self.client.abort_multipart_upload, Bucket=self.bucket, Key=key, UploadId=upload_id
                    )
            raise
        return size

    async def _upload_part(self, key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        answer = await self.call(
            self.client.upload_part,
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    async def get(self, key: str) -> AsyncIterator[bytes]:
        try:
            answer = await self.call(self.client.get_object, Bucket=self.bucket, Key=key)
        except ClientError:
            raise KeyError(key) from None
        body = answer["Body"]
        chunks = body.iter_chunks(CHUNK_SIZE)
        try:
            while True:
                try:
                    chunk = await asyncio.to_thread(next, chunks, b"")
                except (BotoCoreError, OSError) as error:
                    raise StorageUnavailable("The file store stopped answering mid-download.") from error
                if not chunk:
                    break
                yield chunk
        finally:
            body.close()

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            answer = await self.call(self.client.head_object, Bucket=self.bucket, Key=key)
        except ClientError:
            return None
        return ObjectInfo(
            key, int(answer["ContentLength"]), answer["LastModified"], answer.get("ContentType")
        )

    async def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            answer = await self.call(
                self.client.delete_objects,
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            if answer.get("Errors"):
                raise StorageUnavailable(f"The file store kept {len(answer['Errors'])} object(s).")

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        token: str | None = None
        while True:
            options: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if token:
                options["ContinuationToken"] = token
            page = await self.call(self.client.list_objects_v2, **options)
            for item in page.get("Contents", []):
                yield ObjectInfo(item["Key"], int(item["Size"]), item["LastModified"])
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    async def remove_incomplete(self, prefix: str, before: datetime) -> int:
        removed = 0
        options: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            page = await self.call(self.client.list_multipart_uploads, **options)
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < before:
                    await self.call(
                        self.client.abort_multipart_upload,
                        Bucket=self.bucket,
                        Key=upload["Key"],
                        UploadId=upload["UploadId"],
                    )
                    removed += 1
            if not page.get("IsTruncated"):
                return removed
            options["KeyMarker"] = page["NextKeyMarker"]
            options["UploadIdMarker"] = page["NextUploadIdMarker"]

    async def presigned_get(self, key: str, expires_in: int, filename: str, content_type: str) -> str:
        # Signing is local computation: no request reaches the store here.
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": content_disposition(filename),
            },
            ExpiresIn=expires_in,
        )

    async def presigned_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost:
        # Only POST policies can pin the length: `content-length-range` with min = max = size.
        answer = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=answer["url"], fields=dict(answer["fields"]))


def content_disposition(filename: str) -> str:
    """`attachment` as RFC 6266 wants it: an ASCII `filename` fallback and the exact UTF-8 `filename*`.

    Control characters (a CR/LF would end the header; names stored before they were refused may hold
    them) become `_` in both; the fallback also replaces every non-ASCII character, quote, backslash and
    semicolon, so it is a plain quoted-string; `filename*` percent-encodes everything else (RFC 8187).
    """
    name = "".join("_" if unicodedata.category(char) in ("Cc", "Cf") else char for char in filename)
    if not name.strip("_ "):
        name = "download"
    fallback = "".join(char if " " <= char <= "~" and char not in '"\\;%' else "_" for char in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
