"""Per-tenant option lists (industries, lead sources, loss reasons, ...) with stable keys.

Records store an option's `key`; tenants rename labels, reorder and archive freely without touching
data. Areas declare their lists with defaults at import time; a tenant gets the defaults the first time
the list is used (not at sign-up), so a list added by a later release reaches existing tenants too.
Archived options stay readable on old records but are refused on new writes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func, select, text
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from tenants import audit, i18n
from tenants.errors import DomainError, ErrorCode
from tenants.locales import validate_locale
from tenants.models import Base
from tenants.permissions import Actor, Capability
from tenants.validation import required_text

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_]{0,49}")
MAX_LABEL = 100


class SeededOptionList(Base):
    """Marks that a tenant's list was given its defaults, so deleting them all never re-seeds."""

    __tablename__ = "option_lists"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    list_key: Mapped[str] = mapped_column(String(50), primary_key=True)
    seeded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OptionValue(Base):
    __tablename__ = "option_values"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    list_key: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    label: Mapped[str] = mapped_column(String(MAX_LABEL))
    position: Mapped[int] = mapped_column(Integer)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The tenant's translations of `label`, by locale: {"zh-CN": "网站表单"}.
    labels: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True)
class OptionList:
    key: str
    label: str
    defaults: tuple[tuple[str, str], ...]


OPTION_LISTS: dict[str, OptionList] = {}


def register_option_list(key: str, label: str, defaults: Sequence[tuple[str, str]]) -> OptionList:
    for option_key, _ in defaults:
        if not KEY_PATTERN.fullmatch(option_key):
            raise ValueError(f"Option key {option_key!r} of list {key!r} is not a lowercase slug.")
    option_list = OptionList(key, label, tuple(defaults))
    OPTION_LISTS[key] = option_list
    return option_list


def option_list_named(key: str, field: str = "listKey") -> OptionList:
    option_list = OPTION_LISTS.get(key)
    if option_list is None:
        known = ", ".join(sorted(OPTION_LISTS)) or "none"
        raise DomainError(ErrorCode.NOT_FOUND, f"No option list '{key}'; known lists: {known}.", field)
    return option_list


async def ensure_seeded(session: AsyncSession, tenant_id: uuid.UUID, list_key: str) -> None:
    option_list = option_list_named(list_key)
    claimed = await session.scalar(
        insert(SeededOptionList)
        .values(tenant_id=tenant_id, list_key=list_key)
        .on_conflict_do_nothing()
        .returning(SeededOptionList.list_key)
    )
    if claimed is None or not option_list.defaults:
        return
    await session.execute(
        insert(OptionValue)
        .values(
            [
                {"tenant_id": tenant_id, "list_key": list_key, "key": key, "label": label, "position": i}
                for i, (key, label) in enumerate(option_list.defaults)
            ]
        )
        .on_conflict_do_nothing()
    )


async def option_values(
    session: AsyncSession, tenant_id: uuid.UUID, list_key: str, include_archived: bool = False
) -> list[OptionValue]:
    await ensure_seeded(session, tenant_id, list_key)
    statement = select(OptionValue).where(
        OptionValue.tenant_id == tenant_id, OptionValue.list_key == list_key
    )
    if not include_archived:
        statement = statement.where(OptionValue.archived_at.is_(None))
    return list(await session.scalars(statement.order_by(OptionValue.position, OptionValue.key)))


async def require_option(
    session: AsyncSession, tenant_id: uuid.UUID, list_key: str, value: str, field: str
) -> None:
    """Refuse a key that is not a live option of the tenant's list."""
    options = await option_values(session, tenant_id, list_key)
    if value not in {option.key for option in options}:
        allowed = ", ".join(option.key for option in options) or "none"
        label = option_list_named(list_key).label
        raise DomainError(
            ErrorCode.INVALID, f"'{value}' is not one of the {label.lower()} ({allowed}).", field
        )


# --- administration --------------------------------------------------------------------------


async def add_option(
    session: AsyncSession, actor: Actor, list_key: str, key: str, label: str, position: int | None
) -> OptionValue:
    actor.require_capability(Capability.MANAGE_FIELDS)
    options = await option_values(session, actor.tenant_id, list_key, include_archived=True)
    if not KEY_PATTERN.fullmatch(key):
        raise DomainError(
            ErrorCode.INVALID,
            "A key is 1-50 lowercase letters, digits or underscores, starting with a letter or digit.",
            "key",
        )
    if key in {option.key for option in options}:
        raise DomainError(ErrorCode.DUPLICATE, f"The list already has an option '{key}'.", "key")
    option = OptionValue(
        tenant_id=actor.tenant_id,
        list_key=list_key,
        key=key,
        label=required_text(label, "label", MAX_LABEL),
        position=len(options),
    )
    session.add(option)
    await session.flush()
    if position is not None:
        await _move(session, [*options, option], option, position)
    await audit.record(
        session, actor, "option.add", "option_list", None, {f"{list_key}.{key}": [None, label]}
    )
    return option


async def update_option(
    session: AsyncSession,
    actor: Actor,
    list_key: str,
    key: str,
    label: str | None,
    position: int | None,
) -> OptionValue:
    """Rename and/or move an option; records keep pointing at its unchanged key."""
    actor.require_capability(Capability.MANAGE_FIELDS)
    options = await option_values(session, actor.tenant_id, list_key, include_archived=True)
    option = _find(options, list_key, key)
    changes: dict[str, list[object]] = {}
    if label is not None:
        new_label = required_text(label, "label", MAX_LABEL)
        changes["label"] = [option.label, new_label]
        option.label = new_label
    if position is not None:
        changes["position"] = [option.position, position]
        await _move(session, options, option, position)
    await audit.record(session, actor, "option.update", "option_list", None, {f"{list_key}.{key}": changes})
    return option


async def set_option_archived(
    session: AsyncSession, actor: Actor, list_key: str, key: str, archived: bool
) -> OptionValue:
    actor.require_capability(Capability.MANAGE_FIELDS)
    options = await option_values(session, actor.tenant_id, list_key, include_archived=True)
    option = _find(options, list_key, key)
    option.archived_at = func.now() if archived else None
    await session.flush()
    await session.refresh(option)
    action = "option.archive" if archived else "option.restore"
    await audit.record(
        session, actor, action, "option_list", None, {f"{list_key}.{key}": [not archived, archived]}
    )
    return option


def label_in(label: str, translations: dict[str, str], locale: str) -> str:
    """An option's label for a reader of `locale`: the tenant's translation for the locale or its
    language, else the catalog's translation of a built-in default label, else the label as written."""
    language = locale.split("-")[0]
    for tag, translated in translations.items():
        if tag == locale:
            return translated
    for tag, translated in translations.items():
        if tag.split("-")[0] == language:
            return translated
    return i18n.term(label, locale)


async def set_option_translation(
    session: AsyncSession, actor: Actor, list_key: str, key: str, locale: str, label: str | None
) -> OptionValue:
    """Sets (or, with `label` None, removes) the tenant's label of an option in one locale."""
    actor.require_capability(Capability.MANAGE_FIELDS)
    options = await option_values(session, actor.tenant_id, list_key, include_archived=True)
    option = _find(options, list_key, key)
    tag = validate_locale(locale)
    translations = dict(option.labels or {})
    before = translations.get(tag)
    if label is None:
        translations.pop(tag, None)
    else:
        translations[tag] = required_text(label, "label", MAX_LABEL)
    option.labels = translations
    await session.flush()
    await audit.record(
        session,
        actor,
        "option.translate",
        "option_list",
        None,
        {f"{list_key}.{key}.{tag}": [before, translations.get(tag)]},
    )
    return option


def _find(options: list[OptionValue], list_key: str, key: str) -> OptionValue:
    for option in options:
        if option.key == key:
            return option
    raise DomainError(ErrorCode.NOT_FOUND, f"The list '{list_key}' has no option '{key}'.", "key")


async def _move(
    session: AsyncSession, options: list[OptionValue], option: OptionValue, position: int
) -> None:
    if position < 0:
        raise DomainError(ErrorCode.INVALID, "A position is 0 or more.", "position")
    ordered = sorted((o for o in options if o is not option), key=lambda o: (o.position, o.key))
    ordered.insert(min(position, len(ordered)), option)
    for index, each in enumerate(ordered):
        each.position = index
    await session.flush()
