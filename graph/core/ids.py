"""Opaque global ids (Relay `GlobalID`: base64 of `TypeName:uuid`) to database UUIDs and back."""

from __future__ import annotations

import uuid

from strawberry import relay

from tenants.errors import DomainError, ErrorCode


def decode_id(global_id: relay.GlobalID, type_name: str, field: str = "id") -> uuid.UUID:
    """The UUID inside a global id of the expected type; anything else is NOT_FOUND for that field."""
    if global_id.type_name != type_name:
        raise DomainError(ErrorCode.NOT_FOUND, f"Expected the id of a {type_name}.", field)
    try:
        return uuid.UUID(global_id.node_id)
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, f"No {type_name} with this id.", field) from None


def decode_optional_id(global_id: relay.GlobalID | None, type_name: str, field: str) -> uuid.UUID | None:
    return None if global_id is None else decode_id(global_id, type_name, field)


def encode_id(type_name: str, value: uuid.UUID) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(value))
