"""Segment rules: saved list filters over accounts, contacts or leads, dynamic or frozen.

A segment stores the filter input of the list it targets (`filter_json`), never SQL. Its members, for a
caller, are what that list query returns for the same caller with that filter: the same record scope,
the same conditions, the same custom-field translation (tenants/fields/query.py), the same hidden-field
refusals, the same default order. A frozen segment keeps the ids its list returned when it was frozen
(for the member who froze it); its members are those ids the caller's list still shows.
Segments are owned records: the owner's scope sees and changes them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from graph.admin.filters import custom_conditions
from graph.admin.lists import CustomSort, used_filters
from graph.core.rules import check_version, flush_versioned, snapshot
from graph.crm.accounts import visible_accounts
from graph.crm.contacts import visible_contacts
from graph.crm.filters import (
    ACCOUNT_FILTER_FIELDS,
    CONTACT_FILTER_FIELDS,
    AccountFilter,
    ContactFilter,
    account_conditions,
    account_ordering,
    contact_conditions,
    contact_ordering,
)
from graph.crm.models import ACCOUNT, CONTACT, Account, Contact
from graph.marketing.filter_json import from_json, to_json
from graph.marketing.models import SEGMENT, Campaign, Segment, SegmentMember
from graph.sales.leads.inputs import LEAD_FILTER_FIELDS, LeadFilter, lead_conditions, lead_ordering
from graph.sales.leads.leads import custom_changes, visible_leads
from graph.sales.leads.models import LEAD, Lead
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.fields import apply_custom_values
from tenants.fields.query import CustomQuery, refuse_hidden_filters, refuse_hidden_search
from tenants.fields.values import check_builtin_writes
from tenants.ids import new_id
from tenants.permissions import Action, Actor, Scope, record_scope_clause
from tenants.validation import required_text

AUDITED_FIELDS = ("name", "target", "filter", "frozen", "frozen_at", "owner_id")


@dataclass(frozen=True)
class Target:
    """One list a segment can be saved over, as its list resolver builds it."""

    name: str  # the segment's target and the key of the filter input (`filter.contacts`)
    object_type: str
    model: Any
    filter_type: type
    visible: Callable[[Actor], Select[Any]]
    conditions: Callable[[Any], list[ColumnElement[bool]]]
    ordering: Callable[[list[Any] | None, CustomSort], list[Any]]
    filter_fields: Mapping[str, list[str]]
    search_reads_custom: bool = False  # the contacts' search also matches searchable custom values


TARGETS = {
    "account": Target(
        "accounts", ACCOUNT, Account, AccountFilter, visible_accounts, account_conditions, account_ordering,
        ACCOUNT_FILTER_FIELDS,
    ),
    "contact": Target(
        "contacts", CONTACT, Contact, ContactFilter, visible_contacts, contact_conditions, contact_ordering,
        CONTACT_FILTER_FIELDS, search_reads_custom=True,
    ),
    "lead": Target(
        "leads", LEAD, Lead, LeadFilter, visible_leads, lead_conditions, lead_ordering, LEAD_FILTER_FIELDS
    ),
}  # fmt: skip


def segment_scope(actor: Actor) -> ColumnElement[bool]:
    return (Segment.tenant_id == actor.tenant_id) & record_scope_clause(actor, SEGMENT, Segment.owner_id)


def visible_segments(actor: Actor) -> Select[tuple[Segment]]:
    actor.require(SEGMENT, Action.READ)
    return select(Segment).where(segment_scope(actor))


async def get_segment(
    session: AsyncSession, actor: Actor, segment_id: uuid.UUID, field: str = "id", *, lock: bool = False
) -> Segment:
    statement = select(Segment).where(segment_scope(actor), Segment.id == segment_id)
    segment = await session.scalar(statement.with_for_update() if lock else statement)
    if segment is None:
        raise not_found("segment", field)
    return segment


def stored_filter(target: Target, given: Any) -> dict[str, Any]:
    """The filter input as JSON; a segment of soft-deleted records is refused (nobody campaigns to them)."""
    if getattr(given, "deleted", False):
        raise DomainError(
            ErrorCode.INVALID, "A segment holds live records only.", f"filter.{target.name}.deleted"
        )
    return to_json(given) if given is not None else {}


def prefixed(error: DomainError, target: Target) -> DomainError:
    """A filter error on the segment's input path (`filter.contacts.ownerId`)."""
    field = error.field or ""
    field = field.removeprefix("filter.")
    return DomainError(error.code, str(error), f"filter.{target.name}.{field}".rstrip("."))


async def dynamic_statement(session: AsyncSession, actor: Actor, segment: Segment) -> Select[Any]:
    """The target list's statement for `actor` with the segment's filter, in the list's default order."""
    target = TARGETS[segment.target]
    given = from_json(target.filter_type, segment.filter)
    refuse_hidden_filters(actor, target.object_type, used_filters(given, dict(target.filter_fields)))
    if target.search_reads_custom and given.search:
        await refuse_hidden_search(session, actor, target.object_type)
    statement = target.visible(actor).where(*target.conditions(given))
    conditions = custom_conditions(given.custom)
    if conditions:
        query = await CustomQuery.load(session, actor, target.object_type, target.model)
        statement = statement.where(*query.conditions(conditions))
    return statement.order_by(*target.ordering(None, None))


def frozen_statement(actor: Actor, segment: Segment) -> Select[Any]:
    """The snapshot's ids that the caller's list (no filter) still shows, in member-id order: a keyset walk
    of the snapshot's primary key (tenant_id, segment_id, member_id) that reads one page, not every member
    (the list's own order would sort the whole snapshot for each page: bench/RESULTS.md, segments)."""
    target = TARGETS[segment.target]
    model = target.model
    statement = (
        target.visible(actor)
        .join(
            SegmentMember,
            (SegmentMember.tenant_id == model.tenant_id) & (SegmentMember.member_id == model.id),
        )
        .where(
            SegmentMember.tenant_id == segment.tenant_id,
            SegmentMember.segment_id == segment.id,
            *target.conditions(None),
        )
    )
    return statement.order_by(SegmentMember.member_id)


def gone_since_frozen(segment: Segment) -> Select[Any]:
    """Snapshot members that the list no longer shows to anyone: soft-deleted since the freeze (records
    are never hard-deleted, and leads are not deleted at all). The snapshot held live records only, so
    each of them has `deleted_at` at or after `frozen_at`."""
    model = TARGETS[segment.target].model
    deleted = getattr(model, "deleted_at", None)
    if deleted is None:
        return select(literal(0))
    snapshot_ids = select(SegmentMember.member_id).where(
        SegmentMember.tenant_id == segment.tenant_id, SegmentMember.segment_id == segment.id
    )
    return select(func.count()).where(
        model.tenant_id == segment.tenant_id, deleted >= segment.frozen_at, model.id.in_(snapshot_ids)
    )


async def members_statement(
    session: AsyncSession, actor: Actor, segment: Segment, *, dynamic: bool = False
) -> Select[Any]:
    """The segment's members as the caller may see them (ordered); filter errors on the segment's path.
    `dynamic`: what the filter returns now, even for a frozen segment (a new snapshot)."""
    target = TARGETS[segment.target]
    try:
        if segment.frozen and not dynamic:
            return frozen_statement(actor, segment)
        return await dynamic_statement(session, actor, segment)
    except DomainError as error:
        if error.field in (None, "filter"):
            raise
        raise prefixed(error, target) from None


async def member_count(session: AsyncSession, actor: Actor, segment: Segment) -> int:
    """A frozen segment's count for a caller who sees every record of its target is the snapshot's size
    less the members deleted since (no count over the snapshot); anyone else's is counted."""
    target = TARGETS[segment.target]
    if segment.frozen and segment.member_count is not None:
        actor.require(target.object_type, Action.READ)
        if actor.permissions.scope(target.object_type) is Scope.ALL:
            return segment.member_count - int(await session.scalar(gone_since_frozen(segment)) or 0)
    statement = await members_statement(session, actor, segment)
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


async def member_ids(
    session: AsyncSession, actor: Actor, segment: Segment, *, dynamic: bool = False
) -> Select[Any]:
    """The members' ids only (for snapshots and invitations)."""
    model = TARGETS[segment.target].model
    statement = await members_statement(session, actor, segment, dynamic=dynamic)
    return statement.with_only_columns(model.id).order_by(None)


async def take_snapshot(session: AsyncSession, actor: Actor, segment: Segment) -> None:
    """Replace the frozen ids by what the dynamic filter returns for `actor` now (one INSERT ... SELECT);
    the segment row must exist (the ids reference it). `frozen_at` is taken first: a member deleted later
    has `deleted_at` after it (memberCount relies on that)."""
    frozen_at = datetime.now(UTC)
    await drop_members(session, segment)
    await save_members(session, segment, await member_ids(session, actor, segment, dynamic=True))
    segment.frozen, segment.frozen_at = True, frozen_at


async def drop_members(session: AsyncSession, segment: Segment) -> None:
    await session.execute(
        delete(SegmentMember).where(
            SegmentMember.tenant_id == segment.tenant_id, SegmentMember.segment_id == segment.id
        )
    )


async def save_members(session: AsyncSession, segment: Segment, ids: Select[Any]) -> None:
    rows = select(literal(segment.tenant_id), literal(segment.id), ids.subquery().c[0])
    saved = await session.execute(
        insert(SegmentMember).from_select(["tenant_id", "segment_id", "member_id"], rows)
    )
    # Written beside the ORM's change tracking: the count is not a change of the segment (no new version).
    table = Segment.__table__
    await session.execute(
        update(table)
        .where(table.c.tenant_id == segment.tenant_id, table.c.id == segment.id)
        .values(member_count=saved.rowcount, updated_at=table.c.updated_at)
    )
    set_committed_value(segment, "member_count", saved.rowcount)


async def create_segment(
    session: AsyncSession,
    actor: Actor,
    name: str,
    target: str,
    given_filter: Any,
    frozen: bool,
    values: Mapping[str, Any] | None = None,
) -> Segment:
    """`values`: the custom values (`custom`), checked like every record's."""
    values = {"name": name, "filter": given_filter, "frozen": frozen, **(values or {})}
    actor.require(SEGMENT, Action.CREATE)
    segment = Segment(
        tenant_id=actor.tenant_id,
        id=new_id(),
        name=required_text(name, "name", 200),
        target=target,
        filter=stored_filter(TARGETS[target], given_filter),
        frozen=frozen,
        frozen_at=datetime.now(UTC) if frozen else None,
        owner_id=actor.user_id,
    )
    statement = await members_statement(session, actor, segment, dynamic=True)  # the list's own checks
    await apply_custom_values(session, actor, SEGMENT, segment, values, creating=True)
    session.add(segment)
    await session.flush()
    if frozen:
        ids = statement.with_only_columns(TARGETS[target].model.id).order_by(None)
        await save_members(session, segment, ids)
    changes = audit.diff({}, snapshot(segment, AUDITED_FIELDS)) | custom_changes({}, segment.custom or {})
    await audit.record(session, actor, "segment.create", SEGMENT, segment.id, changes)
    return segment


async def update_segment(
    session: AsyncSession, actor: Actor, segment_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> Segment:
    """Name and filter; a new filter on a frozen segment takes a new snapshot with it."""
    actor.require(SEGMENT, Action.UPDATE)
    segment = await get_segment(session, actor, segment_id, lock=True)
    check_version(segment, version, "segment")
    check_builtin_writes(actor, SEGMENT, values)
    before = snapshot(segment, AUDITED_FIELDS)
    if "name" in values:
        segment.name = required_text(values["name"], "name", 200)
    if "filter" in values:
        target, given = values["filter"]
        if target != segment.target:
            raise DomainError(
                ErrorCode.INVALID,
                f"This segment holds {segment.target}s; save a new segment for other records.",
                f"filter.{TARGETS[target].name}",
            )
        segment.filter = stored_filter(TARGETS[target], given)
        if segment.frozen:
            await take_snapshot(session, actor, segment)
        else:
            await member_count(session, actor, segment)
    custom = await apply_custom_values(session, actor, SEGMENT, segment, values, creating=False)
    await flush_versioned(session, "segment")
    changes = audit.diff(before, snapshot(segment, AUDITED_FIELDS)) | custom
    await audit.record(session, actor, "segment.update", SEGMENT, segment.id, changes)
    return segment


async def set_frozen(
    session: AsyncSession, actor: Actor, segment_id: uuid.UUID, version: int, frozen: bool
) -> Segment:
    """Freeze (again: a fresh snapshot) or return to dynamic membership (the snapshot is dropped)."""
    actor.require(SEGMENT, Action.UPDATE)
    check_builtin_writes(actor, SEGMENT, {"frozen": frozen})
    segment = await get_segment(session, actor, segment_id, lock=True)
    check_version(segment, version, "segment")
    before = snapshot(segment, AUDITED_FIELDS)
    if frozen:
        await take_snapshot(session, actor, segment)
    else:
        await drop_members(session, segment)
        segment.frozen, segment.frozen_at, segment.member_count = False, None, None
    segment.updated_at = datetime.now(UTC)  # refreezing changes the members: the version moves
    await flush_versioned(session, "segment")
    changes = audit.diff(before, snapshot(segment, AUDITED_FIELDS))
    action = "segment.freeze" if frozen else "segment.unfreeze"
    await audit.record(session, actor, action, SEGMENT, segment.id, changes)
    return segment


async def delete_segment(
    session: AsyncSession, actor: Actor, segment_id: uuid.UUID, version: int
) -> uuid.UUID:
    """Delete a segment (and its snapshot) no campaign targets any more."""
    actor.require(SEGMENT, Action.DELETE)
    segment = await get_segment(session, actor, segment_id, lock=True)
    check_version(segment, version, "segment")
    # Any campaign of the tenant, in the caller's scope or not: the reference would break.
    targeted = await session.scalar(
        select(func.count()).where(Campaign.tenant_id == actor.tenant_id, Campaign.segment_id == segment.id)
    )
    if targeted:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Campaigns target this segment; give them another target first.",
            "id",
        )
    before = snapshot(segment, AUDITED_FIELDS)
    await session.delete(segment)
    await session.flush()
    await audit.record(session, actor, "segment.delete", SEGMENT, segment.id, audit.diff(before, {}))
    return segment.id
