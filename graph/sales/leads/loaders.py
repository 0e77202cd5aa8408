"""Per-request DataLoaders of the leads area (one query per level of nesting, on the request session)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from graph.core.context import RequestContext
from graph.core.loaders import by_id
from graph.sales.leads.leads import lead_scope
from graph.sales.leads.models import LEAD, Lead
from tenants.permissions import Action

leads_by_id = by_id(Lead, LEAD, lead_scope)


def lead_by(column: Any) -> Any:
    """Factory of a loader of the visible lead whose `column` equals the key (converted links)."""

    def factory(context: RequestContext) -> DataLoader[uuid.UUID, Lead | None]:
        async def load(keys: Sequence[uuid.UUID]) -> list[Lead | None]:
            if not context.actor.permissions.can(LEAD, Action.READ):
                return [None] * len(keys)
            session = await context.session()
            rows = await session.scalars(select(Lead).where(lead_scope(context.actor), column.in_(keys)))
            found = {getattr(row, column.key): row for row in rows}
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=load)

    return factory


leads_by_converted_account_id = lead_by(Lead.converted_account_id)
leads_by_converted_contact_id = lead_by(Lead.converted_contact_id)
