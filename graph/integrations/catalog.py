"""Which domain events a webhook may subscribe to: the events the areas' subscriptions deliver.

Built from the areas' own event names (their `live.py` and the pipeline's events), so a webhook hears
exactly what a live subscriber hears. Each event type is about one object type: subscribing needs the
right to read that object type across the whole tenant (a webhook hears about every record), so an
admin cannot hand a receiver more than they may see themselves.

A webhook body names records by their global ids (what `node(id:)` takes); `ID_TYPES` says which
GraphQL type each id of an event payload is.
"""

from __future__ import annotations

from graph.approvals.live import APPROVAL_EVENTS
from graph.approvals.models import APPROVAL_REQUEST
from graph.crm.live import ACCOUNT_EVENTS
from graph.crm.models import ACCOUNT
from graph.projects.live import PROJECT_EVENTS, TASK_EVENTS
from graph.projects.models import PROJECT, TASK
from graph.sales.pipeline import events as opportunity_events
from graph.sales.pipeline.live import PIPELINE_UPDATED
from graph.sales.pipeline.models import OPPORTUNITY
from graph.service.live import TICKET_EVENTS
from graph.service.models import TICKET

OPPORTUNITY_EVENTS = (
    opportunity_events.CREATED,
    opportunity_events.UPDATED,
    opportunity_events.STAGE_CHANGED,
    opportunity_events.WON,
    opportunity_events.LOST,
    PIPELINE_UPDATED,
)

# event type -> the object type whose records it is about
EVENT_TYPES: dict[str, str] = {
    **dict.fromkeys(ACCOUNT_EVENTS, ACCOUNT),
    **dict.fromkeys(OPPORTUNITY_EVENTS, OPPORTUNITY),
    **dict.fromkeys(PROJECT_EVENTS, PROJECT),
    **dict.fromkeys(TASK_EVENTS, TASK),
    **dict.fromkeys(APPROVAL_EVENTS, APPROVAL_REQUEST),
    **dict.fromkeys(sorted(TICKET_EVENTS), TICKET),
}

# id name in an event payload -> GraphQL type of its global id
ID_TYPES = {
    "account": "Account",
    "opportunity": "Opportunity",
    "pipeline": "Pipeline",
    "project": "Project",
    "task": "Task",
    "assignee": "User",
    "previous_assignee": "User",
    "user": "User",
    "request": "ApprovalRequest",
    "ticket": "Ticket",
}
