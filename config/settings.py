"""Configuration, read once from the environment or a `.env` file (pydantic-settings).

With nothing configured the server runs in development mode on an embedded PostgreSQL under
`CRM_DATA_DIR`. Every piece can be replaced: `DATABASE_URL` points the runtime at an existing server
(the application role), `MIGRATION_DATABASE_URL` at the role that owns the tables.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Field(default=Environment.DEVELOPMENT, alias="CRM_ENV")
    data_dir: Path = Field(default=Path(".crm"), alias="CRM_DATA_DIR")
    host: str = Field(default="127.0.0.1", alias="CRM_HOST")
    port: int = Field(default=8000, alias="CRM_PORT")

    # Runtime connection (the NOSUPERUSER NOBYPASSRLS application role). Unset: embedded server.
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    # Owner connection used by `crm migrate`; defaults to DATABASE_URL.
    migration_database_url: str | None = Field(default=None, alias="MIGRATION_DATABASE_URL")
    # Name of the application role that migrations grant DML to.
    app_role: str = Field(default="crm_app", alias="CRM_APP_ROLE")
    db_pool_size: int = Field(default=10, alias="CRM_DB_POOL_SIZE")
    statement_timeout_ms: int = Field(default=15_000, alias="CRM_STATEMENT_TIMEOUT_MS")

    # GraphQL exposure; None means "follow the environment" (on in development, off in production).
    introspection: bool | None = Field(default=None, alias="CRM_INTROSPECTION")
    graphiql: bool | None = Field(default=None, alias="CRM_GRAPHIQL")

    # Request limits (checked before any resolver runs).
    max_depth: int = Field(default=12, alias="CRM_MAX_DEPTH")
    max_aliases: int = Field(default=30, alias="CRM_MAX_ALIASES")
    max_tokens: int = Field(default=3_000, alias="CRM_MAX_TOKENS")
    max_directives: int = Field(default=20, alias="CRM_MAX_DIRECTIVES")
    max_body_bytes: int = Field(default=1_000_000, alias="CRM_MAX_BODY_BYTES")
    max_page_size: int = 100
    # Rate limits (tenants/rate_limits.py, README "Rate limits"): token buckets of points (an operation's
    # cost, graph/core/complexity.py) per tenant, per user and per API key: `burst` points at most,
    # refilled at `per_minute`. The platform overrides them per tenant with `crm rate-limits`.
    rate_limit_tenant_burst: int = Field(default=3_000, gt=0, alias="CRM_RATE_LIMIT_TENANT_BURST")
    rate_limit_tenant_per_minute: int = Field(default=30_000, gt=0, alias="CRM_RATE_LIMIT_TENANT_PER_MINUTE")
    rate_limit_user_burst: int = Field(default=1_000, gt=0, alias="CRM_RATE_LIMIT_USER_BURST")
    rate_limit_user_per_minute: int = Field(default=6_000, gt=0, alias="CRM_RATE_LIMIT_USER_PER_MINUTE")
    rate_limit_key_burst: int = Field(default=1_000, gt=0, alias="CRM_RATE_LIMIT_KEY_BURST")
    rate_limit_key_per_minute: int = Field(default=6_000, gt=0, alias="CRM_RATE_LIMIT_KEY_PER_MINUTE")
    # Points a process takes ahead from the buckets for one credential and operation, spent without a
    # statement for a second (tenants/rate_limits.py, leases); 0: every request is charged in SQL.
    rate_limit_lease_points: int = Field(default=50, ge=0, alias="CRM_RATE_LIMIT_LEASE_POINTS")

    # Identity.
    session_ttl_hours: int = Field(default=24 * 14, alias="CRM_SESSION_TTL_HOURS")
    invite_ttl_hours: int = Field(default=24 * 7, alias="CRM_INVITE_TTL_HOURS")
    # Account security defaults (a tenant changes them with updateSecuritySettings): a session unused
    # this long ends (its absolute limit defaults to CRM_SESSION_TTL_HOURS); TOTP issuer shown by
    # authenticator apps; wrong second-factor codes allowed per user per CRM_LOGIN_WINDOW_SECONDS;
    # lifetime of a login's second-step challenge.
    session_idle_minutes: int = Field(default=7 * 24 * 60, alias="CRM_SESSION_IDLE_MINUTES")
    mfa_issuer: str = Field(default="CRM", alias="CRM_MFA_ISSUER")
    mfa_max_failures: int = Field(default=10, alias="CRM_MFA_MAX_FAILURES")
    mfa_challenge_minutes: int = Field(default=5, alias="CRM_MFA_CHALLENGE_MINUTES")
    # argon2id parameters. Defaults are RFC 9106's low-memory profile (64 MiB, t=3, p=4),
    # above OWASP's minimum (19 MiB, t=2, p=1). Hashes made with other parameters are
    # upgraded on the next successful login.
    argon2_memory_kib: int = Field(default=65_536, alias="CRM_ARGON2_MEMORY_KIB")
    argon2_time_cost: int = Field(default=3, alias="CRM_ARGON2_TIME_COST")
    argon2_parallelism: int = Field(default=4, alias="CRM_ARGON2_PARALLELISM")
    # Failed-login throttling (tenants/throttle.py): after this many failures inside the window,
    # further attempts are refused until the window ends, for one account from one address, for one
    # account from all addresses together, and from one address over all accounts.
    login_max_failures_per_account: int = Field(default=5, alias="CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT")
    login_max_failures_per_account_all_addresses: int = Field(
        default=50, alias="CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES"
    )
    login_max_failures_per_address: int = Field(default=30, alias="CRM_LOGIN_MAX_FAILURES_PER_ADDRESS")
    login_window_seconds: int = Field(default=900, alias="CRM_LOGIN_WINDOW_SECONDS")
    # Password hashes running at once (default: the CPUs this process may use) and waiting beyond
    # them; past both, a login is answered OVERLOADED (HTTP 429, Retry-After) at once.
    password_hash_concurrency: int | None = Field(default=None, alias="CRM_PASSWORD_HASH_CONCURRENCY")
    password_hash_queue: int = Field(default=16, alias="CRM_PASSWORD_HASH_QUEUE")
    # Reverse proxies (comma-separated addresses or CIDR ranges) whose X-Forwarded-For is believed;
    # from anyone else the header is ignored and the peer address is the client's.
    trusted_proxies: str = Field(default="", alias="CRM_TRUSTED_PROXIES")

    # Outgoing mail (invitations, "you already have an account"). Without CRM_SMTP_HOST messages go to the
    # log in development; production logs recipient and subject only (no tokens) and the send fails.
    smtp_host: str | None = Field(default=None, alias="CRM_SMTP_HOST")
    smtp_port: int = Field(default=587, alias="CRM_SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="CRM_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, alias="CRM_SMTP_PASSWORD")
    smtp_security: Literal["starttls", "tls", "none"] = Field(default="starttls", alias="CRM_SMTP_SECURITY")
    mail_from: str = Field(default="CRM <no-reply@localhost>", alias="CRM_MAIL_FROM")
    # SMS for notifications: unset, messages go to the log. Twilio's REST API when the account is set.
    twilio_account_sid: str | None = Field(default=None, alias="CRM_TWILIO_ACCOUNT_SID")
    twilio_auth_token: str | None = Field(default=None, alias="CRM_TWILIO_AUTH_TOKEN")
    twilio_api_url: str = Field(default="https://api.twilio.com", alias="CRM_TWILIO_API_URL")
    sms_from: str | None = Field(default=None, alias="CRM_SMS_FROM")
    # Send notification email/SMS from the process right after the notifying transaction commits (the
    # `notifications.deliver` job still sends what this misses).
    notify_after_commit: bool = Field(default=False, alias="CRM_NOTIFY_AFTER_COMMIT")
    # The client page that accepts invitations, `{token}` replaced by the token; empty: the mail carries the
    # bare token.
    invite_url: str = Field(default="", alias="CRM_INVITE_URL")
    # Production: the client page that confirms a sign-up, `{token}` replaced (empty: the bare token), and
    # how long the emailed confirmation stays valid.
    signup_url: str = Field(default="", alias="CRM_SIGNUP_URL")
    signup_ttl_hours: int = Field(default=24, alias="CRM_SIGNUP_TTL_HOURS")
    # The customer's page for a survey link mailed to a contact, `{token}` replaced (empty: the mail
    # carries the bare token); the page calls publicSurvey / answerSurvey.
    survey_url: str = Field(default="", alias="CRM_SURVEY_URL")

    # Webhooks (graph/integrations/): addresses outside the public internet (private, loopback,
    # link-local, multicast, reserved) are refused unless inside one of these comma-separated networks
    # (e.g. `127.0.0.1/32` for a receiver on this host); plain http only when allowed; the delivery
    # request's timeout, the response bytes read, attempts per delivery, and the consecutive failures
    # after which an endpoint is disabled (its admins notified).
    webhook_allowed_networks: str = Field(default="", alias="CRM_WEBHOOK_ALLOWED_NETWORKS")
    webhook_allow_http: bool = Field(default=False, alias="CRM_WEBHOOK_ALLOW_HTTP")
    webhook_timeout_seconds: float = Field(default=10.0, alias="CRM_WEBHOOK_TIMEOUT_SECONDS")
    webhook_max_response_bytes: int = Field(default=65_536, alias="CRM_WEBHOOK_MAX_RESPONSE_BYTES")
    webhook_max_attempts: int = Field(default=10, alias="CRM_WEBHOOK_MAX_ATTEMPTS")
    webhook_disable_after: int = Field(default=20, alias="CRM_WEBHOOK_DISABLE_AFTER")
    # How long a mutation's Idempotency-Key keeps its first response (gateway/idempotency.py).
    idempotency_ttl_hours: int = Field(default=24, alias="CRM_IDEMPOTENCY_TTL_HOURS")
    # The public page behind the unsubscribe link of campaign email, `{token}` replaced (it calls
    # `unsubscribe(token)`); empty: the email carries the bare token.
    unsubscribe_url: str = Field(default="", alias="CRM_UNSUBSCRIBE_URL")
    # Where the SMS provider reports delivery of campaign SMS: this server's public
    # `/hooks/sms/status/{token}` (e.g. `https://crm.example.com/hooks/sms/status/{token}`); empty: no reports
    # are asked for and sent SMS stay SENT.
    sms_status_url: str = Field(default="", alias="CRM_SMS_STATUS_URL")

    # Documents: where bytes live. Unset backend: S3 when S3_ENDPOINT_URL is set, else a local directory.
    storage_backend: Literal["local", "s3"] | None = Field(default=None, alias="STORAGE_BACKEND")
    blob_dir: Path | None = Field(default=None, alias="CRM_BLOB_DIR")  # default: <CRM_DATA_DIR>/blobs
    s3_endpoint_url: str | None = Field(default=None, alias="S3_ENDPOINT_URL")
    s3_region: str = Field(default="us-east-1", alias="S3_REGION")
    s3_bucket: str = Field(default="crm-documents", alias="S3_BUCKET")
    s3_access_key_id: str | None = Field(default=None, alias="S3_ACCESS_KEY_ID")
    s3_secret_access_key: str | None = Field(default=None, alias="S3_SECRET_ACCESS_KEY")
    s3_addressing: Literal["path", "virtual"] = Field(default="path", alias="S3_ADDRESSING")
    s3_create_bucket: bool = Field(default=False, alias="S3_CREATE_BUCKET")
    # Signs the gateway's own /blobs URLs (local backend); default: a secret file under CRM_DATA_DIR.
    blob_signing_secret: str | None = Field(default=None, alias="CRM_BLOB_SIGNING_SECRET")
    # Prefix for the gateway's /blobs URLs (e.g. https://api.example.com); empty: relative paths.
    public_url: str = Field(default="", alias="CRM_PUBLIC_URL")
    upload_url_minutes: int = Field(default=15, alias="CRM_UPLOAD_URL_MINUTES")
    download_url_seconds: int = Field(default=300, alias="CRM_DOWNLOAD_URL_SECONDS")
    # Objects without a committed version row older than this are removed by `documents.orphans`.
    orphan_grace_minutes: int = Field(default=24 * 60, alias="CRM_ORPHAN_GRACE_MINUTES")
    # Per-tenant defaults until a tenant admin changes them (setDocumentLimits).
    document_max_file_bytes: int = Field(default=100 * 1024 * 1024, alias="CRM_DOCUMENT_MAX_FILE_BYTES")
    document_quota_bytes: int = Field(default=10 * 1024**3, alias="CRM_DOCUMENT_QUOTA_BYTES")
    # Hard cap on a GraphQL multipart request body (the small-file path); bigger files use requestUpload.
    max_multipart_bytes: int = Field(default=50 * 1024 * 1024, alias="CRM_MAX_MULTIPART_BYTES")

    @property
    def blob_backend(self) -> str:
        if self.storage_backend is not None:
            return self.storage_backend
        return "s3" if self.s3_endpoint_url else "local"

    # Live updates (graphql-transport-ws at /graphql, see graph/live/). EVENT_BUS_URL: where the event
    # listener connects; unset means DATABASE_URL (LISTEN needs a session, not a transaction pooler).
    event_bus_url: str | None = Field(default=None, alias="EVENT_BUS_URL")
    ws_init_timeout_seconds: float = Field(default=10.0, alias="CRM_WS_INIT_TIMEOUT_SECONDS")
    ws_ping_seconds: float = Field(default=20.0, alias="CRM_WS_PING_SECONDS")
    ws_max_subscriptions: int = Field(default=20, alias="CRM_WS_MAX_SUBSCRIPTIONS")
    # Browser pages on other origins allowed to open the WebSocket (comma-separated, `*` for any). The
    # credential travels in connection_init, never in a cookie, so no ambient authority is at stake.
    ws_allowed_origins: str = Field(default="", alias="CRM_WS_ALLOWED_ORIGINS")
    live_queue_size: int = Field(default=100, alias="CRM_LIVE_QUEUE_SIZE")
    live_revalidate_seconds: float = Field(default=15.0, alias="CRM_LIVE_REVALIDATE_SECONDS")
    live_listener_ping_seconds: float = Field(default=5.0, alias="CRM_LIVE_LISTENER_PING_SECONDS")
    # Reads and declared creates compiled into one SQL statement (graph/compiled, gateway/fast_path.py):
    # `on`, `off` (executor only), or `verify` (both paths run and must agree: the test suite's
    # differential mode; creates are rehearsed and rolled back).
    compiled_reads: Literal["on", "off", "verify"] = Field(default="on", alias="CRM_COMPILED_READS")

    # Operations (gateway/observability/, infra/README.md). Prometheus metrics: `app` serves /metrics on
    # the main port (with CRM_METRICS_TOKEN as a bearer token when set; production refuses it without
    # one), `host:port` on a listener of its own instead, `off` not at all.
    metrics_bind: str = Field(default="app", alias="CRM_METRICS_BIND")
    metrics_token: str | None = Field(default=None, alias="CRM_METRICS_TOKEN")
    # OpenTelemetry traces go to this OTLP/HTTP endpoint (the SDK's own variable; CRM_OTLP_ENDPOINT is
    # read too); unset, no span is ever made.
    otlp_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    crm_otlp_endpoint: str | None = Field(default=None, alias="CRM_OTLP_ENDPOINT")
    otel_service_name: str = Field(default="crm", alias="OTEL_SERVICE_NAME")
    # `json`: one JSON object per log line with request and tenant ids; `text`: plain lines.
    # Default: json in production, text in development.
    log_format: Literal["json", "text"] | None = Field(default=None, alias="CRM_LOG_FORMAT")
    # An operation slower than this is logged (with its name, type, path and tenant) as a warning.
    slow_operation_ms: int = Field(default=1_000, alias="CRM_SLOW_OPERATION_MS")
    # `crm jobs run`: a job transaction idle this long is ended by PostgreSQL (its locks freed for a retry).
    job_lease_seconds: float = Field(default=300.0, alias="CRM_JOB_LEASE_SECONDS")
    # Read-only report queries go to this server (a streaming replica) when set (tenants/replica.py).
    database_replica_url: str | None = Field(default=None, alias="DATABASE_REPLICA_URL")

    @property
    def tracing_endpoint(self) -> str | None:
        return self.otlp_endpoint or self.crm_otlp_endpoint or None

    @property
    def json_logs(self) -> bool:
        return self.is_production if self.log_format is None else self.log_format == "json"

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def show_invite_tokens(self) -> bool:
        """Development hands the inviter the invitation token; production only emails it."""
        return not self.is_production

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_production) if self.introspection is None else self.introspection

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql


@lru_cache
def get_settings() -> Settings:
    return Settings()
