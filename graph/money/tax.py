"""The tenant's tax rule for cash (early-payment) discounts.

A discount shown on the invoice (line, promotion, volume, customer type) lowers the tax base. A cash
discount does so only where the tenant's rule says it does: in China and most VAT regimes it is a
financial expense and the tax is charged on the price before it. The rule is explicit per tenant; until
the tenant chooses, it follows the default of its locale's country (`tenants.locales`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants import audit
from tenants.locales import default_cash_discount_reduces_tax_base
from tenants.models import Tenant
from tenants.permissions import Actor, Capability


@dataclass(frozen=True)
class TaxRules:
    locale: str
    cash_discount_reduces_tax_base: bool
    is_default: bool  # follows the locale's default (the tenant has not chosen)


def rules_of(locale: str, choice: bool | None) -> TaxRules:
    if choice is None:
        return TaxRules(locale, default_cash_discount_reduces_tax_base(locale), True)
    return TaxRules(locale, choice, False)


async def tax_rules(session: AsyncSession, tenant_id: uuid.UUID) -> TaxRules:
    locale, choice = (
        await session.execute(
            select(Tenant.locale, Tenant.cash_discount_reduces_tax_base).where(Tenant.id == tenant_id)
        )
    ).one()
    return rules_of(locale, choice)


async def set_cash_discount_rule(session: AsyncSession, actor: Actor, reduces: bool | None) -> TaxRules:
    """True/False chooses; None goes back to the locale's default. Quotes already sent keep their tax."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    tenant = await session.get(Tenant, actor.tenant_id)
    assert tenant is not None  # the actor's own tenant always exists inside its wall
    before, tenant.cash_discount_reduces_tax_base = tenant.cash_discount_reduces_tax_base, reduces
    await session.flush()
    await audit.record(
        session,
        actor,
        "tenant.set_cash_discount_rule",
        "tenant",
        tenant.id,
        {"cash_discount_reduces_tax_base": [before, reduces]},
    )
    return rules_of(tenant.locale, reduces)
