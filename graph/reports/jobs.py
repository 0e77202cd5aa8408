"""The `reports.refresh` job: rebuilds each tenant's job-kept report rollups and records when.

Activity statistics per employee read `activity_day_rollups` once it has been built (README, Reports):
done activities per day, author and kind. The job replaces the tenant's rows in its transaction, under a
per-tenant advisory lock, so two runners queue instead of colliding, and records the refresh instant
(the job's clock) that the report shows as `asOf`. Activities written after it show at the next run.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Date, cast, delete, func, insert, literal, select, text
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.crm.models import Activity
from graph.reports.models import ActivityDayRollup, ReportRefresh

ACTIVITIES = "activities"
LOCK = text("select pg_advisory_xact_lock(hashtextextended('reports.refresh:' || :tenant, 0))")


@job("reports.refresh")
async def refresh_rollups(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    await session.execute(LOCK, {"tenant": str(tenant_id)})
    await session.execute(delete(ActivityDayRollup).where(ActivityDayRollup.tenant_id == tenant_id))
    day = cast(Activity.occurred_at, Date)
    counted = (
        select(literal(tenant_id), day, Activity.author_id, Activity.kind, func.count())
        .where(Activity.tenant_id == tenant_id, Activity.done.is_(True))
        .group_by(day, Activity.author_id, Activity.kind)
    )
    result = await session.execute(
        insert(ActivityDayRollup).from_select(
            ["tenant_id", "day", "author_id", "kind", "activity_count"], counted
        )
    )
    refreshed = upsert(ReportRefresh).values(tenant_id=tenant_id, source=ACTIVITIES, refreshed_at=now)
    await session.execute(
        refreshed.on_conflict_do_update(
            index_elements=["tenant_id", "source"], set_={"refreshed_at": refreshed.excluded.refreshed_at}
        )
    )
    return f"{result.rowcount} activity rollup rows"
