"""Knowledge base queries and mutations (thin resolvers over graph/service/kb.py)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import ColumnElement
from strawberry import UNSET, relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.filters import After, Before, First, Last, OrderDirection, ordered
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.service import clock, kb, loaders
from graph.service import models as sm
from graph.service.inputs import Input, Version, given_values
from graph.service.kb_types import ArticleAudience, ArticleStatus, KbArticle, articles_by_id
from graph.service.types import Ticket
from tenants.errors import DomainError

ArticleId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a KbArticle.")]


@strawberry.input(description="A new article; it starts as a DRAFT, version 1.")
class CreateKbArticleInput:
    title: str = strawberry.field(description="1-300 characters.")
    body: str = strawberry.field(description="1-100,000 characters.")
    category: str | None = strawberry.field(default=UNSET, description="A kb_categories option key.")
    audience: ArticleAudience | None = strawberry.field(default=UNSET, description="Default INTERNAL.")


@strawberry.input(description="Changes to an article; a new title or body is a new version.")
class UpdateKbArticleInput:
    title: str | None = strawberry.field(default=UNSET, description="1-300 characters.")
    body: str | None = strawberry.field(default=UNSET, description="1-100,000 characters.")
    category: str | None = strawberry.field(default=UNSET, description="Null clears it.")
    audience: ArticleAudience | None = strawberry.field(default=UNSET, description="INTERNAL or PUBLIC.")


@strawberry.type(description="Result of an article mutation.")
class KbArticlePayload:
    article: KbArticle | None = strawberry.field(default=None, description="The article after the change.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of linkArticleToTicket.")
class TicketArticlePayload:
    ticket: Ticket | None = strawberry.field(
        default=None, description="The ticket, with its linked articles."
    )
    errors: list[UserError] = payload_errors()


@strawberry.input(description="Article filters; all given conditions must hold.")
class KbArticleFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Words or Chinese text: published articles containing every term (title or text). "
        "Chinese is matched by character pairs, so any two or more consecutive characters are found.",
    )
    status: ArticleStatus | None = strawberry.field(default=None, description="Only this status (editors).")
    category: str | None = strawberry.field(default=None, description="Only this category key.")
    audience: ArticleAudience | None = strawberry.field(default=None, description="Only this audience.")


@strawberry.enum(description="What articles can be sorted by.")
class KbArticleOrderField(Enum):
    UPDATED_AT = "updated_at"
    HELPFUL = "helpful_count"


@strawberry.input(description="One sort key; the id is always added last.")
class KbArticleOrder:
    field: KbArticleOrderField = strawberry.field(description="The column.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC, description="ASC or DESC.")


def article_conditions(given: KbArticleFilter | None) -> list[ColumnElement[bool]]:
    given = given or KbArticleFilter()
    model = sm.KbArticle
    clauses: list[ColumnElement[bool]] = []
    if given.search is not None:
        clauses.append(kb.search_condition(given.search[:200]))
    if given.status is not None:
        clauses.append(model.status == given.status.value)
    if given.category is not None:
        clauses.append(model.category == given.category)
    if given.audience is not None:
        clauses.append(model.audience == given.audience.value)
    return clauses


def article_ordering(orders: list[KbArticleOrder] | None) -> list[Any]:
    model = sm.KbArticle
    columns = {
        KbArticleOrderField.UPDATED_AT: model.updated_at,
        KbArticleOrderField.HELPFUL: model.helpful_count,
    }
    orders = orders or [KbArticleOrder(field=KbArticleOrderField.UPDATED_AT)]
    keys = [ordered(columns[order.field], order.direction) for order in orders]
    return [*keys, ordered(model.id, orders[-1].direction)]


@strawberry.type
class KnowledgeBaseQuery:
    @strawberry.field(
        description="Articles you may see (readers: published ones), most recently changed first."
    )
    async def kb_articles(
        self,
        info: Info,
        filter: Annotated[KbArticleFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[KbArticleOrder] | None,
            strawberry.argument(description="Sort keys; default UPDATED_AT DESC."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[KbArticle]:
        statement = kb.visible_articles(info.context.actor).where(*article_conditions(filter))
        statement = statement.order_by(*article_ordering(order_by))
        session = await info.context.session()
        return await paginate(session, statement, KbArticle.from_model, first, after, before, last)

    @strawberry.field(description="One article; null if missing or not yours to see.")
    async def kb_article(self, info: Info, id: ArticleId) -> KbArticle | None:
        try:
            article_id = decode_id(id, "KbArticle")
        except DomainError:
            return None
        record = await info.context.loader("articles_by_id", articles_by_id).load(article_id)
        return KbArticle.from_model(record) if record else None


@strawberry.type
class KnowledgeBaseMutation:
    @strawberry.mutation(description="Write a draft article (kb_article create permission).")
    @mutation_payload(KbArticlePayload)
    async def create_kb_article(self, info: Info, input: Input[CreateKbArticleInput]) -> KbArticlePayload:
        session, actor = await info.context.session(), info.context.actor
        article = await kb.create_article(session, actor, given_values(input), clock.now())
        return KbArticlePayload(article=KbArticle.from_model(article))

    @strawberry.mutation(description="Change an article; a new title or body becomes a new version.")
    @mutation_payload(KbArticlePayload)
    async def update_kb_article(
        self, info: Info, id: ArticleId, version: Version, input: Input[UpdateKbArticleInput]
    ) -> KbArticlePayload:
        session, actor = await info.context.session(), info.context.actor
        article = await kb.update_article(
            session, actor, decode_id(id, "KbArticle"), version, given_values(input), clock.now()
        )
        return KbArticlePayload(article=KbArticle.from_model(article))

    @strawberry.mutation(description="Publish the latest version: readers see it and search finds it.")
    @mutation_payload(KbArticlePayload)
    async def publish_kb_article(self, info: Info, id: ArticleId, version: Version) -> KbArticlePayload:
        session, actor = await info.context.session(), info.context.actor
        article = await kb.publish_article(session, actor, decode_id(id, "KbArticle"), version, clock.now())
        return KbArticlePayload(article=KbArticle.from_model(article))

    @strawberry.mutation(description="Archive an article: out of readers' sight and search.")
    @mutation_payload(KbArticlePayload)
    async def archive_kb_article(self, info: Info, id: ArticleId, version: Version) -> KbArticlePayload:
        session, actor = await info.context.session(), info.context.actor
        article = await kb.archive_article(session, actor, decode_id(id, "KbArticle"), version)
        return KbArticlePayload(article=KbArticle.from_model(article))

    @strawberry.mutation(
        description="Say whether a published article helped you (one vote each; a new one replaces it)."
    )
    @mutation_payload(KbArticlePayload)
    async def vote_kb_article(
        self,
        info: Info,
        id: ArticleId,
        helpful: Annotated[bool, strawberry.argument(description="true: helpful; false: not.")],
    ) -> KbArticlePayload:
        session, actor = await info.context.session(), info.context.actor
        article = await kb.vote(session, actor, decode_id(id, "KbArticle"), helpful, clock.now())
        return KbArticlePayload(article=KbArticle.from_model(article))

    @strawberry.mutation(description="Link a published article to a ticket it helped resolve.")
    @mutation_payload(TicketArticlePayload)
    async def link_article_to_ticket(
        self,
        info: Info,
        ticket_id: Annotated[relay.GlobalID, strawberry.argument(description="The Ticket.")],
        article_id: Annotated[relay.GlobalID, strawberry.argument(description="The KbArticle.")],
    ) -> TicketArticlePayload:
        session, actor = await info.context.session(), info.context.actor
        ticket_key = decode_id(ticket_id, "Ticket", "ticketId")
        await kb.link_to_ticket(
            session, actor, ticket_key, decode_id(article_id, "KbArticle", "articleId"), clock.now()
        )
        ticket = await info.context.loader("tickets_by_id", loaders.tickets_by_id).load(ticket_key)
        return TicketArticlePayload(ticket=Ticket.from_model(ticket) if ticket else None)
