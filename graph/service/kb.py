"""Knowledge base rules: articles with versions, draft -> published -> archived, internal or public,
text search (graph/core/text_search.py), helpfulness votes, links to the tickets they resolved.

Members who may update articles see drafts and the latest text; readers see published articles only, with
their published text. Every change of title or body is a new version (kept, append-only); publishing
makes the latest version the one readers see and search finds.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, cast, func, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core import text_search
from graph.core.rules import check_version, flush_versioned, snapshot
from graph.live.events import announce
from graph.service.models import (
    AUDIENCES,
    KB_ARTICLE,
    TICKET,
    KbArticle,
    KbArticleVersion,
    KbPublicVote,
    KbVote,
    TicketArticle,
)
from graph.service.tickets import checked, event, get_ticket, one_of
from tenants import audit
from tenants.errors import DomainError, ErrorCode, ValidationErrors, not_found
from tenants.ids import new_id
from tenants.options import register_option_list, require_option
from tenants.permissions import Action, Actor
from tenants.validation import required_text

CATEGORIES = register_option_list(
    "kb_categories",
    "Knowledge base categories",
    [("how_to", "How-to"), ("troubleshooting", "Troubleshooting"), ("policy", "Policies"), ("faq", "FAQ")],
)
AUDITED_FIELDS = ("title", "body", "category", "audience", "status", "current_version", "published_version")
MAX_BODY = 100_000
SUGGESTIONS = 5


def edits(actor: Actor) -> bool:
    """Editors (update permission) see drafts and archived articles and the latest text."""
    return actor.permissions.can(KB_ARTICLE, Action.UPDATE)


def article_scope(actor: Actor) -> ColumnElement[bool]:
    visible = KbArticle.tenant_id == actor.tenant_id
    return visible if edits(actor) else visible & (KbArticle.status == "published")


def visible_articles(actor: Actor) -> Select[tuple[KbArticle]]:
    actor.require(KB_ARTICLE, Action.READ)
    return select(KbArticle).where(article_scope(actor))


async def get_article(
    session: AsyncSession, actor: Actor, article_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> KbArticle:
    statement = visible_articles(actor).where(KbArticle.id == article_id)
    article = await session.scalar(statement.with_for_update() if lock else statement)
    if article is None:
        raise not_found("article", field)
    return article


async def clean_article(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "title": lambda v: required_text(v, "title", 300),
        "body": lambda v: required_text(v, "body", MAX_BODY),
        "audience": lambda v: one_of(v, AUDIENCES, "audience"),
    }
    cleaned, errors = checked(values, rules)
    if values.get("category") is not None:
        try:
            await require_option(session, actor.tenant_id, CATEGORIES.key, values["category"], "category")
            cleaned["category"] = values["category"]
        except DomainError as error:
            errors.append(error)
    elif "category" in values:
        cleaned["category"] = None
    if errors:
        raise ValidationErrors(errors)
    return cleaned


def new_version(article: KbArticle, actor: Actor, now: datetime) -> KbArticleVersion:
    return KbArticleVersion(
        tenant_id=article.tenant_id,
        id=new_id(),
        article_id=article.id,
        number=article.current_version,
        title=article.title,
        body=article.body,
        author_id=actor.user_id,
        created_at=now,
    )


async def create_article(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], now: datetime
) -> KbArticle:
    """A DRAFT, version 1."""
    actor.require(KB_ARTICLE, Action.CREATE)
    cleaned = await clean_article(session, actor, {"title": None, "body": None, **values})
    article = KbArticle(
        tenant_id=actor.tenant_id,
        id=new_id(),
        status="draft",
        current_version=1,
        author_id=actor.user_id,
        helpful_count=0,
        unhelpful_count=0,
        **{"audience": "internal"} | cleaned,
    )
    session.add(article)
    await session.flush()
    session.add(new_version(article, actor, now))
    await audit.record(
        session,
        actor,
        "kb_article.create",
        KB_ARTICLE,
        article.id,
        audit.diff({}, snapshot(article, AUDITED_FIELDS)),
    )
    return article


async def update_article(
    session: AsyncSession,
    actor: Actor,
    article_id: uuid.UUID,
    version: int,
    values: Mapping[str, Any],
    now: datetime,
) -> KbArticle:
    """A new title or body is a new version; readers keep the published one until it is published."""
    actor.require(KB_ARTICLE, Action.UPDATE)
    article = await get_article(session, actor, article_id, lock=True)
    check_version(article, version, "article")
    cleaned = await clean_article(session, actor, values)
    before = snapshot(article, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(article, key, value)
    if (article.title, article.body) != (before["title"], before["body"]):
        article.current_version += 1
        session.add(new_version(article, actor, now))
    await flush_versioned(session, "article")
    changes = audit.diff(before, snapshot(article, AUDITED_FIELDS))
    await audit.record(session, actor, "kb_article.update", KB_ARTICLE, article.id, changes)
    return article


async def publish_article(
    session: AsyncSession, actor: Actor, article_id: uuid.UUID, version: int, now: datetime
) -> KbArticle:
    """The latest version becomes what readers see and search finds (also for an archived article)."""
    actor.require(KB_ARTICLE, Action.UPDATE)
    article = await get_article(session, actor, article_id, lock=True)
    check_version(article, version, "article")
    before = snapshot(article, AUDITED_FIELDS)
    article.status = "published"
    article.published_version = article.current_version
    article.published_title, article.published_body = article.title, article.body
    article.published_at = now
    article.search_vector = text_search.search_vector(article.title, article.body)
    await flush_versioned(session, "article")
    await audit.record(
        session,
        actor,
        "kb_article.publish",
        KB_ARTICLE,
        article.id,
        audit.diff(before, snapshot(article, AUDITED_FIELDS)),
    )
    await announce(session, actor.tenant_id, "kb_article.published", article.version, article=article.id)
    return article


async def archive_article(
    session: AsyncSession, actor: Actor, article_id: uuid.UUID, version: int
) -> KbArticle:
    """Out of readers' sight and search; editors can publish it again."""
    actor.require(KB_ARTICLE, Action.UPDATE)
    article = await get_article(session, actor, article_id, lock=True)
    check_version(article, version, "article")
    if article.status == "archived":
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This article is already archived.", "id")
    before = snapshot(article, AUDITED_FIELDS)
    article.status = "archived"
    await flush_versioned(session, "article")
    await audit.record(
        session,
        actor,
        "kb_article.archive",
        KB_ARTICLE,
        article.id,
        audit.diff(before, snapshot(article, AUDITED_FIELDS)),
    )
    return article


def search_condition(text: str) -> ColumnElement[bool]:
    """Published articles with every token of `text` (an empty query finds nothing)."""
    query = text_search.all_of(text)
    if query is None:
        return KbArticle.id.is_(None)
    return (KbArticle.status == "published") & KbArticle.search_vector.op("@@")(query)


async def suggested_articles(
    session: AsyncSession, actor: Actor, text: str, limit: int = SUGGESTIONS
) -> list[KbArticle]:
    """Published articles sharing the most (title-weighted) terms with `text`, best first."""
    query = text_search.any_of(text)
    if query is None or not actor.permissions.can(KB_ARTICLE, Action.READ):
        return []
    rank = func.ts_rank(KbArticle.search_vector, query)
    statement = (
        select(KbArticle)
        .where(
            KbArticle.tenant_id == actor.tenant_id,
            KbArticle.status == "published",
            KbArticle.search_vector.op("@@")(query),
        )
        .order_by(rank.desc(), KbArticle.id)
        .limit(limit)
    )
    return list(await session.scalars(statement))


async def vote(
    session: AsyncSession, actor: Actor, article_id: uuid.UUID, helpful: bool, now: datetime
) -> KbArticle:
    """One vote per member and article (a second one replaces the first); counts kept on the article."""
    actor.require(KB_ARTICLE, Action.READ)
    article = await get_article(session, actor, article_id, lock=True)
    if article.status != "published":
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Only published articles take votes.", "id")
    await session.execute(
        insert(KbVote)
        .values(
            tenant_id=actor.tenant_id,
            article_id=article.id,
            user_id=actor.user_id,
            helpful=helpful,
            voted_at=now,
        )
        .on_conflict_do_update(
            index_elements=["tenant_id", "article_id", "user_id"], set_={"helpful": helpful, "voted_at": now}
        )
    )
    await recount_votes(session, article)
    return article


async def recount_votes(session: AsyncSession, article: KbArticle) -> None:
    """The article's counts: its members' votes (kb_votes) and the public's (kb_public_votes,
    graph/service/kb_public.py), in one statement."""
    counts = []
    for model in (KbVote, KbPublicVote):
        counts.append(
            select(
                func.count().filter(model.helpful).label("up"),
                func.count().filter(~model.helpful).label("down"),
            ).where(model.tenant_id == article.tenant_id, model.article_id == article.id)
        )
    both = union_all(*counts).subquery()
    article.helpful_count, article.unhelpful_count = (
        await session.execute(
            select(cast(func.sum(both.c.up), Integer), cast(func.sum(both.c.down), Integer))
        )
    ).one()
    await flush_versioned(session, "article")


async def link_to_ticket(
    session: AsyncSession, actor: Actor, ticket_id: uuid.UUID, article_id: uuid.UUID, now: datetime
) -> None:
    """Records that an article helped with (or resolved) a ticket; linking twice changes nothing."""
    actor.require(TICKET, Action.UPDATE)
    ticket = await get_ticket(session, actor, ticket_id, "ticketId", lock=True)
    article = await get_article(session, actor, article_id, "articleId")
    if article.status != "published":
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Link a published article.", "articleId")
    inserted = await session.scalar(
        insert(TicketArticle)
        .values(
            tenant_id=actor.tenant_id,
            ticket_id=ticket.id,
            article_id=article.id,
            linked_by_id=actor.user_id,
            linked_at=now,
        )
        .on_conflict_do_nothing()
        .returning(TicketArticle.article_id)
    )
    if inserted is not None:
        session.add(event(ticket, "article_linked", actor.user_id, now, article=article.id))
        await audit.record(
            session, actor, "ticket.article_linked", TICKET, ticket.id, {"article": [None, str(article.id)]}
        )
