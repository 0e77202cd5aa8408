"""Sales targets and PDCA plan items (issue 15): types, inputs and thin resolvers over `targets.py`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import UNSET, relay
from strawberry.dataloader import DataLoader

from graph.core import inputs as core_inputs
from graph.core.context import Info, RequestContext
from graph.core.errors import UserError, mutation_payload
from graph.core.filters import After, Before, First, Last
from graph.core.ids import child_nodes, decode_id, encode_id
from graph.core.loaders import by_id, children
from graph.core.nodes import load_by_id, resolve_by_ids
from graph.core.pagination import Connection, paginate
from graph.identity.types import User
from graph.money.service import missing_rates
from graph.money.types import MissingRate, missing_rate_list
from graph.sales.commerce import models as m
from graph.sales.commerce import targets
from graph.sales.commerce.catalog_types import amount, plain
from graph.sales.commerce.inputs import ID_FIELDS
from graph.sales.commerce.types import user_of

T = TypeVar("T")
Id = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the record.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[int, strawberry.argument(description="The `version` you last read; stale: CONFLICT.")]
Errors = strawberry.field(default_factory=list, description="What went wrong, if anything.")

TARGET_ID_FIELDS = {**ID_FIELDS, "user_id": ("User", "userId"), "team_id": ("Team", "teamId")}


def target_values(data: Any) -> dict[str, Any]:
    return core_inputs.given_values(data, TARGET_ID_FIELDS)


targets_by_id = by_id(m.SalesTarget, m.SALES_TARGET, targets.target_scope)
plan_items_by_target_id = children(
    m.SalesPlanItem, m.SalesPlanItem.target_id, m.SALES_TARGET, m.SalesPlanItem.due_date, m.SalesPlanItem.id
)


def figure(value: Decimal | None, currency: str | None) -> Decimal | None:
    """An achievement as shown: an amount with the currency's digits, a count as is, unknown as null."""
    if value is None:
        return None
    return amount(value, currency) if currency else plain(value)


def achievements_by_target_id(context: RequestContext) -> DataLoader[uuid.UUID, targets.Achievement]:
    """Each target's achievement, computed once per request (the target is already visible)."""

    async def load(ids: Sequence[uuid.UUID]) -> list[targets.Achievement]:
        session = await context.session()
        loader = context.loader("targets_by_id", targets_by_id)
        return [await targets.achievement(session, await loader.load(target_id)) for target_id in ids]

    return DataLoader(load_fn=load)


@strawberry.enum(description="Whose target it is.")
class TargetLevel(Enum):
    USER = "user"
    TEAM = "team"
    TENANT = "tenant"


@strawberry.enum(description="How long a target runs.")
class TargetPeriod(Enum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@strawberry.enum(description="What a target measures.")
class TargetMetric(Enum):
    AMOUNT_WON = "amount_won"
    AMOUNT_COLLECTED = "amount_collected"
    NEW_CUSTOMERS = "new_customers"


@strawberry.enum(description="Where a plan item stands.")
class PlanItemStatus(Enum):
    OPEN = "open"
    DONE = "done"


@strawberry.type(description="A PDCA plan item of a target: plan, check note and follow-up action.")
class SalesPlanItem(relay.Node):
    id: relay.NodeID[str]
    title: str = strawberry.field(description="What is planned (Plan).")
    due_date: date = strawberry.field(description="When it is due.")
    status: PlanItemStatus = strawberry.field(description="OPEN or DONE (Do).")
    check_note: str | None = strawberry.field(description="What the check found (Check).")
    follow_up: str | None = strawberry.field(description="The follow-up action (Act).")
    completed_at: datetime | None = strawberry.field(description="When it was marked done.")
    version: int = strawberry.field(description="Pass to updateSalesPlanItem.")
    owner_id: strawberry.Private[uuid.UUID]

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        """A plan item of a target you may see."""
        parents = ("targets_by_id", targets_by_id)
        return await child_nodes(
            info, node_ids, m.SalesPlanItem, "target_id", parents, lambda row, _t: cls.from_model(row)
        )

    @classmethod
    def from_model(cls, item: m.SalesPlanItem) -> SalesPlanItem:
        return cls(
            id=str(item.id),
            title=item.title,
            due_date=item.due_date,
            status=PlanItemStatus(item.status),
            check_note=item.check_note,
            follow_up=item.follow_up,
            completed_at=item.completed_at,
            version=item.version,
            owner_id=item.owner_id,
        )

    @strawberry.field(description="Who carries it out.")
    async def owner(self, info: Info) -> User | None:
        return await user_of(info, self.owner_id)


@strawberry.type(description="A sales target with its achievement computed from the real records.")
class SalesTarget(relay.Node):
    id: relay.NodeID[str]
    level: TargetLevel = strawberry.field(description="USER, TEAM or TENANT.")
    team_id: strawberry.ID | None = strawberry.field(description="Global id of the Team, for a team target.")
    period: TargetPeriod = strawberry.field(description="MONTH, QUARTER or YEAR.")
    starts_on: date = strawberry.field(description="First day of the period.")
    ends_on: date = strawberry.field(description="Last day of the period.")
    metric: TargetMetric = strawberry.field(description="What it measures.")
    goal: Decimal = strawberry.field(description="The goal: an amount, or a number of customers.")
    currency: str | None = strawberry.field(
        description="The tenant's base currency for amounts; null for counts."
    )
    version: int = strawberry.field(description="Pass to updateSalesTarget.")
    created_at: datetime = strawberry.field(description="When it was set (UTC).")
    user_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SalesTarget | None]:
        return await resolve_by_ids(info, "targets_by_id", targets_by_id, node_ids, cls.from_model)

    @classmethod
    def from_model(cls, target: m.SalesTarget) -> SalesTarget:
        goal = amount(target.goal, target.currency) if target.currency else plain(target.goal)
        return cls(
            id=str(target.id),
            level=TargetLevel(target.level),
            team_id=strawberry.ID(str(encode_id("Team", target.team_id))) if target.team_id else None,
            period=TargetPeriod(target.period),
            starts_on=target.starts_on,
            ends_on=target.ends_on,
            metric=TargetMetric(target.metric),
            goal=goal,
            currency=target.currency,
            version=target.version,
            created_at=target.created_at,
            user_id=target.user_id,
        )

    async def _achievement(self, info: Info) -> targets.Achievement:
        loader = info.context.loader("achievements_by_target_id", achievements_by_target_id)
        return await loader.load(uuid.UUID(self.id))

    @strawberry.field(description="The rep, for a rep's target.")
    async def user(self, info: Info) -> User | None:
        return await user_of(info, self.user_id)

    @strawberry.field(description="Achieved so far; null when an exchange rate it needs is missing.")
    async def achieved(self, info: Info) -> Decimal | None:
        return figure((await self._achievement(info)).achieved, self.currency)

    @strawberry.field(description="Achieved as a percentage of the goal (two decimals); null with achieved.")
    async def achievement_percent(self, info: Info) -> Decimal | None:
        return (await self._achievement(info)).percent(self.goal)

    @strawberry.field(description="Exchange rates the achievement needs and the tenant has not entered.")
    async def missing_rates(self, info: Info) -> list[MissingRate]:
        return missing_rate_list((await self._achievement(info)).missing)

    @strawberry.field(description="The PDCA plan items, by due date.")
    async def plan_items(self, info: Info) -> list[SalesPlanItem]:
        loader = info.context.loader("plan_items_by_target_id", plan_items_by_target_id)
        return [SalesPlanItem.from_model(row) for row in await loader.load(uuid.UUID(self.id))]


@strawberry.type(
    description="What one customer's records add to a target's achievement (customer 360): the same"
    " computation as the target's, over only this customer's records among those you may see."
)
class TargetContribution:
    target: SalesTarget = strawberry.field(description="The target (one you may see).")
    contributed: Decimal | None = strawberry.field(
        description="The customer's part of `target.achieved`: an amount in the target's currency (orders"
        " won less returns, or payments less refunds), or 1 new customer; null when an exchange rate it"
        " needs is missing (see `missingRates`)."
    )
    records: int = strawberry.field(
        description="Records counted: orders (amount won, new customers) or payments and refunds"
        " (amount collected)."
    )
    share_percent: Decimal | None = strawberry.field(
        description="Contributed as a percentage of the target's achievement (two decimals); null when"
        " either is null or the achievement is zero."
    )
    missing_rates: list[MissingRate] = strawberry.field(
        description="Exchange rates the contribution or the target's achievement needs and the tenant lacks."
    )


async def customer_contributions(
    info: Info, account_id: uuid.UUID, on: date | None
) -> list[TargetContribution]:
    """The customer's contributions; each whole achievement through the request's shared loader."""
    session, actor = await info.context.session(), info.context.actor
    achievements = info.context.loader("achievements_by_target_id", achievements_by_target_id)
    found = []
    for target, part in await targets.customer_contributions(session, actor, account_id, on):
        info.context.loader("targets_by_id", targets_by_id).prime(target.id, target)
        whole: targets.Achievement = await achievements.load(target.id)
        needs = [(rate.currency, rate.needed_from) for rate in (*part.missing, *whole.missing)]
        found.append(
            TargetContribution(
                target=SalesTarget.from_model(target),
                contributed=figure(part.achieved, target.currency),
                records=part.counted,
                share_percent=part.share_of(whole),
                missing_rates=missing_rate_list(missing_rates(target.currency or "", needs)),
            )
        )
    return found


@strawberry.input(description="A new target: for a rep (userId), a team (teamId) or the tenant.")
class CreateSalesTargetInput:
    level: TargetLevel = strawberry.field(description="USER, TEAM or TENANT.")
    period: TargetPeriod = strawberry.field(description="MONTH, QUARTER or YEAR.")
    starts_on: date = strawberry.field(description="The period's first day.")
    metric: TargetMetric = strawberry.field(description="What it measures.")
    goal: Decimal = strawberry.field(description="> 0: base-currency amount, or a whole number of customers.")
    user_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The rep (USER level).")
    team_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="The Team (TEAM level).")


@strawberry.input(description="A new plan item of a target.")
class SalesPlanItemInput:
    title: str = strawberry.field(description="1-300 characters.")
    due_date: date = strawberry.field(description="When it is due.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Default you.")


@strawberry.input(description="Changes to a plan item; fields you leave out stay as they are.")
class UpdateSalesPlanItemInput:
    title: str | None = strawberry.field(default=UNSET, description="1-300 characters.")
    due_date: date | None = strawberry.field(default=UNSET, description="When it is due.")
    owner_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Who carries it out.")
    status: PlanItemStatus | None = strawberry.field(default=UNSET, description="OPEN or DONE.")
    check_note: str | None = strawberry.field(default=UNSET, description="What the check found.")
    follow_up: str | None = strawberry.field(default=UNSET, description="The follow-up action.")


@strawberry.input(description="Target conditions; all given ones must hold.")
class SalesTargetFilter:
    user_id: relay.GlobalID | None = strawberry.field(default=None, description="This rep's targets.")
    level: TargetLevel | None = strawberry.field(default=None, description="At this level.")
    metric: TargetMetric | None = strawberry.field(default=None, description="Measuring this.")
    on: date | None = strawberry.field(default=None, description="Whose period contains this day.")


@strawberry.type(description="Result of a target mutation.")
class SalesTargetPayload:
    target: SalesTarget | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


@strawberry.type(description="Result of a plan item mutation.")
class SalesPlanItemPayload:
    item: SalesPlanItem | None = strawberry.field(default=None, description="After the change.")
    errors: list[UserError] = Errors


def target_conditions(filter: SalesTargetFilter | None) -> list[Any]:
    if filter is None:
        return []
    conditions: list[Any] = []
    if filter.user_id is not None:
        conditions.append(m.SalesTarget.user_id == decode_id(filter.user_id, "User", "filter.userId"))
    if filter.level is not None:
        conditions.append(m.SalesTarget.level == filter.level.value)
    if filter.metric is not None:
        conditions.append(m.SalesTarget.metric == filter.metric.value)
    if filter.on is not None:
        conditions.append((m.SalesTarget.starts_on <= filter.on) & (m.SalesTarget.ends_on >= filter.on))
    return conditions


@strawberry.type
class TargetQuery:
    @strawberry.field(description="Sales targets you may see, by period start.")
    async def sales_targets(
        self,
        info: Info,
        filter: Annotated[SalesTargetFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[SalesTarget]:
        statement = (
            targets.visible_targets(info.context.actor)
            .where(*target_conditions(filter))
            .order_by(m.SalesTarget.starts_on, m.SalesTarget.id)
        )
        session = await info.context.session()
        return await paginate(session, statement, SalesTarget.from_model, first, after, before, last)

    @strawberry.field(description="One sales target; null if missing or not yours to see.")
    async def sales_target(self, info: Info, id: Id) -> SalesTarget | None:
        try:
            target_id = decode_id(id, "SalesTarget")
        except Exception:
            return None
        record = await load_by_id(info, "targets_by_id", targets_by_id, target_id)
        return SalesTarget.from_model(record) if record else None


@strawberry.type
class TargetMutation:
    @strawberry.mutation(description="Set a target for a rep, a team or the tenant for one period.")
    @mutation_payload(SalesTargetPayload)
    async def create_sales_target(
        self, info: Info, input: Input[CreateSalesTargetInput]
    ) -> SalesTargetPayload:
        session, actor = await info.context.session(), info.context.actor
        values = target_values(input)
        return SalesTargetPayload(
            target=SalesTarget.from_model(await targets.create_target(session, actor, values))
        )

    @strawberry.mutation(description="Change a target's goal.")
    @mutation_payload(SalesTargetPayload)
    async def update_sales_target(
        self,
        info: Info,
        id: Id,
        version: Version,
        goal: Annotated[Decimal, strawberry.argument(description="The new goal (> 0).")],
    ) -> SalesTargetPayload:
        session, actor = await info.context.session(), info.context.actor
        target = await targets.update_target(session, actor, decode_id(id, "SalesTarget"), version, goal)
        return SalesTargetPayload(target=SalesTarget.from_model(target))

    @strawberry.mutation(description="Add a PDCA plan item to a target.")
    @mutation_payload(SalesPlanItemPayload)
    async def add_sales_plan_item(
        self, info: Info, target_id: Id, input: Input[SalesPlanItemInput]
    ) -> SalesPlanItemPayload:
        session, actor = await info.context.session(), info.context.actor
        target = decode_id(target_id, "SalesTarget", "targetId")
        item = await targets.add_plan_item(session, actor, target, target_values(input))
        return SalesPlanItemPayload(item=SalesPlanItem.from_model(item))

    @strawberry.mutation(description="Change a plan item: its plan, status, check note or follow-up.")
    @mutation_payload(SalesPlanItemPayload)
    async def update_sales_plan_item(
        self, info: Info, id: Id, version: Version, input: Input[UpdateSalesPlanItemInput]
    ) -> SalesPlanItemPayload:
        session, actor = await info.context.session(), info.context.actor
        item_id = decode_id(id, "SalesPlanItem")
        item = await targets.update_plan_item(session, actor, item_id, version, target_values(input))
        return SalesPlanItemPayload(item=SalesPlanItem.from_model(item))
