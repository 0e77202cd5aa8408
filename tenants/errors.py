"""Domain errors: one exception type carrying a stable code the caller can act on.

Services raise `DomainError`; the GraphQL layer turns it into a `UserError` in the mutation payload
(and rolls back the mutation's savepoint) or into a typed GraphQL error for queries.
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
    THROTTLED = "THROTTLED"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105 - an error code, not a password
    EMAIL_TAKEN = "EMAIL_TAKEN"
    TENANT_REQUIRED = "TENANT_REQUIRED"
    EXPIRED = "EXPIRED"
    CYCLE = "CYCLE"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    LAST_ADMIN = "LAST_ADMIN"
    INVALID_TRANSITION = "INVALID_TRANSITION"  # e.g. moving a closed opportunity, a sent quote edited
    LIMIT_REACHED = "LIMIT_REACHED"  # a per-user or per-tenant cap (claims, open leads)
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"  # storage quota, file size
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"  # the blob store failed; nothing was written
    FILE_TOO_LARGE = "FILE_TOO_LARGE"  # over the tenant's per-file limit
    CONTENT_TYPE_NOT_ALLOWED = "CONTENT_TYPE_NOT_ALLOWED"  # the tenant does not accept this type
    CONTENT_TYPE_MISMATCH = "CONTENT_TYPE_MISMATCH"  # the bytes' magic number says another type
    UPLOAD_MISMATCH = "UPLOAD_MISMATCH"  # the uploaded object's size or sha256 is not the announced one
    UNAVAILABLE = "UNAVAILABLE"  # the database is unreachable (outage, restart): retry later, HTTP 503


class DomainError(Exception):
    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


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
