"""Creating a lead: validate, look for duplicates, save, then hand it out.

The owner, when given, must have room under the open-lead cap; without one the tenant's assignment
rules pick one, or the lead stays in the pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from graph.sales.leads.assignment import auto_assign
from graph.sales.leads.duplicates import Duplicate, find_duplicates
from graph.sales.leads.leads import build_lead, save_new_lead
from graph.sales.leads.models import Lead
from graph.sales.leads.pool import give_lead
from tenants.errors import DomainError, ErrorCode
from tenants.permissions import Actor


class DuplicatesFound(DomainError):
    """Raised instead of saving when the caller asked to reject duplicates; carries what matched."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__(
            ErrorCode.DUPLICATE,
            f"Found {len(duplicates)} possible duplicate(s); see `duplicates`, or create without "
            "`rejectDuplicates` and merge later.",
            "rejectDuplicates",
        )
        self.duplicates = duplicates


async def create_lead(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], reject_duplicates: bool = False
) -> tuple[Lead, list[Duplicate]]:
    lead = await build_lead(session, actor, values)
    duplicates = await find_duplicates(session, actor, lead.email, lead.phone, lead.company_name)
    if duplicates and reject_duplicates:
        raise DuplicatesFound(duplicates)
    owner_id, lead.owner_id = lead.owner_id, None
    if owner_id is not None:
        await give_lead(session, actor, lead, owner_id, "ownerId")
    await save_new_lead(session, actor, lead)
    if lead.owner_id is None:
        await auto_assign(session, actor, lead)
    return lead, duplicates
