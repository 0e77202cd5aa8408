"""GraphQL types of the service desk: Ticket, its messages and history, SLA policies, service settings.

Explicit field lists; nested fields go through the request's DataLoaders (graph/service/loaders.py).
The SLA flags are computed from the ticket's stored targets and the service desk clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.nodes import live_node, load_by_id, nested_connection, resolve_by_ids
from graph.core.pagination import Connection
from graph.crm import loaders as crm_loaders
from graph.crm.types import Account, Contact, referenced_account
from graph.identity.types import User, owner
from graph.sales.commerce import loaders as commerce_loaders
from graph.sales.commerce.catalog_types import Product
from graph.sales.commerce.types import Contract
from graph.service import clock, kb, kb_types, loaders, sla
from graph.service import models as sm
from graph.service.calendar import DEFAULT_REOPEN_WINDOW_DAYS
from graph.service.kb_types import KbArticle
from graph.service.surveys import DEFAULT_SURVEY_KIND, DEFAULT_VALID_DAYS


@strawberry.enum(
    description="Where a ticket stands: NEW -> OPEN -> PENDING_CUSTOMER -> RESOLVED -> CLOSED; "
    "MERGED: a duplicate."
)
class TicketStatus(Enum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    MERGED = "merged"


@strawberry.enum(description="How urgent a ticket is; SLA policies are set per priority.")
class TicketPriority(Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@strawberry.enum(description="What the customer brings: a consultation, a complaint or a service request.")
class TicketKind(Enum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    REQUEST = "request"


@strawberry.enum(description="INTERNAL: a note for members only; PUBLIC: a reply the customer sees.")
class MessageVisibility(Enum):
    INTERNAL = "internal"
    PUBLIC = "public"


assert {s.value for s in TicketStatus} == set(sm.STATUSES)
assert {p.value for p in TicketPriority} == set(sm.PRIORITIES)
assert {k.value for k in TicketKind} == set(sm.KINDS)
assert {v.value for v in MessageVisibility} == set(sm.VISIBILITIES)


@strawberry.type(description="An internal note or a customer-visible reply on a ticket.")
class TicketMessage(relay.Node):
    id: relay.NodeID[str]
    visibility: MessageVisibility = strawberry.field(
        description="INTERNAL (members only) or PUBLIC (the customer sees it)."
    )
    body: str = strawberry.field(description="The text (1-50,000 characters).")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")
    author_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, message: sm.TicketMessage) -> TicketMessage:
        return cls(
            id=str(message.id),
            visibility=MessageVisibility(message.visibility),
            body=message.body,
            created_at=message.created_at,
            author_id=message.author_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TicketMessage | None]:
        return await resolve_by_ids(
            info, "ticket_messages_by_id", loaders.ticket_messages_by_id, node_ids, cls.from_model
        )

    @strawberry.field(description="Who wrote it; null for a removed member.")
    async def author(self, info: Info) -> User | None:
        return await owner(info, self.author_id) if self.author_id else None


@strawberry.type(
    description="One entry of a ticket's history: opened, status changed, assigned, merged, escalated."
)
class TicketHistoryEntry:
    kind: str = strawberry.field(
        description="opened, status_changed, assigned, reopened, merged, absorbed or escalated."
    )
    data: JSON = strawberry.field(description="What changed (new status, assignee id, escalation level...).")
    occurred_at: datetime = strawberry.field(description="When it happened (UTC).")
    actor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, entry: sm.TicketEvent) -> TicketHistoryEntry:
        return cls(kind=entry.kind, data=entry.data, occurred_at=entry.occurred_at, actor_id=entry.actor_id)

    @strawberry.field(description="Who did it; null for the escalation job.")
    async def actor(self, info: Info) -> User | None:
        return await owner(info, self.actor_id) if self.actor_id else None


@strawberry.type(
    description="First-response and resolution targets in working minutes for a priority and customer tier."
)
class SlaPolicy(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Display name.")
    priority: TicketPriority = strawberry.field(description="The ticket priority it covers.")
    customer_tier: str | None = strawberry.field(description="The customer tier it covers; null: any tier.")
    first_response_minutes: int = strawberry.field(description="Working minutes to the first public reply.")
    resolution_minutes: int = strawberry.field(
        description="Working minutes to resolution (waiting on the customer excluded)."
    )
    at_risk_percent: int = strawberry.field(
        description="Share of a target after which the ticket is at risk."
    )
    active: bool = strawberry.field(description="Only active policies are applied to tickets.")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    escalate_to_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, policy: sm.SlaPolicy) -> SlaPolicy:
        return cls(
            id=str(policy.id),
            name=policy.name,
            priority=TicketPriority(policy.priority),
            customer_tier=policy.customer_tier,
            first_response_minutes=policy.first_response_minutes,
            resolution_minutes=policy.resolution_minutes,
            at_risk_percent=policy.at_risk_percent,
            active=policy.active,
            version=policy.version,
            escalate_to_id=policy.escalate_to_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SlaPolicy | None]:
        return await resolve_by_ids(
            info, "sla_policies_by_id", loaders.sla_policies_by_id, node_ids, cls.from_model
        )

    @strawberry.field(
        description="Who an at-risk or breached ticket is reassigned to; null: it stays with its assignee."
    )
    async def escalate_to(self, info: Info) -> User | None:
        return await owner(info, self.escalate_to_id) if self.escalate_to_id else None


@strawberry.type(description="A customer's consultation, complaint or service request, with its SLA clock.")
class Ticket(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = sm.TICKET

    id: relay.NodeID[str]
    number: str = strawberry.field(description="The tenant's ticket number, e.g. TCK-2026-00042.")
    subject: str = strawberry.field(description="One line (1-300 characters).")
    description: str | None = strawberry.field(
        description="What the customer reported (null when your role hides it)."
    )
    kind: TicketKind = strawberry.field(description="QUESTION, COMPLAINT or REQUEST.")
    channel: str = strawberry.field(description="A key of the tenant's ticket_channels option list.")
    status: TicketStatus = strawberry.field(description="Where it stands.")
    priority: TicketPriority = strawberry.field(description="LOW, NORMAL, HIGH or URGENT.")
    category: str | None = strawberry.field(description="A key of the ticket_categories option list.")
    customer_tier: str | None = strawberry.field(
        description="The customer's tier, matched against SLA policies (null when hidden)."
    )
    first_responded_at: datetime | None = strawberry.field(description="The first public reply (UTC).")
    response_due_at: datetime | None = strawberry.field(
        description="When the first response falls due; null without a policy."
    )
    resolution_due_at: datetime | None = strawberry.field(
        description="When resolution falls due; moves on when a paused clock resumes."
    )
    sla_paused: bool = strawberry.field(
        description="The SLA clock is stopped (pending customer, resolved, closed, merged)."
    )
    escalation_level: int = strawberry.field(
        description="0: not escalated; 1: escalated at risk; 2: escalated breached."
    )
    resolved_at: datetime | None = strawberry.field(description="When it was resolved (cleared by a reopen).")
    closed_at: datetime | None = strawberry.field(description="When it was closed.")
    reopen_count: int = strawberry.field(description="How many times it was reopened.")
    created_at: datetime = strawberry.field(description="When it was received (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    model: strawberry.Private[sm.Ticket]

    @classmethod
    def from_model(cls, ticket: sm.Ticket) -> Ticket:
        return cls(
            id=str(ticket.id),
            number=ticket.number,
            subject=ticket.subject,
            description=ticket.description,
            kind=TicketKind(ticket.kind),
            channel=ticket.channel,
            status=TicketStatus(ticket.status),
            priority=TicketPriority(ticket.priority),
            category=ticket.category,
            customer_tier=ticket.customer_tier,
            first_responded_at=ticket.first_responded_at,
            response_due_at=ticket.response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            sla_paused=ticket.sla_paused_at is not None,
            escalation_level=ticket.escalation_level,
            resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at,
            reopen_count=ticket.reopen_count,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            version=ticket.version,
            custom=ticket.custom or {},
            model=ticket,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Ticket | None]:
        return await resolve_by_ids(info, "tickets_by_id", loaders.tickets_by_id, node_ids, cls.from_model)

    @strawberry.field(description="An SLA target is at risk: its at-risk share used, not yet breached.")
    def sla_at_risk(self) -> bool:
        return sla.at_risk(self.model, clock.now())

    @strawberry.field(
        description="An SLA target passed unmet (judged at the pause while the clock is stopped)."
    )
    def sla_breached(self) -> bool:
        return sla.breached(self.model, clock.now())

    @strawberry.field(description="The member working it; null: in the unassigned queue.")
    async def assignee(self, info: Info) -> User | None:
        return await owner(info, self.model.assignee_id) if self.model.assignee_id else None

    @strawberry.field(description="The customer; shown whoever owns the account.")
    async def account(self, info: Info) -> Account | None:
        return await referenced_account(info, self.model.account_id)

    @strawberry.field(description="The person who contacted you; null when none or outside your view.")
    async def contact(self, info: Info) -> Contact | None:
        record = await live_node(info, "contacts_by_id", crm_loaders.contacts_by_id, self.model.contact_id)
        return Contact.from_model(record) if record else None

    @strawberry.field(description="The product concerned; null when none or your role cannot read products.")
    async def product(self, info: Info) -> Product | None:
        record = await load_by_id(
            info, "products_by_id", commerce_loaders.products_by_id, self.model.product_id
        )
        return Product.from_model(record) if record else None

    @strawberry.field(description="The contract concerned; null when none or outside your view.")
    async def contract(self, info: Info) -> Contract | None:
        record = await load_by_id(
            info, "contracts_by_id", commerce_loaders.contracts_by_id, self.model.contract_id
        )
        return Contract.from_model(record) if record else None

    @strawberry.field(description="The ticket this duplicate was merged into.")
    async def merged_into(self, info: Info) -> Ticket | None:
        record = await load_by_id(info, "tickets_by_id", loaders.tickets_by_id, self.model.merged_into_id)
        return Ticket.from_model(record) if record else None

    @strawberry.field(description="The SLA policy whose targets apply; null when none matched.")
    async def sla_policy(self, info: Info) -> SlaPolicy | None:
        record = await load_by_id(
            info, "sla_policies_by_id", loaders.sla_policies_by_id, self.model.sla_policy_id
        )
        return SlaPolicy.from_model(record) if record else None

    @strawberry.field(description="Published articles linked to this ticket (that helped resolve it).")
    async def linked_articles(self, info: Info) -> list[KbArticle]:
        loader = info.context.loader("linked_articles_by_ticket_id", kb_types.linked_articles_by_ticket_id)
        return [KbArticle.from_model(article) for article in await loader.load(self.model.id)]

    @strawberry.field(
        description="Published articles that share the most terms with the subject and description, best "
        "first (at most 5; one query per ticket: ask for it on one ticket, not on a list)."
    )
    async def suggested_articles(self, info: Info) -> list[KbArticle]:
        text = f"{self.model.subject} {self.model.description or ''}"
        found = await kb.suggested_articles(await info.context.session(), info.context.actor, text)
        return [KbArticle.from_model(article) for article in found]

    @strawberry.field(description="Internal notes and public replies, oldest first.")
    async def messages(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[TicketMessage]:
        return await nested_connection(
            info,
            "message_pages_by_ticket_id",
            loaders.message_pages_by_ticket_id,
            loaders.messages_statement,
            sm.TicketMessage.ticket_id,
            loaders.MESSAGES_ORDER,
            TicketMessage.from_model,
            self.model.id,
            first,
            after,
            last,
            before,
        )

    @strawberry.field(description="What happened to the ticket, oldest first.")
    async def history(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[TicketHistoryEntry]:
        return await nested_connection(
            info,
            "history_pages_by_ticket_id",
            loaders.history_pages_by_ticket_id,
            loaders.history_statement,
            sm.TicketEvent.ticket_id,
            loaders.HISTORY_ORDER,
            TicketHistoryEntry.from_model,
            self.model.id,
            first,
            after,
            last,
            before,
        )


@strawberry.enum(description="The survey a closed ticket sends.")
class SurveySetting(Enum):
    NONE = "none"
    CSAT = "csat"
    NPS = "nps"


@strawberry.type(description="A holiday of the service calendar: SLA clocks do not run on it.")
class ServiceHoliday:
    day: date = strawberry.field(description="The local date.")
    name: str = strawberry.field(description="What it is.")


@strawberry.type(description="One working day of the service week, in local minutes after midnight.")
class WorkingDay:
    weekday: int = strawberry.field(description="ISO weekday: 1 Monday ... 7 Sunday.")
    start_minute: int = strawberry.field(description="Start, minutes after local midnight.")
    end_minute: int = strawberry.field(description="End (exclusive), minutes after local midnight.")


@strawberry.type(
    description="The service desk's settings: the working week SLAs count in, holidays, the reopen window."
)
class ServiceSettings:
    week: list[WorkingDay] = strawberry.field(
        description="Working days in weekday order; days not listed are off."
    )
    utc_offset_minutes: int = strawberry.field(description="Local time = UTC + this offset.")
    reopen_window_days: int = strawberry.field(description="Days after resolution a ticket may be reopened.")
    survey_kind: SurveySetting = strawberry.field(description="The survey a closed ticket sends.")
    survey_valid_days: int = strawberry.field(description="Days a survey link stays valid.")
    holidays: list[ServiceHoliday] = strawberry.field(description="Holidays, by date.")


def settings_view(week: Any, settings: Any, holidays: list[Any]) -> ServiceSettings:
    """The settings as shown; `settings` None: the defaults."""
    return ServiceSettings(
        week=[
            WorkingDay(weekday=day, start_minute=span[0], end_minute=span[1])
            for day, span in sorted(week.hours.items())
        ],
        utc_offset_minutes=week.utc_offset_minutes,
        reopen_window_days=settings.reopen_window_days if settings else DEFAULT_REOPEN_WINDOW_DAYS,
        survey_kind=SurveySetting(settings.survey_kind if settings else DEFAULT_SURVEY_KIND),
        survey_valid_days=settings.survey_valid_days if settings else DEFAULT_VALID_DAYS,
        holidays=[ServiceHoliday(day=h.day, name=h.name) for h in holidays],
    )
