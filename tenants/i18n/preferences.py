"""A person's own language: stored on the user (global, like the login), so it is the same in every
tenant they belong to. Null follows the client's `Accept-Language`, then the tenant's locale."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.locales import validate_locale
from tenants.models import Tenant, User
from tenants.permissions import Actor


async def stored_locales(session: AsyncSession, actor: Actor) -> tuple[str | None, str]:
    """(the user's own locale or None, the tenant's locale)."""
    tenant_locale = select(Tenant.locale).where(Tenant.id == actor.tenant_id).scalar_subquery()
    row = (await session.execute(select(User.locale, tenant_locale).where(User.id == actor.user_id))).one()
    return row[0], row[1]


async def set_user_locale(session: AsyncSession, actor: Actor, locale: str | None) -> str | None:
    """Sets (a CLDR locale such as zh-CN or en-US; INVALID otherwise) or clears (None) the caller's own
    language. Anyone may set their own; an API key sets its creator's, as it acts for them."""
    cleaned = None if locale is None or not locale.strip() else validate_locale(locale)
    before = await session.scalar(select(User.locale).where(User.id == actor.user_id))
    await session.execute(update(User).where(User.id == actor.user_id).values(locale=cleaned))
    await audit.record(session, actor, "user.locale", "user", actor.user_id, {"locale": [before, cleaned]})
    return cleaned
