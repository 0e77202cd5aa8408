"""Project reminders, run by `crm jobs run` as `projects.reminders`: tasks due today or tomorrow that are
not done, told to their assignee once per due date (a moved due date reminds again)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.core.jobs import job
from graph.notifications.reminders import Reminder, send_reminders
from graph.projects.models import TASK, Task

TASK_DUE_AHEAD_DAYS = 1


@job("projects.reminders")
async def task_reminders(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    today = now.date()
    tasks = await session.scalars(
        select(Task).where(
            Task.tenant_id == tenant_id,
            Task.assignee_id.is_not(None),
            Task.status != "done",
            Task.due_date.between(today, today + timedelta(days=TASK_DUE_AHEAD_DAYS)),
        )
    )
    reminders = [
        Reminder(
            user_id=task.assignee_id,
            kind="task.due",
            subject=f"Task due {'today' if task.due_date == today else 'tomorrow'}: {task.title}",
            body=f"Due {task.due_date:%Y-%m-%d}.",
            link=f"/projects/{task.project_id}/tasks/{task.id}",
            key=f"task.due:{task.id}:{task.due_date}",
            data={
                "title": task.title,
                "due_date": task.due_date.isoformat(),
                "today": task.due_date == today,
            },
        )
        for task in tasks
        if task.assignee_id is not None and task.due_date is not None
    ]
    return f"tasks due {await send_reminders(session, tenant_id, now, reminders, TASK, ('dueDate',))}"
