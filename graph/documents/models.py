"""Document tables; the DDL, indexes and RLS policies live in migrations/versions/0050_documents.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKeyConstraint, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

DOCUMENT = register_object_type("document")


class Document(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    """A named file; `content_type`, `size` and `sha256` are those of its current version."""

    __tablename__ = "documents"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["memberships.tenant_id", "memberships.user_id"]),
    )

    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    owner_id: Mapped[uuid.UUID] = mapped_column()
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# Custom fields and field-level role rules (tenants/fields/registry.py): built-in GraphQL fields -> the
# attributes a write sets. No built-in field is hideable: name, type, size and checksum describe the
# file itself and are repeated by versions and download links.
register_custom_fields(
    DOCUMENT,
    Document,
    graphql_type="Document",
    fields={"name": ["name"], "tags": ["tags"], "owner": ["owner_id"]},
)


class DocumentVersion(TenantMixin, Base):
    """One committed upload: written only after its object exists and matched size and checksum."""

    __tablename__ = "document_versions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"], ondelete="CASCADE"
        ),
    )

    document_id: Mapped[uuid.UUID] = mapped_column()
    number: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DocumentLink(Base):
    __tablename__ = "document_links"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"], ondelete="CASCADE"
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True, default="attachment")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DocumentUpload(TenantMixin, Base):
    """A presigned upload that has not been completed: invisible, and reserved against the quota."""

    __tablename__ = "document_uploads"

    document_id: Mapped[uuid.UUID] = mapped_column()
    new_document: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # Custom values as given (already validated once); applied, and validated again, at completeUpload.
    custom: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    storage_key: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocumentSettings(Base):
    """A tenant's own limits; without a row the configured defaults apply."""

    __tablename__ = "document_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    max_file_bytes: Mapped[int] = mapped_column(BigInteger)
    quota_bytes: Mapped[int] = mapped_column(BigInteger)
    allowed_content_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
