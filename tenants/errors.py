"""Domain errors: one exception type carrying a stable code the caller can act on.

Services raise `DomainError`; the GraphQL layer rolls back the mutation's savepoint and turns it into a
`UserError` in the mutation payload, or, for a refusal of the caller (`graph/core/errors.py` REFUSALS) and
for queries, into a GraphQL error with `extensions.code` (docs/errors.md).
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"  # stale `version`: someone changed the record since it was read
    DUPLICATE = "DUPLICATE"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    THROTTLED = "THROTTLED"  # too many failed sign-ins for this account or address; wait and retry
    OVERLOADED = "OVERLOADED"  # the server is at capacity (password hashing); retry after `Retry-After`
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105 - an error code, not a password
    EMAIL_TAKEN = "EMAIL_TAKEN"
    TENANT_REQUIRED = "TENANT_REQUIRED"
    EXPIRED = "EXPIRED"
    CYCLE = "CYCLE"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    LAST_ADMIN = "LAST_ADMIN"
    INVALID_TRANSITION = "INVALID_TRANSITION"  # e.g. moving a closed opportunity, a sent quote edited
    NO_CUSTOMER_ACCOUNT = "NO_CUSTOMER_ACCOUNT"  # a customer-only step on a project without an account
    LIMIT_REACHED = "LIMIT_REACHED"  # a per-user or per-tenant cap (claims, open leads)
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"  # storage quota, file size
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"  # the blob store failed; nothing was written
    FILE_TOO_LARGE = "FILE_TOO_LARGE"  # over the tenant's per-file limit
    CONTENT_TYPE_NOT_ALLOWED = "CONTENT_TYPE_NOT_ALLOWED"  # the tenant does not accept this type
    CONTENT_TYPE_MISMATCH = "CONTENT_TYPE_MISMATCH"  # the bytes' magic number says another type
    UPLOAD_MISMATCH = "UPLOAD_MISMATCH"  # the uploaded object's size or sha256 is not the announced one
    MAIL_UNAVAILABLE = "MAIL_UNAVAILABLE"  # the mail server did not take the message; nothing was saved
    # Account security (tenants/security/).
    FORBIDDEN_NETWORK = "FORBIDDEN_NETWORK"  # the client address is outside the tenant's IP allowlist
    WOULD_LOCK_YOU_OUT = "WOULD_LOCK_YOU_OUT"  # a security setting that would shut out the admin saving it
    MFA_ENROLMENT_REQUIRED = "MFA_ENROLMENT_REQUIRED"  # the tenant requires a factor you have not set up
    MFA_REQUIRED = "MFA_REQUIRED"  # the tenant requires your second factor: it cannot be turned off
    MFA_ALREADY_ENABLED = "MFA_ALREADY_ENABLED"
    MFA_NOT_ENABLED = "MFA_NOT_ENABLED"
    INVALID_CODE = "INVALID_CODE"  # a wrong, reused or expired one-time or recovery code
    UNAVAILABLE = "UNAVAILABLE"  # the database is unreachable (outage, restart): retry later, HTTP 503
    ADDRESS_NOT_ALLOWED = "ADDRESS_NOT_ALLOWED"  # a webhook URL resolving to a private/loopback/... address
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"  # an Idempotency-Key reused with a different request
    OVER_BUDGET = "OVER_BUDGET"  # a purchase would take a project's committed cost past its budget
    # The API contract (issue 21): refusals of an integration's request.
    INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"  # the API key's scopes do not cover this read or write
    RATE_LIMITED = "RATE_LIMITED"  # a rate-limit bucket is empty: HTTP 429, retry after `Retry-After`
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # a hash the tenant has not registered
    PERSISTED_QUERY_REQUIRED = "PERSISTED_QUERY_REQUIRED"  # the tenant accepts persisted operations only


class DomainError(Exception):
    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class RetryLater(DomainError):
    """A refusal that passes with time: the HTTP layer answers 429 with `Retry-After` for OVERLOADED."""

    def __init__(self, code: ErrorCode, message: str, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class ValidationErrors(DomainError):
    """Several field errors found at once, so a form can show them all."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = errors


def not_found(what: str, field: str | None = "id") -> DomainError:
    # Records of another tenant, or outside the caller's scope, are reported exactly like missing ones.
    return DomainError(ErrorCode.NOT_FOUND, f"No {what} with this id.", field)


def permission_denied(message: str) -> DomainError:
    return DomainError(ErrorCode.PERMISSION_DENIED, message)
