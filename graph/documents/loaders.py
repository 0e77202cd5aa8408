"""Per-request DataLoaders of the documents area: one query per level of nesting, never per row.

They run on the request's session (RLS applies) and carry the actor's role and scope; what the actor
may not see resolves to None or is left out.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.documents.documents import document_read_scope
from graph.documents.models import DOCUMENT, Document, DocumentLink, DocumentVersion
from tenants.permissions import Action


def can_read(context: RequestContext) -> bool:
    return context.actor.permissions.can(DOCUMENT, Action.READ)


def documents_by_id(context: RequestContext) -> DataLoader[uuid.UUID, Document | None]:
    async def load(ids: Sequence[uuid.UUID]) -> list[Document | None]:
        if not can_read(context):
            return [None] * len(ids)
        session = await context.session()
        rows = await session.scalars(
            select(Document).where(document_read_scope(context.actor), Document.id.in_(ids))
        )
        found = {row.id: row for row in rows}
        return [found.get(document_id) for document_id in ids]

    return DataLoader(load_fn=load)


def versions_by_document_id(context: RequestContext) -> DataLoader[uuid.UUID, list[DocumentVersion]]:
    """Every version of each document, newest first (the parent was already scope-checked)."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[DocumentVersion]]:
        session = await context.session()
        rows = await session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id.in_(ids))
            .order_by(DocumentVersion.document_id, DocumentVersion.number.desc())
        )
        versions: dict[uuid.UUID, list[DocumentVersion]] = defaultdict(list)
        for row in rows:
            versions[row.document_id].append(row)
        return [versions.get(document_id, []) for document_id in ids]

    return DataLoader(load_fn=load)


def links_by_document_id(context: RequestContext) -> DataLoader[uuid.UUID, list[DocumentLink]]:
    async def load(ids: Sequence[uuid.UUID]) -> list[list[DocumentLink]]:
        session = await context.session()
        rows = await session.scalars(
            select(DocumentLink)
            .where(DocumentLink.document_id.in_(ids))
            .order_by(DocumentLink.document_id, DocumentLink.created_at, DocumentLink.target_id)
        )
        links: dict[uuid.UUID, list[DocumentLink]] = defaultdict(list)
        for row in rows:
            links[row.document_id].append(row)
        return [links.get(document_id, []) for document_id in ids]

    return DataLoader(load_fn=load)
