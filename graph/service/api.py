"""Service desk queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select

from graph.admin.lists import custom_page, used_filters
from graph.core.context import Info
from graph.core.errors import mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id
from graph.core.pagination import Connection, paginate
from graph.service import (
    clock,
    documents,  # noqa: F401  (imported with the schema: tickets become document link targets)
    escalation,  # noqa: F401  (imported with the schema: registers service.escalate)
    loaders,
    sla,
    tickets,
)
from graph.service.calendar import service_settings, work_week
from graph.service.filters import (
    TICKET_FILTER_FIELDS,
    TicketFilter,
    TicketOrder,
    ticket_conditions,
    ticket_ordering,
)
from graph.service.inputs import (
    AddTicketMessageInput,
    CreateSlaPolicyInput,
    Input,
    OpenTicketInput,
    ServiceSettingsPayload,
    SetServiceHolidayInput,
    SlaPolicyPayload,
    TicketId,
    TicketMessagePayload,
    TicketPayload,
    UpdateServiceSettingsInput,
    UpdateSlaPolicyInput,
    UpdateTicketInput,
    Version,
    given_values,
)
from graph.service.models import TICKET, ServiceHoliday
from graph.service.models import SlaPolicy as SlaPolicyModel
from graph.service.models import Ticket as TicketModel
from graph.service.types import (
    MessageVisibility,
    ServiceSettings,
    SlaPolicy,
    Ticket,
    TicketMessage,
    TicketStatus,
    settings_view,
)
from tenants.errors import DomainError
from tenants.fields.query import refuse_hidden_filters
from tenants.permissions import Action

SlaPolicyId = Annotated[
    strawberry.relay.GlobalID, strawberry.argument(description="Global id of an SlaPolicy.")
]


@strawberry.type
class ServiceQuery:
    @strawberry.field(
        description="Tickets you may see (assigned within your record scope, or unassigned), newest first; "
        "`filter.queue` gives the work queues."
    )
    async def tickets(
        self,
        info: Info,
        filter: Annotated[TicketFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[TicketOrder] | None, strawberry.argument(description="Sort keys; default CREATED_AT DESC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Ticket]:
        actor = info.context.actor
        refuse_hidden_filters(actor, TICKET, used_filters(filter, TICKET_FILTER_FIELDS))
        statement = tickets.visible_tickets(actor).where(*ticket_conditions(filter, actor, clock.now()))
        return await custom_page(
            info,
            TICKET,
            TicketModel,
            statement,
            filter,
            order_by,
            ticket_ordering,
            Ticket.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One ticket; null if missing or not yours to see.")
    async def ticket(self, info: Info, id: TicketId) -> Ticket | None:
        try:
            ticket_id = decode_id(id, "Ticket")
        except DomainError:
            return None
        record = await info.context.loader("tickets_by_id", loaders.tickets_by_id).load(ticket_id)
        return Ticket.from_model(record) if record else None

    @strawberry.field(description="The tenant's SLA policies, by priority then name.")
    async def sla_policies(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[SlaPolicy]:
        statement = sla.visible_policies(info.context.actor).order_by(
            SlaPolicyModel.priority, SlaPolicyModel.name, SlaPolicyModel.id
        )
        return await paginate(
            await info.context.session(), statement, SlaPolicy.from_model, first, after, before, last
        )

    @strawberry.field(description="The working week SLAs count in, the holidays and the reopen window.")
    async def service_settings(self, info: Info) -> ServiceSettings:
        actor = info.context.actor
        actor.require(TICKET, Action.READ)
        return await current_settings(info)


async def current_settings(info: Info) -> ServiceSettings:
    session, tenant_id = await info.context.session(), info.context.actor.tenant_id
    settings = await service_settings(session, tenant_id)
    holidays = await session.scalars(
        select(ServiceHoliday).where(ServiceHoliday.tenant_id == tenant_id).order_by(ServiceHoliday.day)
    )
    return settings_view(await work_week(session, tenant_id), settings, list(holidays))


@strawberry.type
class ServiceMutation:
    @strawberry.mutation(description="Record a ticket received from a customer (ticket create permission).")
    @mutation_payload(TicketPayload)
    async def open_ticket(self, info: Info, input: Input[OpenTicketInput]) -> TicketPayload:
        session, actor = await info.context.session(), info.context.actor
        ticket = await tickets.open_ticket(session, actor, given_values(input), clock.now())
        return TicketPayload(ticket=Ticket.from_model(ticket))

    @strawberry.mutation(description="Change the given fields of a ticket (not a closed or merged one).")
    @mutation_payload(TicketPayload)
    async def update_ticket(
        self, info: Info, id: TicketId, version: Version, input: Input[UpdateTicketInput]
    ) -> TicketPayload:
        session, actor = await info.context.session(), info.context.actor
        ticket = await tickets.update_ticket(
            session, actor, decode_id(id, "Ticket"), version, given_values(input), clock.now()
        )
        return TicketPayload(ticket=Ticket.from_model(ticket))

    @strawberry.mutation(
        description="Move a ticket along its status flow: NEW -> OPEN | PENDING_CUSTOMER | RESOLVED; OPEN -> "
        "PENDING_CUSTOMER | RESOLVED; PENDING_CUSTOMER -> OPEN | RESOLVED; RESOLVED -> CLOSED."
    )
    @mutation_payload(TicketPayload)
    async def change_ticket_status(
        self,
        info: Info,
        id: TicketId,
        version: Version,
        status: Annotated[TicketStatus, strawberry.argument(description="The new status.")],
    ) -> TicketPayload:
        session, actor = await info.context.session(), info.context.actor
        ticket, survey_token = await tickets.change_status(
            session, actor, decode_id(id, "Ticket"), version, status.value, clock.now()
        )
        return TicketPayload(ticket=Ticket.from_model(ticket), survey_token=survey_token)

    @strawberry.mutation(
        description="Reopen a resolved or closed ticket within the reopen window (EXPIRED after it)."
    )
    @mutation_payload(TicketPayload)
    async def reopen_ticket(self, info: Info, id: TicketId, version: Version) -> TicketPayload:
        session, actor = await info.context.session(), info.context.actor
        ticket = await tickets.reopen_ticket(session, actor, decode_id(id, "Ticket"), version, clock.now())
        return TicketPayload(ticket=Ticket.from_model(ticket))

    @strawberry.mutation(description="Add an internal note or a customer-visible reply to a ticket.")
    @mutation_payload(TicketMessagePayload)
    async def add_ticket_message(
        self, info: Info, input: Input[AddTicketMessageInput]
    ) -> TicketMessagePayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        visibility: MessageVisibility = input.visibility
        ticket, message = await tickets.add_message(
            session, actor, values["ticket_id"], visibility.value, input.body, clock.now()
        )
        return TicketMessagePayload(
            message=TicketMessage.from_model(message), ticket=Ticket.from_model(ticket)
        )

    @strawberry.mutation(description="Merge a duplicate ticket into another; the duplicate becomes MERGED.")
    @mutation_payload(TicketPayload)
    async def merge_ticket(
        self,
        info: Info,
        id: TicketId,
        version: Version,
        into_id: Annotated[
            strawberry.relay.GlobalID, strawberry.argument(description="The Ticket that stays.")
        ],
    ) -> TicketPayload:
        session, actor = await info.context.session(), info.context.actor
        ticket = await tickets.merge_ticket(
            session,
            actor,
            decode_id(id, "Ticket"),
            version,
            decode_id(into_id, "Ticket", "intoId"),
            clock.now(),
        )
        return TicketPayload(ticket=Ticket.from_model(ticket))

    @strawberry.mutation(description="Create an SLA policy (sla_policy create permission).")
    @mutation_payload(SlaPolicyPayload)
    async def create_sla_policy(self, info: Info, input: Input[CreateSlaPolicyInput]) -> SlaPolicyPayload:
        session, actor = await info.context.session(), info.context.actor
        policy = await sla.create_policy(session, actor, given_values(input))
        return SlaPolicyPayload(sla_policy=SlaPolicy.from_model(policy))

    @strawberry.mutation(
        description="Change an SLA policy; tickets opened or re-prioritised afterwards use it."
    )
    @mutation_payload(SlaPolicyPayload)
    async def update_sla_policy(
        self, info: Info, id: SlaPolicyId, version: Version, input: Input[UpdateSlaPolicyInput]
    ) -> SlaPolicyPayload:
        session, actor = await info.context.session(), info.context.actor
        policy = await sla.update_policy(
            session, actor, decode_id(id, "SlaPolicy"), version, given_values(input)
        )
        return SlaPolicyPayload(sla_policy=SlaPolicy.from_model(policy))

    @strawberry.mutation(
        description="Set the service week, UTC offset, reopen window and closing survey (capability "
        "manage_settings)."
    )
    @mutation_payload(ServiceSettingsPayload)
    async def update_service_settings(
        self, info: Info, input: Input[UpdateServiceSettingsInput]
    ) -> ServiceSettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        week = input.week
        values = {
            "week": [(d.weekday, d.start_minute, d.end_minute) for d in week] if week is not None else None,
            "utc_offset_minutes": input.utc_offset_minutes,
            "reopen_window_days": input.reopen_window_days,
            "survey_kind": input.survey_kind.value if input.survey_kind else None,
            "survey_valid_days": input.survey_valid_days,
        }
        await sla.update_service_settings(session, actor, values)
        return ServiceSettingsPayload(settings=await current_settings(info))

    @strawberry.mutation(
        description="Add, rename or (name null) remove a holiday (capability manage_settings)."
    )
    @mutation_payload(ServiceSettingsPayload)
    async def set_service_holiday(
        self, info: Info, input: Input[SetServiceHolidayInput]
    ) -> ServiceSettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        await sla.set_holiday(session, actor, input.day, input.name)
        return ServiceSettingsPayload(settings=await current_settings(info))
