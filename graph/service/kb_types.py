"""GraphQL types of the knowledge base. Editors (update permission) read an article's latest text;
readers read its published text (they only ever see published articles)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Select, select
from strawberry import relay
from strawberry.dataloader import DataLoader

from graph.core.context import Info, RequestContext
from graph.core.loaders import by_id, grouped
from graph.core.nodes import resolve_by_ids
from graph.identity.types import User, owner
from graph.service import kb
from graph.service import models as sm
from tenants.permissions import Action

articles_by_id = by_id(sm.KbArticle, sm.KB_ARTICLE, kb.article_scope)


def versions_statement(context: RequestContext, ids: Sequence[uuid.UUID]) -> Select[Any]:
    model = sm.KbArticleVersion
    return (
        select(model)
        .where(model.tenant_id == context.actor.tenant_id, model.article_id.in_(ids))
        .order_by(model.article_id, model.number)
    )


def linked_statement(context: RequestContext, ids: Sequence[uuid.UUID]) -> Select[Any]:
    """Visible articles linked to the tickets, with their ticket id, in the order they were linked."""
    link = sm.TicketArticle
    return (
        select(sm.KbArticle, link.ticket_id)
        .join(link, (link.tenant_id == sm.KbArticle.tenant_id) & (link.article_id == sm.KbArticle.id))
        .where(kb.article_scope(context.actor), link.ticket_id.in_(ids))
        .order_by(link.linked_at, sm.KbArticle.id)
    )


versions_by_article_id = grouped(sm.KB_ARTICLE, versions_statement, lambda version: version.article_id)


def linked_articles_by_ticket_id(context: RequestContext) -> DataLoader[uuid.UUID, list[Any]]:
    """Per ticket, the visible articles linked to it: one query for the whole batch."""

    async def load(ids: Sequence[uuid.UUID]) -> list[list[Any]]:
        if not context.actor.permissions.can(sm.KB_ARTICLE, Action.READ):
            return [[] for _ in ids]
        session = await context.session()
        lists: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for article, ticket_id in await session.execute(linked_statement(context, ids)):
            lists[ticket_id].append(article)
        return [lists.get(ticket_id, []) for ticket_id in ids]

    return DataLoader(load_fn=load)


@strawberry.enum(description="Who an article is for: INTERNAL (members) or PUBLIC (customers too).")
class ArticleAudience(Enum):
    INTERNAL = "internal"
    PUBLIC = "public"


@strawberry.enum(description="DRAFT (editors only), PUBLISHED (readers and search), ARCHIVED (editors only).")
class ArticleStatus(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


assert {a.value for a in ArticleAudience} == set(sm.AUDIENCES)
assert {s.value for s in ArticleStatus} == set(sm.ARTICLE_STATUSES)


@strawberry.type(description="One saved text of an article.")
class KbArticleVersion:
    number: int = strawberry.field(description="1, 2, ... in the order saved.")
    title: str = strawberry.field(description="The title of this version.")
    body: str = strawberry.field(description="The text of this version.")
    created_at: datetime = strawberry.field(description="When it was saved (UTC).")


@strawberry.type(description="A knowledge base article.")
class KbArticle(relay.Node):
    id: relay.NodeID[str]
    category: str | None = strawberry.field(description="A key of the kb_categories option list.")
    audience: ArticleAudience = strawberry.field(description="INTERNAL or PUBLIC.")
    status: ArticleStatus = strawberry.field(description="DRAFT, PUBLISHED or ARCHIVED.")
    current_version: int = strawberry.field(description="Number of the latest version.")
    published_version: int | None = strawberry.field(description="Number of the version readers see.")
    published_at: datetime | None = strawberry.field(description="When it was last published.")
    helpful_count: int = strawberry.field(description="Members and public visitors who found it helpful.")
    unhelpful_count: int = strawberry.field(description="Members and public visitors who did not.")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    model: strawberry.Private[sm.KbArticle]

    @classmethod
    def from_model(cls, article: sm.KbArticle) -> KbArticle:
        return cls(
            id=str(article.id),
            category=article.category,
            audience=ArticleAudience(article.audience),
            status=ArticleStatus(article.status),
            current_version=article.current_version,
            published_version=article.published_version,
            published_at=article.published_at,
            helpful_count=article.helpful_count,
            unhelpful_count=article.unhelpful_count,
            updated_at=article.updated_at,
            version=article.version,
            model=article,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[KbArticle | None]:
        return await resolve_by_ids(info, "articles_by_id", articles_by_id, node_ids, cls.from_model)

    @strawberry.field(description="Editors: the latest title; readers: the published one.")
    def title(self, info: Info) -> str:
        editor = kb.edits(info.context.actor)
        return self.model.title if editor else self.model.published_title or ""

    @strawberry.field(description="Editors: the latest text; readers: the published one.")
    def body(self, info: Info) -> str:
        editor = kb.edits(info.context.actor)
        return self.model.body if editor else self.model.published_body or ""

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info) -> User | None:
        return await owner(info, self.model.author_id) if self.model.author_id else None

    @strawberry.field(description="Every saved version, oldest first (editors only; readers get none).")
    async def versions(self, info: Info) -> list[KbArticleVersion]:
        if not kb.edits(info.context.actor):
            return []
        rows = await info.context.loader("versions_by_article_id", versions_by_article_id).load(self.model.id)
        return [
            KbArticleVersion(number=v.number, title=v.title, body=v.body, created_at=v.created_at)
            for v in rows
        ]
