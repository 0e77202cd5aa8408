"""Sales targets and PDCA plans (issue 15).

- A target belongs to a rep (`user`), a team or the whole tenant, for a month, quarter or year
  (`startsOn` is the period's first day), and measures one of: **amount won** (orders confirmed in the
  period, each worth its total less returns), **amount collected** (payments less refunds received in
  the period on orders and contracts), **new customers** (accounts whose first confirmed order falls in
  the period). A rep's figures are their own records, a team's its members', the tenant's everyone's.
- Amounts are in the tenant's base currency: each order and payment is converted at the rate in effect
  on its confirmation or receipt day; when a rate is missing the achievement is null and the missing
  rates are named (never a partial figure). Only orders confirmed count: drafts and cancelled ones not.
- Who sees targets: the role's record scope on `sales_target` over the target's rep; team targets are
  seen by team scope in that team; tenant targets by `all` scope. Creating or changing a target needs
  the matching create/update right and the target inside the actor's scope.
- Plan items (the P of PDCA with owner and due date; `checkNote` the C, `followUp` the A) follow their
  target: changing them needs update on a target you see.
- A customer's contribution (customer 360): for each target you see that the customer's records count
  towards, the same `achievement` over only that customer's records among those you may see (orders and
  contracts by their record scope), and its share of the whole achievement.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, case, cast, exists, false, func, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.rules import check_version, flush_versioned
from graph.identity.members import active_member
from graph.money.service import (
    MissingRate,
    base_currency,
    missing_rates,
    parsed_needs,
    quantize,
    rate_need_sql,
    rate_to_base_sql,
)
from graph.sales.commerce import rules
from graph.sales.commerce.contracts import contract_scope
from graph.sales.commerce.models import (
    CONTRACT,
    SALES_ORDER,
    SALES_TARGET,
    Contract,
    Payment,
    SalesOrder,
    SalesOrderPayment,
    SalesPlanItem,
    SalesTarget,
)
from graph.sales.commerce.orders import order_scope
from graph.sales.commerce.payments import money
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.ids import new_id
from tenants.models import Membership, Team
from tenants.permissions import Action, Actor, Scope, record_scope_clause
from tenants.validation import optional_text, required_text

LEVELS = ("user", "team", "tenant")
PERIODS = ("month", "quarter", "year")
METRICS = ("amount_won", "amount_collected", "new_customers")
WON = ("confirmed", "partially_delivered", "delivered", "closed")
TARGET_FIELDS = ("goal",)
PLAN_FIELDS = ("title", "owner_id", "due_date", "status", "check_note", "follow_up")


def period_bounds(period: str, starts_on: date, field: str) -> date:
    """The period's last day; `starts_on` must be the first day of a month, quarter or year."""
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    first_months = {"month": range(1, 13), "quarter": (1, 4, 7, 10), "year": (1,)}[period]
    if starts_on.day != 1 or starts_on.month not in first_months:
        raise DomainError(ErrorCode.INVALID, f"A {period} starts on the first day of a {period}.", field)
    month = starts_on.month - 1 + months
    following = date(starts_on.year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def target_scope(actor: Actor) -> ColumnElement[bool]:
    scope = actor.permissions.scope(SALES_TARGET)
    tenant = SalesTarget.tenant_id == actor.tenant_id
    if scope is Scope.ALL:
        return tenant
    team = (
        SalesTarget.team_id == actor.team_id
        if scope in (Scope.TEAM, Scope.TEAM_TREE) and actor.team_id is not None
        else false()
    )
    return tenant & (record_scope_clause(actor, SALES_TARGET, SalesTarget.user_id) | team)


def visible_targets(actor: Actor) -> Select[tuple[SalesTarget]]:
    actor.require(SALES_TARGET, Action.READ)
    return select(SalesTarget).where(target_scope(actor))


async def get_target(
    session: AsyncSession, actor: Actor, target_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> SalesTarget:
    statement = select(SalesTarget).where(target_scope(actor), SalesTarget.id == target_id)
    target = await session.scalar(statement.with_for_update() if lock else statement)
    if target is None:
        raise not_found("sales target", field)
    return target


async def member_team(session: AsyncSession, tenant_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(
        select(Membership.team_id).where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
    )


async def require_within_scope(
    session: AsyncSession, actor: Actor, level: str, holder: uuid.UUID | None
) -> None:
    """A new target lies inside what the actor's scope reaches (else PERMISSION_DENIED)."""
    scope = actor.permissions.scope(SALES_TARGET)
    if scope is Scope.ALL:
        return
    teamwide = scope in (Scope.TEAM, Scope.TEAM_TREE) and actor.team_id is not None
    if level == "user" and holder == actor.user_id:
        return
    if level == "user" and teamwide and await member_team(session, actor.tenant_id, holder) == actor.team_id:  # type: ignore[arg-type]
        return
    if level == "team" and teamwide and holder == actor.team_id:
        return
    raise DomainError(ErrorCode.PERMISSION_DENIED, "This target is outside what your role's scope reaches.")


def goal_value(value: Decimal | None, metric: str, currency: str | None) -> Decimal:
    if metric == "new_customers":
        if value is None:
            raise DomainError(ErrorCode.REQUIRED, "Give the goal.", "goal")
        if value <= 0 or value != value.to_integral_value() or value > rules.MAX_QUANTITY:
            raise DomainError(
                ErrorCode.INVALID, "A number of customers is a whole number above zero.", "goal"
            )
        return value
    return money(value, currency or "", "goal")


async def create_target(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> SalesTarget:
    actor.require(SALES_TARGET, Action.CREATE)
    level, period, metric = values.get("level"), values.get("period"), values.get("metric")
    for name, value, allowed in (
        ("level", level, LEVELS),
        ("period", period, PERIODS),
        ("metric", metric, METRICS),
    ):
        if value not in allowed:
            raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(allowed)}.", name)
    starts_on = values.get("starts_on")
    if starts_on is None:
        raise DomainError(ErrorCode.REQUIRED, "Give the period's first day.", "startsOn")
    ends_on = period_bounds(period, starts_on, "startsOn")  # type: ignore[arg-type]
    user_id = team_id = None
    if level == "user":
        if values.get("user_id") is None:
            raise DomainError(ErrorCode.REQUIRED, "Whose target is it?", "userId")
        user_id = await active_member(session, actor, values["user_id"], "userId")
    elif level == "team":
        team = (
            await session.get(Team, (actor.tenant_id, values.get("team_id")))
            if values.get("team_id")
            else None
        )
        if team is None:
            raise not_found("team", "teamId")
        team_id = team.id
    await require_within_scope(session, actor, level, user_id or team_id)  # type: ignore[arg-type]
    currency = None if metric == "new_customers" else await base_currency(session, actor.tenant_id)
    goal = goal_value(values.get("goal"), metric, currency)  # type: ignore[arg-type]
    holder = user_id or team_id or actor.tenant_id
    existing = await session.scalar(
        select(SalesTarget.id).where(
            SalesTarget.level == level,
            func.coalesce(SalesTarget.user_id, SalesTarget.team_id, SalesTarget.tenant_id) == holder,
            SalesTarget.period == period,
            SalesTarget.starts_on == starts_on,
            SalesTarget.metric == metric,
        )
    )
    if existing is not None:
        raise DomainError(
            ErrorCode.DUPLICATE, "This holder already has this target for this period.", "startsOn"
        )
    target = SalesTarget(
        tenant_id=actor.tenant_id,
        id=new_id(),
        level=level,
        user_id=user_id,
        team_id=team_id,
        period=period,
        starts_on=starts_on,
        ends_on=ends_on,
        metric=metric,
        goal=goal,
        currency=currency,
        created_by_id=actor.user_id,
    )
    session.add(target)
    await session.flush()
    changes = {"level": [None, level], "metric": [None, metric], "starts_on": [None, starts_on.isoformat()]}
    await audit.record(
        session, actor, "sales_target.create", SALES_TARGET, target.id, {**changes, "goal": [None, str(goal)]}
    )
    return target


async def update_target(
    session: AsyncSession, actor: Actor, target_id: uuid.UUID, version: int, goal: Decimal | None
) -> SalesTarget:
    actor.require(SALES_TARGET, Action.UPDATE)
    target = await get_target(session, actor, target_id)
    check_version(target, version, "sales target")
    before = rules.snapshot(target, TARGET_FIELDS)
    target.goal = goal_value(goal, target.metric, target.currency)
    target.updated_at = datetime.now(UTC)
    await flush_versioned(session, "sales target")
    changes = audit.diff(before, rules.snapshot(target, TARGET_FIELDS))
    await audit.record(session, actor, "sales_target.update", SALES_TARGET, target.id, changes)
    return target


# --- achievement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Achievement:
    achieved: Decimal | None  # None: a rate is missing
    missing: list[MissingRate]
    counted: int = 0  # records counted: orders, payments and refunds, or new customers

    def percent(self, goal: Decimal) -> Decimal | None:
        if self.achieved is None:
            return None
        return (self.achieved * 100 / goal).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def share_of(self, whole: Achievement) -> Decimal | None:
        """This part as a percentage of `whole` (two decimals); None when either is unknown or whole is 0."""
        if whole.achieved is None or not whole.achieved:
            return None
        return self.percent(whole.achieved)


@dataclass(frozen=True)
class Records:
    """Conditions narrowing which orders and contracts an achievement counts, beyond the target's own
    (holder and period): none for the target's figure, one customer's visible records for its part."""

    orders: tuple[ColumnElement[bool], ...] = ()
    contracts: tuple[ColumnElement[bool], ...] = ()


EVERY_RECORD = Records()


def owned_by(target: SalesTarget, owner: Any) -> ColumnElement[bool]:
    """Records whose owner is the target's rep, a member of its team, or anyone for the tenant."""
    if target.level == "user":
        return owner == target.user_id
    if target.level == "team":
        members = select(Membership.user_id).where(
            Membership.tenant_id == target.tenant_id, Membership.team_id == target.team_id
        )
        return owner.in_(members)
    return true()


def in_period(target: SalesTarget, moment: Any) -> ColumnElement[bool]:
    start = datetime.combine(target.starts_on, time.min, UTC)
    end = datetime.combine(target.ends_on + timedelta(days=1), time.min, UTC)
    return (moment >= start) & (moment < end)


async def converted_sum(session: AsyncSession, base: str, statement: Any) -> Achievement:
    """`statement` selects (amount, currency, day) rows; their sum in the base currency, exact."""
    rows = statement.subquery()
    rate = rate_to_base_sql(rows.c.currency, rows.c.day)
    total, needs, counted = (
        await session.execute(
            select(
                func.coalesce(func.sum(rows.c.amount * rate), 0),
                func.array_agg(func.distinct(rate_need_sql(rows.c.currency, rows.c.day))).filter(
                    rate.is_(None)
                ),
                func.count(),
            )
        )
    ).one()
    missing = missing_rates(base, parsed_needs(needs or []))
    return Achievement(None if missing else quantize(Decimal(total), base), missing, counted)


async def achievement(
    session: AsyncSession, target: SalesTarget, records: Records = EVERY_RECORD
) -> Achievement:
    """The target's figure now, computed from the orders and payments themselves (only `records`)."""
    if target.metric == "new_customers":
        rank = func.row_number().over(
            partition_by=SalesOrder.account_id, order_by=(SalesOrder.confirmed_at, SalesOrder.id)
        )
        firsts = (
            select(SalesOrder.id, SalesOrder.owner_id, SalesOrder.confirmed_at, rank.label("rank"))
            .where(SalesOrder.tenant_id == target.tenant_id, SalesOrder.status.in_(WON))
            .subquery()
        )
        # The rank runs over every order (a customer is new once, whoever sees its first order); only
        # then are the first orders narrowed to `records`.
        narrowed = [firsts.c.id.in_(select(SalesOrder.id).where(*records.orders))] if records.orders else []
        count = await session.scalar(
            select(func.count()).where(
                firsts.c.rank == 1,
                owned_by(target, firsts.c.owner_id),
                in_period(target, firsts.c.confirmed_at),
                *narrowed,
            )
        )
        return Achievement(Decimal(count or 0), [], count or 0)
    base = target.currency or await base_currency(session, target.tenant_id)
    if target.metric == "amount_won":
        won = select(
            (SalesOrder.total - SalesOrder.returned_amount).label("amount"),
            SalesOrder.currency.label("currency"),
            cast(SalesOrder.confirmed_at, Date).label("day"),
        ).where(
            SalesOrder.tenant_id == target.tenant_id,
            SalesOrder.status.in_(WON),
            owned_by(target, SalesOrder.owner_id),
            in_period(target, SalesOrder.confirmed_at),
            *records.orders,
        )
        return await converted_sum(session, base, won)
    start, end = target.starts_on, target.ends_on
    on_orders = (
        select(
            SalesOrderPayment.amount.label("amount"),
            SalesOrder.currency.label("currency"),
            SalesOrderPayment.received_on.label("day"),
        )
        .join(
            SalesOrder,
            (SalesOrder.tenant_id == SalesOrderPayment.tenant_id)
            & (SalesOrder.id == SalesOrderPayment.order_id),
        )
        .where(
            SalesOrderPayment.tenant_id == target.tenant_id,
            owned_by(target, SalesOrder.owner_id),
            SalesOrderPayment.received_on.between(start, end),
            *records.orders,
        )
    )
    on_contracts = (
        select(
            Payment.amount.label("amount"),
            Contract.currency.label("currency"),
            Payment.received_on.label("day"),
        )
        .join(Contract, (Contract.tenant_id == Payment.tenant_id) & (Contract.id == Payment.contract_id))
        .where(
            Payment.tenant_id == target.tenant_id,
            owned_by(target, Contract.owner_id),
            Payment.received_on.between(start, end),
            *records.contracts,
        )
    )
    return await converted_sum(session, base, on_orders.union_all(on_contracts))


# --- a customer's contribution (customer 360) --------------------------------------------------


def customer_records(actor: Actor, account_id: uuid.UUID) -> Records:
    """The customer's orders and contracts among those the actor may see (none without read on them)."""
    orders = (
        order_scope(actor) & (SalesOrder.account_id == account_id)
        if actor.permissions.can(SALES_ORDER, Action.READ)
        else false()
    )
    contracts = (
        contract_scope(actor) & (Contract.account_id == account_id)
        if actor.permissions.can(CONTRACT, Action.READ)
        else false()
    )
    return Records((orders,), (contracts,))


def record_days(records: Records) -> Any:
    """(owner_id, day) of every record `records` lets an achievement count: confirmed orders, and
    payments on orders and contracts. Only to find the targets worth computing; `achievement` decides."""
    confirmed = select(
        SalesOrder.owner_id.label("owner_id"),
        cast(func.timezone("UTC", SalesOrder.confirmed_at), Date).label("day"),
    ).where(SalesOrder.status.in_(WON), *records.orders)
    on_orders = (
        select(SalesOrder.owner_id, SalesOrderPayment.received_on)
        .join(
            SalesOrderPayment,
            (SalesOrderPayment.tenant_id == SalesOrder.tenant_id)
            & (SalesOrderPayment.order_id == SalesOrder.id),
        )
        .where(*records.orders)
    )
    on_contracts = (
        select(Contract.owner_id, Payment.received_on)
        .join(Payment, (Payment.tenant_id == Contract.tenant_id) & (Payment.contract_id == Contract.id))
        .where(*records.contracts)
    )
    return confirmed.union_all(on_orders, on_contracts).subquery()


LEVEL_ORDER = case({"user": 0, "team": 1}, value=SalesTarget.level, else_=2)


async def customer_contributions(
    session: AsyncSession, actor: Actor, account_id: uuid.UUID, on: date | None = None
) -> list[tuple[SalesTarget, Achievement]]:
    """Each target the actor sees that this customer's visible records count towards (of the period
    containing `on`, if given), with the customer's part of its achievement; by period, rep before
    team before tenant, holder, metric. None without read on targets (as the 360's other parts)."""
    if not actor.permissions.can(SALES_TARGET, Action.READ):
        return []
    records = customer_records(actor, account_id)
    days = record_days(records)
    owner_team = (
        select(Membership.team_id)
        .where(Membership.tenant_id == actor.tenant_id, Membership.user_id == days.c.owner_id)
        .scalar_subquery()
    )
    touched = exists(
        select(literal(1)).where(
            days.c.day.between(SalesTarget.starts_on, SalesTarget.ends_on),
            (SalesTarget.level == "tenant")
            | (SalesTarget.user_id == days.c.owner_id)
            | (SalesTarget.team_id == owner_team),
        )
    )
    statement = visible_targets(actor).where(touched)
    if on is not None:
        statement = statement.where(SalesTarget.starts_on <= on, SalesTarget.ends_on >= on)
    found = []
    ordered = statement.order_by(
        SalesTarget.starts_on,
        SalesTarget.ends_on,
        LEVEL_ORDER,
        SalesTarget.user_id,
        SalesTarget.team_id,
        SalesTarget.metric,
        SalesTarget.id,
    )
    for target in await session.scalars(ordered):
        part = await achievement(session, target, records)
        if part.counted:
            found.append((target, part))
    return found


# --- PDCA plan items -------------------------------------------------------------------------


async def clean_plan(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "title" in values:
        cleaned["title"] = required_text(values["title"] or "", "title", 300)
    if "owner_id" in values:
        if values["owner_id"] is None:
            raise DomainError(ErrorCode.REQUIRED, "Every plan item has an owner.", "ownerId")
        cleaned["owner_id"] = await active_member(session, actor, values["owner_id"], "ownerId")
    if "due_date" in values:
        if values["due_date"] is None:
            raise DomainError(ErrorCode.REQUIRED, "Every plan item has a due date.", "dueDate")
        cleaned["due_date"] = values["due_date"]
    for key, field in (("check_note", "checkNote"), ("follow_up", "followUp")):
        if key in values:
            cleaned[key] = optional_text(values[key], field, 10_000)
    if "status" in values:
        if values["status"] not in ("open", "done"):
            raise DomainError(ErrorCode.INVALID, "Use one of: open, done.", "status")
        cleaned["status"] = values["status"]
        cleaned["completed_at"] = datetime.now(UTC) if values["status"] == "done" else None
    return cleaned


async def add_plan_item(
    session: AsyncSession, actor: Actor, target_id: uuid.UUID, values: Mapping[str, Any]
) -> SalesPlanItem:
    actor.require(SALES_TARGET, Action.UPDATE)
    target = await get_target(session, actor, target_id, "targetId")
    cleaned = await clean_plan(
        session, actor, {"title": None, "owner_id": actor.user_id, "due_date": None, **values}
    )
    item = SalesPlanItem(tenant_id=actor.tenant_id, id=new_id(), target_id=target.id, **cleaned)
    session.add(item)
    await session.flush()
    changes = audit.diff({}, rules.snapshot(item, PLAN_FIELDS))
    await audit.record(
        session,
        actor,
        "sales_target.plan_item",
        SALES_TARGET,
        target.id,
        {"item_id": [None, str(item.id)], **changes},
    )
    return item


async def update_plan_item(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> SalesPlanItem:
    actor.require(SALES_TARGET, Action.UPDATE)
    item = await session.get(SalesPlanItem, (actor.tenant_id, item_id))
    if item is None:
        raise not_found("plan item")
    try:
        target = await get_target(session, actor, item.target_id)
    except DomainError:
        raise not_found("plan item") from None
    check_version(item, version, "plan item")
    cleaned = await clean_plan(session, actor, values)
    before = rules.snapshot(item, PLAN_FIELDS)
    for key, value in cleaned.items():
        setattr(item, key, value)
    item.updated_at = datetime.now(UTC)
    await flush_versioned(session, "plan item")
    changes = audit.diff(before, rules.snapshot(item, PLAN_FIELDS))
    await audit.record(
        session,
        actor,
        "sales_target.plan_item",
        SALES_TARGET,
        target.id,
        {"item_id": [str(item.id), str(item.id)], **changes},
    )
    return item
