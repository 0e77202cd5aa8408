"""Blob stores behind one small interface (`storage.base.BlobStore`): S3 and a local directory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.base import BlobStore, ObjectInfo, ObjectTooLarge, PresignedPost, StorageUnavailable, object_key
from storage.signing import Signer

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = [
    "BlobStore",
    "ObjectInfo",
    "ObjectTooLarge",
    "PresignedPost",
    "StorageUnavailable",
    "build_blob_store",
    "build_signer",
    "current_blob_store",
    "object_key",
    "use_blob_store",
]

# The process's store, set when the services are built; scheduled jobs (which receive only a session)
# find it here, and fall back to one built from the environment's settings.
_current: BlobStore | None = None


def use_blob_store(store: BlobStore) -> BlobStore:
    global _current
    _current = store
    return store


def current_blob_store() -> BlobStore:
    if _current is None:
        from config.settings import get_settings

        return use_blob_store(build_blob_store(get_settings()))
    return _current


def build_signer(settings: Settings) -> Signer:
    if settings.blob_signing_secret:
        return Signer(settings.blob_signing_secret.encode())
    return Signer(secret_file=settings.data_dir / "blob-signing.key")


def build_blob_store(settings: Settings) -> BlobStore:
    """The configured store: S3 when asked for (or when S3_ENDPOINT_URL is set), else a local directory."""
    if settings.blob_backend == "s3":
        from storage.s3 import S3BlobStore

        return S3BlobStore(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            addressing=settings.s3_addressing,
            create_bucket=settings.s3_create_bucket,
        )
    from storage.local import LocalBlobStore

    root = settings.blob_dir or settings.data_dir / "blobs"
    return LocalBlobStore(root, build_signer(settings), settings.public_url)
