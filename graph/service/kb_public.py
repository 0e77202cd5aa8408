"""The public knowledge base: a tenant's published, public articles, read, searched and voted on by its
customers without a login.

A tenant opens it with a key (`crmk_<tenant id hex>_<256 random bits>`, made by
`enablePublicKnowledgeBase`, stored as SHA-256 in `service_settings.public_kb_key_hash`, rotated by
calling it again, closed by `disablePublicKnowledgeBase`). The key is public (the tenant's help site
embeds it); what it protects is the choice of tenant: like survey links, its tenant part opens a
transaction of its own inside that tenant's RLS wall (never the request's, which a signed-in caller's
other fields use in their own tenant) and the hash must match the tenant's current key, so a forged,
rotated or foreign key reaches nothing (NOT_FOUND on `key`). Inside, only articles that are published
AND public are visible, with their published text; drafts, archived and internal articles are never
read. Pages are small (at most MAX_PAGE, search at most MAX_PAGE ranked hits, queries at most 200
characters), which bounds what an anonymous caller can make the server do per request.

Helpfulness votes: one per article and visitor token (a random string the customer's browser keeps,
16-200 characters, stored as SHA-256); a second vote with the same token replaces the first. The
article's counts add the members' votes (kb_votes) and the public's (kb_public_votes).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core import text_search
from graph.service.calendar import service_settings
from graph.service.kb import recount_votes
from graph.service.models import KbArticle, KbPublicVote
from graph.service.sla import update_service_settings
from tenants import audit
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor, Capability
from tenants.tokens import digest, same_digest, tenant_token, token_tenant

KEY_PREFIX = "crmk_"
MAX_PAGE = 20
MAX_QUERY = 200
VISITOR_TOKEN = (16, 200)


def unknown_key() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "No public knowledge base has this key.", "key")


def tenant_of(key: str) -> uuid.UUID:
    """The tenant whose transaction may check the key (NOT_FOUND for what is no key of ours)."""
    tenant_id = token_tenant(KEY_PREFIX, key)
    if tenant_id is None:
        raise unknown_key()
    return tenant_id


async def set_public_key(session: AsyncSession, actor: Actor, enabled: bool) -> str | None:
    """Opens the public knowledge base with a new key (returned once; the previous key stops working),
    or closes it (None)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    settings = await service_settings(session, actor.tenant_id)
    if settings is None:
        settings = await update_service_settings(session, actor, {})
    key = tenant_token(KEY_PREFIX, actor.tenant_id) if enabled else None
    settings.public_kb_key_hash = digest(key) if key else None
    await session.flush()
    action = "service_settings.public_kb_enabled" if enabled else "service_settings.public_kb_disabled"
    await audit.record(session, actor, action, "service_settings", None, {})
    return key


async def check_key(session: AsyncSession, key: str) -> uuid.UUID:
    """In a transaction inside `tenant_of(key)`: the tenant, when the key is its current one."""
    tenant_id = tenant_of(key)
    settings = await service_settings(session, tenant_id)
    if settings is None or settings.public_kb_key_hash is None:
        raise unknown_key()
    if not same_digest(settings.public_kb_key_hash, digest(key)):
        raise unknown_key()
    return tenant_id


def public(tenant_id: uuid.UUID) -> ColumnElement[bool]:
    return (
        (KbArticle.tenant_id == tenant_id)
        & (KbArticle.status == "published")
        & (KbArticle.audience == "public")
    )


def page_size(first: int | None) -> int:
    if first is None:
        return MAX_PAGE
    if not 1 <= first <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID, f"Ask for 1 to {MAX_PAGE} articles.", "first")
    return first


async def list_articles(
    session: AsyncSession,
    key: str,
    search: str | None,
    category: str | None,
    first: int | None,
    after: uuid.UUID | None,
) -> tuple[list[KbArticle], bool]:
    """Newest published first (`after`: the last article of the previous page), or with `search` the
    best MAX_PAGE matches (no further pages); returns the page and whether more follow."""
    size = page_size(first)
    tenant_id = await check_key(session, key)
    statement = select(KbArticle).where(public(tenant_id))
    if category is not None:
        statement = statement.where(KbArticle.category == category)
    if search is not None:
        if len(search) > MAX_QUERY:
            raise DomainError(ErrorCode.TOO_LONG, f"A search is at most {MAX_QUERY} characters.", "search")
        query = text_search.all_of(search)
        if query is None:
            return [], False
        rank = func.ts_rank(KbArticle.search_vector, query)
        statement = statement.where(KbArticle.search_vector.op("@@")(query)).order_by(
            rank.desc(), KbArticle.id
        )
        return list(await session.scalars(statement.limit(size))), False
    order = (KbArticle.published_at, KbArticle.id)
    if after is not None:
        mark = (await session.execute(select(*order).where(public(tenant_id), KbArticle.id == after))).first()
        if mark is None:
            raise DomainError(ErrorCode.INVALID, "This cursor is no article of this list.", "after")
        statement = statement.where(tuple_(*order) < tuple_(*mark))
    rows = list(
        await session.scalars(
            statement.order_by(KbArticle.published_at.desc(), KbArticle.id.desc()).limit(size + 1)
        )
    )
    return rows[:size], len(rows) > size


async def read_article(
    session: AsyncSession, key: str, article_id: uuid.UUID, *, lock: bool = False
) -> KbArticle:
    tenant_id = await check_key(session, key)
    statement = select(KbArticle).where(public(tenant_id), KbArticle.id == article_id)
    article = await session.scalar(statement.with_for_update() if lock else statement)
    if article is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No public article with this id.", "articleId")
    return article


def visitor_digest(token: str) -> bytes:
    low, high = VISITOR_TOKEN
    if not low <= len(token) <= high:
        raise DomainError(ErrorCode.INVALID, f"A visitor token is {low}-{high} characters.", "visitorToken")
    return digest(token)


async def vote(
    session: AsyncSession, key: str, article_id: uuid.UUID, visitor_token: str, helpful: bool, now: datetime
) -> KbArticle:
    visitor = visitor_digest(visitor_token)
    article = await read_article(session, key, article_id, lock=True)
    values: dict[str, Any] = {"helpful": helpful, "voted_at": now}
    await session.execute(
        insert(KbPublicVote)
        .values(tenant_id=article.tenant_id, article_id=article.id, visitor_hash=visitor, **values)
        .on_conflict_do_update(index_elements=["tenant_id", "article_id", "visitor_hash"], set_=values)
    )
    await recount_votes(session, article)
    return article
