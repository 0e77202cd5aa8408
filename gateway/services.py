"""Process-wide singletons built once from settings and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gateway.settings import Settings
from storage import BlobStore, build_blob_store, use_blob_store
from tenants.db import Database
from tenants.identity import Identity
from tenants.login import PasswordLogin
from tenants.passwords import Passwords
from tenants.throttle import LoginThrottle


@dataclass
class Services:
    settings: Settings
    db: Database
    identity: Identity
    login: PasswordLogin
    blobs: BlobStore

    @classmethod
    def build(cls, settings: Settings, database_url: str) -> Services:
        # Importing the schema imports every area, registering its tenant set-up hooks and jobs.
        import graph.schema  # noqa: F401

        db = Database(database_url, settings.db_pool_size, settings.statement_timeout_ms)
        passwords = Passwords(
            settings.argon2_memory_kib,
            settings.argon2_time_cost,
            settings.argon2_parallelism,
            settings.password_hash_concurrency,
            settings.password_hash_queue,
        )
        throttle = LoginThrottle(
            settings.login_max_failures_per_account,
            settings.login_max_failures_per_account_all_addresses,
            settings.login_max_failures_per_address,
            settings.login_window_seconds,
        )
        identity = Identity(
            passwords,
            throttle,
            timedelta(hours=settings.session_ttl_hours),
            timedelta(hours=settings.invite_ttl_hours),
        )
        # Login steps may hold a quarter of the pool (pool_size + as many overflow connections) at once.
        login = PasswordLogin(identity, max(1, settings.db_pool_size // 2))
        # Documents' bytes; jobs (which get no Services) reach the same store through `storage`.
        blobs = use_blob_store(build_blob_store(settings))
        return cls(settings=settings, db=db, identity=identity, login=login, blobs=blobs)
