"""Opening a ticket in two statements: one reads everything its checks and its SLA clock need, one writes
the ticket, its number and its history entry (issue 16: openTicket took 14 round trips, now at most 6
with BEGIN, the credential, the audit/notify statement and COMMIT; tests/service/test_ticket_reads.py).

- `lookup`: in one SELECT of scalar subqueries, whether the channel and category are live options of
  lists already seeded (a list not seeded yet, or a value that is not an option, goes through
  `tenants.options.require_option` as before: it seeds, or words the error), the matching SLA policy,
  the working week with its holidays, and the tenant's own numbering pattern.
- `insert_ticket`: `WITH counter AS (INSERT .. ON CONFLICT DO UPDATE .. RETURNING last_value),
  opened AS (INSERT INTO ticket_events ..) INSERT INTO tickets .. RETURNING *`, the number rendered in
  SQL from the counter's value (`tenants.numbering.rendered_in_sql`), loaded into the session as the
  ORM's Ticket. The history entry references the ticket it is inserted with: foreign keys are checked
  at the end of the statement, when both rows exist. The counter keeps its guarantees: the bump holds
  the counter row's lock until COMMIT, and a rollback takes the number back.
Links (account, contact, product, contract) and an assignee are checked as before, one read each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.service.calendar import WorkWeek, week_columns, week_of
from graph.service.models import SlaPolicy, Ticket, TicketEvent
from graph.service.sla import policy_statement
from tenants.numbering import counter_bump, own_pattern, pattern_of, rendered_in_sql
from tenants.options import OptionValue, SeededOptionList
from tenants.permissions import Actor

SEQUENCE = "ticket"


@dataclass(frozen=True)
class Lookup:
    """What `lookup` found: option keys known to be live (list key -> value), the policy, the week and
    the numbering pattern."""

    live_options: dict[str, str] = field(default_factory=dict)
    policy: SlaPolicy | None = None
    week: WorkWeek = field(default_factory=WorkWeek)
    pattern: str = ""


def live_option(tenant_id: Any, list_key: str, value: str) -> Any:
    """True when the list is seeded and `value` is one of its live options."""
    seeded = exists().where(SeededOptionList.tenant_id == tenant_id, SeededOptionList.list_key == list_key)
    live = exists().where(
        OptionValue.tenant_id == tenant_id,
        OptionValue.list_key == list_key,
        OptionValue.key == value,
        OptionValue.archived_at.is_(None),
    )
    return seeded & live


async def lookup(
    session: AsyncSession, actor: Actor, options: dict[str, str | None], priority: str, tier: str | None
) -> Lookup:
    """`options`: list key -> the given key (None: not given)."""
    tenant_id = actor.tenant_id
    asked = {list_key: value for list_key, value in options.items() if isinstance(value, str)}
    policy = policy_statement(tenant_id, priority, tier).with_only_columns(
        func.json_build_object(
            "id", SlaPolicy.id,
            "first_response_minutes", SlaPolicy.first_response_minutes,
            "resolution_minutes", SlaPolicy.resolution_minutes,
            "at_risk_percent", SlaPolicy.at_risk_percent,
        )
    )  # fmt: skip
    columns = [
        *(live_option(tenant_id, list_key, value) for list_key, value in asked.items()),
        policy.scalar_subquery(),
        own_pattern(tenant_id, SEQUENCE),
        *week_columns(tenant_id),
    ]
    row = list((await session.execute(select(*columns))).one())
    live = dict(zip(asked, row[: len(asked)], strict=True))
    found_policy, own, week, offset, holidays = row[len(asked) :]
    return Lookup(
        live_options={list_key: asked[list_key] for list_key, ok in live.items() if ok},
        policy=SlaPolicy(tenant_id=tenant_id, **{**found_policy, "id": uuid.UUID(found_policy["id"])})
        if found_policy
        else None,
        week=week_of(week, offset, holidays),
        pattern=pattern_of(own, SEQUENCE),
    )


async def insert_ticket(
    session: AsyncSession, ticket: Ticket, opened: TicketEvent, pattern: str, now: datetime
) -> Ticket:
    """Writes the (transient) ticket with its number and its `opened` history entry in one statement;
    returns the persistent Ticket the session now holds."""
    counter = counter_bump(ticket.tenant_id, SEQUENCE, pattern, now).cte("counter")
    history = insert(TicketEvent).values(**column_values(opened)).cte("opened")
    values = column_values(ticket) | {"version": 1}  # the ORM's version counter starts a new row at 1
    values["number"] = rendered_in_sql(pattern, now, select(counter.c.last_value).scalar_subquery())
    statement = (
        insert(Ticket).values(**values).returning(*Ticket.__table__.columns).add_cte(counter).add_cte(history)
    )
    return (await session.scalars(select(Ticket).from_statement(statement))).one()


def column_values(record: Any) -> dict[str, Any]:
    """The column values a transient record was given (None and the rest: their column defaults)."""
    state = inspect(record)
    return {
        attribute.columns[0].key: state.dict[attribute.key]
        for attribute in state.mapper.column_attrs
        if state.dict.get(attribute.key) is not None
    }
