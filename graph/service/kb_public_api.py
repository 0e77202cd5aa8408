"""The public knowledge base (no login): published public articles of the tenant whose key is given,
their search, and helpfulness votes; and the admin mutations that open, rotate and close it
(graph/service/kb_public.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.ids import decode_id, encode_id
from graph.service import clock, kb_public
from graph.service import models as sm

Key = Annotated[
    str,
    strawberry.argument(description="The tenant's public knowledge base key (enablePublicKnowledgeBase)."),
]


@strawberry.type(description="A published public article as customers read it.")
class PublicKbArticle:
    article_id: strawberry.ID = strawberry.field(
        description="The article's id (a KbArticle id; members read it with `kbArticle`)."
    )
    title: str = strawberry.field(description="The published title.")
    body: str = strawberry.field(description="The published text.")
    category: str | None = strawberry.field(description="A key of the tenant's kb_categories list.")
    published_at: datetime | None = strawberry.field(description="When it was last published.")
    helpful_count: int = strawberry.field(description="Readers who found it helpful.")
    unhelpful_count: int = strawberry.field(description="Readers who did not.")

    @classmethod
    def from_model(cls, article: sm.KbArticle) -> PublicKbArticle:
        return cls(
            article_id=strawberry.ID(str(encode_id("KbArticle", article.id))),
            title=article.published_title or "",
            body=article.published_body or "",
            category=article.category,
            published_at=article.published_at,
            helpful_count=article.helpful_count,
            unhelpful_count=article.unhelpful_count,
        )


@strawberry.type(description="A page of public articles.")
class PublicKbArticlePage:
    articles: list[PublicKbArticle] = strawberry.field(description="The page, newest (or best match) first.")
    has_next_page: bool = strawberry.field(
        description="More follow: pass the last article's `articleId` as `after`."
    )


@strawberry.input(description="A visitor's helpfulness vote.")
class VotePublicKbArticleInput:
    key: str = strawberry.field(description="The tenant's public knowledge base key.")
    article_id: relay.GlobalID = strawberry.field(description="The article (PublicKbArticle.articleId).")
    visitor_token: str = strawberry.field(
        description="A random string (16-200 characters) the visitor's browser keeps: one vote per token."
    )
    helpful: bool = strawberry.field(description="true: helpful; false: not.")


@strawberry.type(description="Result of votePublicKbArticle.")
class VotePublicKbArticlePayload:
    article: PublicKbArticle | None = strawberry.field(
        default=None, description="The article, counts updated."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of enablePublicKnowledgeBase and disablePublicKnowledgeBase.")
class PublicKnowledgeBasePayload:
    key: str | None = strawberry.field(
        default=None, description="The new key, shown once (the previous one stops working); null: closed."
    )
    errors: list[UserError] = payload_errors()


@asynccontextmanager
async def key_transaction(info: Info, key: str) -> AsyncIterator[AsyncSession]:
    """A transaction of its own in the key's tenant (never the request's: see kb_public)."""
    async with info.context.db.transaction(kb_public.tenant_of(key)) as session:
        yield session


@strawberry.type
class PublicKnowledgeBaseQuery:
    @strawberry.field(
        description="Published public articles of the key's tenant (no login): newest first in pages of "
        "at most 20, or with `search` the 20 best matches; NOT_FOUND for an unknown or closed key."
    )
    async def public_kb_articles(
        self,
        info: Info,
        key: Key,
        search: Annotated[
            str | None, strawberry.argument(description="Words that must all occur (max 200 characters).")
        ] = None,
        category: Annotated[str | None, strawberry.argument(description="Only this category key.")] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size, 1-20 (default 20).")] = None,
        after: Annotated[
            relay.GlobalID | None, strawberry.argument(description="The last article of the previous page.")
        ] = None,
    ) -> PublicKbArticlePage:
        mark = decode_id(after, "KbArticle", "after") if after else None
        async with key_transaction(info, key) as session:
            articles, more = await kb_public.list_articles(session, key, search, category, first, mark)
            return PublicKbArticlePage(
                articles=[PublicKbArticle.from_model(article) for article in articles], has_next_page=more
            )

    @strawberry.field(description="One published public article of the key's tenant (no login).")
    async def public_kb_article(
        self,
        info: Info,
        key: Key,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The article's id.")],
    ) -> PublicKbArticle:
        article_id = decode_id(id, "KbArticle", "articleId")
        async with key_transaction(info, key) as session:
            return PublicKbArticle.from_model(await kb_public.read_article(session, key, article_id))


@strawberry.type
class PublicKnowledgeBaseMutation:
    @strawberry.mutation(
        description="A visitor's vote on a public article (no login; one per visitor token)."
    )
    @mutation_payload(VotePublicKbArticlePayload, savepoint=False)
    async def vote_public_kb_article(
        self,
        info: Info,
        input: Annotated[VotePublicKbArticleInput, strawberry.argument(description="The vote.")],
    ) -> VotePublicKbArticlePayload:
        article_id = decode_id(input.article_id, "KbArticle", "articleId")
        async with key_transaction(info, input.key) as session:
            article = await kb_public.vote(
                session, input.key, article_id, input.visitor_token, input.helpful, clock.now()
            )
            return VotePublicKbArticlePayload(article=PublicKbArticle.from_model(article))

    @strawberry.mutation(
        description="Open the public knowledge base with a new key, or rotate it (manage_settings)."
    )
    @mutation_payload(PublicKnowledgeBasePayload)
    async def enable_public_knowledge_base(self, info: Info) -> PublicKnowledgeBasePayload:
        key = await kb_public.set_public_key(await info.context.session(), info.context.actor, True)
        return PublicKnowledgeBasePayload(key=key)

    @strawberry.mutation(
        description="Close the public knowledge base: its key stops working (manage_settings)."
    )
    @mutation_payload(PublicKnowledgeBasePayload)
    async def disable_public_knowledge_base(self, info: Info) -> PublicKnowledgeBasePayload:
        await kb_public.set_public_key(await info.context.session(), info.context.actor, False)
        return PublicKnowledgeBasePayload()
