"""Feedback: the FeedbackItem type, its inputs, and its queries and mutations (thin resolvers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import ColumnElement
from strawberry import UNSET, relay
from strawberry.scalars import JSON

from graph.admin.fields import HasCustomFields
from graph.admin.filters import (
    CustomFieldCondition,
    custom_conditions_field,
    custom_order_field,
    custom_values_field,
)
from graph.admin.lists import CustomSort, custom_page, sort_columns
from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.filters import After, Before, First, Last, OrderDirection, ordered
from graph.core.ids import decode_id
from graph.core.loaders import by_id
from graph.core.nodes import live_node, load_by_id, resolve_by_ids
from graph.core.pagination import Connection
from graph.crm import loaders as crm_loaders
from graph.crm.types import Account, Contact, referenced_account
from graph.identity.types import User, owner
from graph.sales.commerce import loaders as commerce_loaders
from graph.sales.commerce.catalog_types import Product
from graph.service import feedback, loaders
from graph.service import models as sm
from graph.service.inputs import Input, Version, given_values
from graph.service.types import Ticket
from tenants.errors import DomainError

feedback_by_id = by_id(sm.FeedbackItem, sm.FEEDBACK, feedback.feedback_scope)


@strawberry.enum(description="A suggestion or praise.")
class FeedbackKind(Enum):
    SUGGESTION = "suggestion"
    PRAISE = "praise"


@strawberry.enum(description="Where a feedback item stands.")
class FeedbackStatus(Enum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    DONE = "done"
    DECLINED = "declined"


assert {k.value for k in FeedbackKind} == set(sm.FEEDBACK_KINDS)
assert {s.value for s in FeedbackStatus} == set(sm.FEEDBACK_STATUSES)


@strawberry.type(description="A customer's suggestion or praise, tagged, owned by a member, with a status.")
class FeedbackItem(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = sm.FEEDBACK

    id: relay.NodeID[str]
    kind: FeedbackKind = strawberry.field(description="SUGGESTION or PRAISE.")
    title: str = strawberry.field(description="One line (1-300 characters).")
    body: str | None = strawberry.field(description="The customer's words (null when your role hides them).")
    status: FeedbackStatus = strawberry.field(description="NEW, UNDER_REVIEW, PLANNED, DONE or DECLINED.")
    tags: list[str] = strawberry.field(description="Labels, at most 20.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    model: strawberry.Private[sm.FeedbackItem]

    @classmethod
    def from_model(cls, item: sm.FeedbackItem) -> FeedbackItem:
        return cls(
            id=str(item.id),
            kind=FeedbackKind(item.kind),
            title=item.title,
            body=item.body,
            status=FeedbackStatus(item.status),
            tags=list(item.tags),
            created_at=item.created_at,
            updated_at=item.updated_at,
            version=item.version,
            custom=item.custom or {},
            model=item,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[FeedbackItem | None]:
        return await resolve_by_ids(info, "feedback_by_id", feedback_by_id, node_ids, cls.from_model)

    @strawberry.field(description="The member handling it.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.model.owner_id)

    @strawberry.field(description="The customer; shown whoever owns the account.")
    async def account(self, info: Info) -> Account | None:
        return await referenced_account(info, self.model.account_id)

    @strawberry.field(description="The person who gave it; null when none or outside your view.")
    async def contact(self, info: Info) -> Contact | None:
        record = await live_node(info, "contacts_by_id", crm_loaders.contacts_by_id, self.model.contact_id)
        return Contact.from_model(record) if record else None

    @strawberry.field(description="The product it is about; null when none or not readable.")
    async def product(self, info: Info) -> Product | None:
        record = await load_by_id(
            info, "products_by_id", commerce_loaders.products_by_id, self.model.product_id
        )
        return Product.from_model(record) if record else None

    @strawberry.field(description="The ticket it came from; null when none or outside your view.")
    async def ticket(self, info: Info) -> Ticket | None:
        record = await load_by_id(info, "tickets_by_id", loaders.tickets_by_id, self.model.ticket_id)
        return Ticket.from_model(record) if record else None


@strawberry.input(description="Feedback from a customer; it starts NEW, owned by you unless you say.")
class CreateFeedbackInput:
    kind: FeedbackKind = strawberry.field(description="SUGGESTION or PRAISE.")
    title: str = strawberry.field(description="1-300 characters.")
    body: str | None = strawberry.field(default=UNSET, description="The customer's words (max 20,000).")
    tags: list[str] | None = strawberry.field(default=UNSET, description="At most 20 tags of 50 characters.")
    account_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Account, one you may see."
    )
    contact_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Contact, one you may see."
    )
    product_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="The Product it is about."
    )
    ticket_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The Ticket it came from.")
    owner_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="An active member; default you."
    )
    custom: JSON | None = custom_values_field()


@strawberry.input(description="Changes to a feedback item; fields you leave out stay.")
class UpdateFeedbackInput:
    kind: FeedbackKind | None = strawberry.field(default=UNSET, description="SUGGESTION or PRAISE.")
    title: str | None = strawberry.field(default=UNSET, description="1-300 characters.")
    body: str | None = strawberry.field(default=UNSET, description="Null clears it.")
    status: FeedbackStatus | None = strawberry.field(default=UNSET, description="The new status.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces all tags.")
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    contact_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    product_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    ticket_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null unlinks.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="An active member.")
    custom: JSON | None = custom_values_field()


@strawberry.type(description="Result of a feedback mutation.")
class FeedbackPayload:
    feedback_item: FeedbackItem | None = strawberry.field(
        default=None, description="The item after the change."
    )
    errors: list[UserError] = payload_errors()


@strawberry.input(description="Feedback filters; all given conditions must hold.")
class FeedbackFilter:
    kind: FeedbackKind | None = strawberry.field(default=None, description="Only this kind.")
    status: FeedbackStatus | None = strawberry.field(default=None, description="Only this status.")
    tag: str | None = strawberry.field(default=None, description="Carries this tag (exact match).")
    account_id: relay.GlobalID | None = strawberry.field(default=None, description="About this Account.")
    product_id: relay.GlobalID | None = strawberry.field(default=None, description="About this Product.")
    custom: list[CustomFieldCondition] | None = custom_conditions_field()


@strawberry.enum(description="What feedback can be sorted by.")
class FeedbackOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One sort key; the id is always added last.")
class FeedbackOrder:
    field: FeedbackOrderField | None = strawberry.field(default=None, description="Column; or customField.")
    custom_field: str | None = custom_order_field()
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC, description="ASC or DESC.")


def feedback_conditions(given: FeedbackFilter | None) -> list[ColumnElement[bool]]:
    given = given or FeedbackFilter()
    model = sm.FeedbackItem
    clauses: list[ColumnElement[bool]] = []
    if given.kind is not None:
        clauses.append(model.kind == given.kind.value)
    if given.status is not None:
        clauses.append(model.status == given.status.value)
    if given.tag:
        clauses.append(model.tags.contains([given.tag.strip()]))
    if given.account_id is not None:
        clauses.append(model.account_id == decode_id(given.account_id, "Account", "accountId"))
    if given.product_id is not None:
        clauses.append(model.product_id == decode_id(given.product_id, "Product", "productId"))
    return clauses


def feedback_ordering(orders: list[FeedbackOrder] | None, custom_sort: CustomSort = None) -> list[Any]:
    model = sm.FeedbackItem
    columns = {
        FeedbackOrderField.CREATED_AT: [model.created_at],
        FeedbackOrderField.UPDATED_AT: [model.updated_at],
    }
    orders = orders or [FeedbackOrder(field=FeedbackOrderField.CREATED_AT)]
    keys = [
        ordered(c, order.direction) for order in orders for c in sort_columns(order, columns, custom_sort)
    ]
    return [*keys, ordered(model.id, orders[-1].direction)]


FeedbackId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a FeedbackItem.")]


@strawberry.type
class FeedbackQuery:
    @strawberry.field(description="Feedback you may see (by owner and your record scope), newest first.")
    async def feedback_items(
        self,
        info: Info,
        filter: Annotated[FeedbackFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[FeedbackOrder] | None, strawberry.argument(description="Sort keys; default CREATED_AT DESC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[FeedbackItem]:
        statement = feedback.visible_feedback(info.context.actor).where(*feedback_conditions(filter))
        return await custom_page(
            info,
            sm.FEEDBACK,
            sm.FeedbackItem,
            statement,
            filter,
            order_by,
            feedback_ordering,
            FeedbackItem.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One feedback item; null if missing or not yours to see.")
    async def feedback_item(self, info: Info, id: FeedbackId) -> FeedbackItem | None:
        try:
            item_id = decode_id(id, "FeedbackItem")
        except DomainError:
            return None
        record = await info.context.loader("feedback_by_id", feedback_by_id).load(item_id)
        return FeedbackItem.from_model(record) if record else None


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(description="Record a customer's suggestion or praise (feedback create permission).")
    @mutation_payload(FeedbackPayload)
    async def create_feedback(self, info: Info, input: Input[CreateFeedbackInput]) -> FeedbackPayload:
        session, actor = await info.context.session(), info.context.actor
        item = await feedback.create_feedback(session, actor, given_values(input))
        return FeedbackPayload(feedback_item=FeedbackItem.from_model(item))

    @strawberry.mutation(description="Change a feedback item: its status, tags, owner or links.")
    @mutation_payload(FeedbackPayload)
    async def update_feedback(
        self, info: Info, id: FeedbackId, version: Version, input: Input[UpdateFeedbackInput]
    ) -> FeedbackPayload:
        session, actor = await info.context.session(), info.context.actor
        item = await feedback.update_feedback(
            session, actor, decode_id(id, "FeedbackItem"), version, given_values(input)
        )
        return FeedbackPayload(feedback_item=FeedbackItem.from_model(item))
