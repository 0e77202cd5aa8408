"""Survey definitions (free questions) and schedules to a segment: types, queries and mutations (thin
resolvers over graph/service/survey_schedules.py; capability manage_settings)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.errors import UserError, mutation_payload, payload_errors
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, encode_id
from graph.core.pagination import Connection, paginate
from graph.service import clock, survey_schedules
from graph.service import models as sm
from graph.service.inputs import Version
from graph.service.question_types import QUESTIONS_DESCRIPTION, SurveyQuestion, SurveyQuestionInput
from graph.service.survey_api import SurveyKind
from tenants.permissions import Capability


@strawberry.type(description="A survey's questions: the CSAT or NPS score, then free questions.")
class SurveyDefinition(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The survey's name (its mail subject and public title).")
    kind: SurveyKind = strawberry.field(description="The score every answer gives.")
    intro: str | None = strawberry.field(description="Shown above the questions and in the mail.")
    questions: list[SurveyQuestion] = strawberry.field(description=QUESTIONS_DESCRIPTION)
    active: bool = strawberry.field(description="Archived definitions are not scheduled.")
    version: int = strawberry.field(description="Optimistic-concurrency version.")
    created_at: datetime = strawberry.field(description="When it was defined.")

    @classmethod
    def from_model(cls, definition: sm.SurveyDefinition) -> SurveyDefinition:
        return cls(
            id=str(definition.id),
            name=definition.name,
            kind=SurveyKind(definition.kind),
            intro=definition.intro,
            questions=[SurveyQuestion.from_stored(question) for question in definition.questions],
            active=definition.active,
            version=definition.version,
            created_at=definition.created_at,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """The tenant's definitions, for members who manage its settings."""
        return await nodes_of(info, node_ids, survey_schedules.visible_definitions, cls.from_model)


async def nodes_of(info: Info, node_ids: Iterable[str], visible: Any, to_node: Any) -> list[Any]:
    """`resolve_nodes` over a settings statement (`visible(actor)`): None for the malformed, the
    missing, another tenant's, or any id when the caller does not manage settings."""
    actor = info.context.actor
    ids = [uuid_or_none(node_id) for node_id in node_ids]
    if not actor.permissions.has(Capability.MANAGE_SETTINGS):
        return [None for _ in ids]
    statement = visible(actor)
    model = statement.column_descriptions[0]["entity"]
    rows = await (await info.context.session()).scalars(statement.where(model.id.in_([i for i in ids if i])))
    found = {row.id: to_node(row) for row in rows}
    return [found.get(value) if value else None for value in ids]


def uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@strawberry.enum(description="How often a survey schedule sends.")
class SurveyRepeat(Enum):
    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@strawberry.type(description="What one run of a survey schedule sent and skipped.")
class SurveyScheduleRun:
    ran_at: datetime = strawberry.field(description="When it ran (the job's clock).")
    recipients: int = strawberry.field(description="Contacts of the segment its owner could see.")
    queued: int = strawberry.field(description="Surveys created and queued for mail.")
    without_email: int = strawberry.field(description="Contacts skipped: no email address.")
    opted_out: int = strawberry.field(description="Contacts skipped: they opted out of survey email.")


@strawberry.type(description="Sends a survey definition to a segment of contacts, once or on a repeat.")
class SurveySchedule(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="The schedule's name.")
    segment_id: strawberry.ID = strawberry.field(description="The Segment (of contacts) it goes to.")
    repeat: SurveyRepeat = strawberry.field(description="ONCE, DAILY, WEEKLY or MONTHLY.")
    valid_days: int = strawberry.field(description="Days each survey link stays valid.")
    active: bool = strawberry.field(description="False once stopped, done, or its owner lost the segment.")
    next_run_at: datetime | None = strawberry.field(description="When it sends next; null: no more.")
    last_run_at: datetime | None = strawberry.field(description="When it last sent.")
    run_count: int = strawberry.field(description="Runs so far.")
    version: int = strawberry.field(description="Optimistic version; pass it to stopSurveySchedule.")
    model: strawberry.Private[sm.SurveySchedule]

    @classmethod
    def from_model(cls, schedule: sm.SurveySchedule) -> SurveySchedule:
        return cls(
            id=str(schedule.id),
            name=schedule.name,
            segment_id=strawberry.ID(str(encode_id("Segment", schedule.segment_id))),
            repeat=SurveyRepeat(schedule.repeat),
            valid_days=schedule.valid_days,
            active=schedule.active,
            next_run_at=schedule.next_run_at,
            last_run_at=schedule.last_run_at,
            run_count=schedule.run_count,
            version=schedule.version,
            model=schedule,
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """The tenant's schedules, for members who manage its settings."""
        return await nodes_of(info, node_ids, survey_schedules.visible_schedules, cls.from_model)

    @strawberry.field(description="The survey definition it sends.")
    async def definition(self, info: Info) -> SurveyDefinition | None:
        session = await info.context.session()
        found = await session.get(sm.SurveyDefinition, (self.model.tenant_id, self.model.definition_id))
        return SurveyDefinition.from_model(found) if found else None

    @strawberry.field(description="Its latest 50 runs, newest first.")
    async def runs(self, info: Info) -> list[SurveyScheduleRun]:
        session = await info.context.session()
        return [
            SurveyScheduleRun(
                ran_at=run.ran_at,
                recipients=run.recipients,
                queued=run.queued,
                without_email=run.without_email,
                opted_out=run.opted_out,
            )
            for run in await survey_schedules.runs_of(session, self.model.tenant_id, self.model.id)
        ]


@strawberry.input(description="A new survey definition.")
class CreateSurveyDefinitionInput:
    name: str = strawberry.field(description="1-200 characters: the mail subject and the public title.")
    kind: SurveyKind = strawberry.field(description="The score every answer gives (CSAT 1-5 or NPS 0-10).")
    intro: str | None = strawberry.field(default=None, description="At most 2,000 characters.")
    questions: list[SurveyQuestionInput] = strawberry.field(
        default_factory=list, description=QUESTIONS_DESCRIPTION
    )


@strawberry.input(description="A new survey schedule; its owner is the caller, as whom the segment is read.")
class CreateSurveyScheduleInput:
    name: str = strawberry.field(description="1-200 characters.")
    definition_id: relay.GlobalID = strawberry.field(description="The SurveyDefinition to send.")
    segment_id: relay.GlobalID = strawberry.field(description="A Segment of contacts the caller can see.")
    repeat: SurveyRepeat = strawberry.field(description="ONCE, DAILY, WEEKLY or MONTHLY.")
    starts_at: datetime | None = strawberry.field(
        default=None, description="The first run (default: the next job run); repeats follow from it."
    )
    valid_days: int = strawberry.field(default=14, description="Days each link stays valid, 1-365.")


@strawberry.type(description="Result of createSurveyDefinition.")
class SurveyDefinitionPayload:
    definition: SurveyDefinition | None = strawberry.field(default=None, description="The definition.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of createSurveySchedule and stopSurveySchedule.")
class SurveySchedulePayload:
    schedule: SurveySchedule | None = strawberry.field(default=None, description="The schedule.")
    errors: list[UserError] = payload_errors()


@strawberry.type(description="Result of useSurveyDefinitionOnClose.")
class OnCloseSurveyPayload:
    definition: SurveyDefinition | None = strawberry.field(
        default=None, description="The definition closed tickets' surveys now use; null: the bare score."
    )
    errors: list[UserError] = payload_errors()


@strawberry.type
class SurveyScheduleQuery:
    @strawberry.field(description="The tenant's survey definitions by name (manage_settings).")
    async def survey_definitions(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[SurveyDefinition]:
        statement = survey_schedules.visible_definitions(info.context.actor)
        session = await info.context.session()
        return await paginate(session, statement, SurveyDefinition.from_model, first, after, before, last)

    @strawberry.field(description="The tenant's survey schedules, newest first (manage_settings).")
    async def survey_schedules(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[SurveySchedule]:
        statement = survey_schedules.visible_schedules(info.context.actor)
        session = await info.context.session()
        return await paginate(session, statement, SurveySchedule.from_model, first, after, before, last)


@strawberry.type
class SurveyScheduleMutation:
    @strawberry.mutation(
        description="Define a survey: CSAT or NPS score and free questions (manage_settings)."
    )
    @mutation_payload(SurveyDefinitionPayload)
    async def create_survey_definition(
        self,
        info: Info,
        input: Annotated[CreateSurveyDefinitionInput, strawberry.argument(description="The new one.")],
    ) -> SurveyDefinitionPayload:
        definition = await survey_schedules.create_definition(
            await info.context.session(),
            info.context.actor,
            input.name,
            input.kind.value,
            input.intro,
            [question.spec() for question in input.questions],
        )
        return SurveyDefinitionPayload(definition=SurveyDefinition.from_model(definition))

    @strawberry.mutation(
        description="Closed tickets' surveys use this definition's score and questions from now on; "
        "null: the bare score of `surveyKind` (manage_settings)."
    )
    @mutation_payload(OnCloseSurveyPayload)
    async def use_survey_definition_on_close(
        self,
        info: Info,
        definition_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="A SurveyDefinition; null or left out: none."),
        ] = None,
    ) -> OnCloseSurveyPayload:
        session = await info.context.session()
        actor = info.context.actor
        chosen = decode_id(definition_id, "SurveyDefinition", "definitionId") if definition_id else None
        await survey_schedules.use_on_close(session, actor, chosen)
        if chosen is None:
            return OnCloseSurveyPayload()
        definition = await survey_schedules.get_definition(session, actor.tenant_id, chosen, "definitionId")
        return OnCloseSurveyPayload(definition=SurveyDefinition.from_model(definition))

    @strawberry.mutation(
        description="Send a survey definition to a segment of contacts, once or on a repeat, from the job "
        "runner's `service.survey_schedules` (manage_settings)."
    )
    @mutation_payload(SurveySchedulePayload)
    async def create_survey_schedule(
        self,
        info: Info,
        input: Annotated[CreateSurveyScheduleInput, strawberry.argument(description="The new one.")],
    ) -> SurveySchedulePayload:
        values = {
            "name": input.name,
            "definition_id": decode_id(input.definition_id, "SurveyDefinition", "definitionId"),
            "segment_id": decode_id(input.segment_id, "Segment", "segmentId"),
            "repeat": input.repeat.value,
            "starts_at": input.starts_at,
            "valid_days": input.valid_days,
        }
        schedule = await survey_schedules.create_schedule(
            await info.context.session(), info.context.actor, values, clock.now()
        )
        return SurveySchedulePayload(schedule=SurveySchedule.from_model(schedule))

    @strawberry.mutation(description="Stop a survey schedule: no more runs (manage_settings).")
    @mutation_payload(SurveySchedulePayload)
    async def stop_survey_schedule(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The SurveySchedule.")],
        version: Version,
    ) -> SurveySchedulePayload:
        schedule = await survey_schedules.stop_schedule(
            await info.context.session(), info.context.actor, decode_id(id, "SurveySchedule"), version
        )
        return SurveySchedulePayload(schedule=SurveySchedule.from_model(schedule))
