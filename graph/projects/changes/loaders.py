"""Per-request DataLoaders of risks and change requests (see graph/projects/loaders.py)."""

from __future__ import annotations

from sqlalchemy import select

from graph.core.loaders import by_id, grouped
from graph.projects.access import in_visible_projects
from graph.projects.models import (
    CHANGE_REQUEST,
    RISK,
    ChangeRequest,
    ChangeRequestStatusChange,
    Risk,
)

risks_by_project_id = grouped(
    RISK,
    lambda context, ids: (
        select(Risk)
        .where(Risk.project_id.in_(ids), in_visible_projects(context.actor, RISK, Risk.project_id))
        .order_by(Risk.project_id, Risk.score.desc(), Risk.id)
    ),
    lambda row: row.project_id,
)


change_requests_by_project_id = grouped(
    CHANGE_REQUEST,
    lambda context, ids: (
        select(ChangeRequest)
        .where(
            ChangeRequest.project_id.in_(ids),
            in_visible_projects(context.actor, CHANGE_REQUEST, ChangeRequest.project_id),
        )
        .order_by(ChangeRequest.project_id, ChangeRequest.id.desc())
    ),
    lambda row: row.project_id,
)


change_history_by_change_id = grouped(
    CHANGE_REQUEST,
    lambda context, ids: (
        select(ChangeRequestStatusChange)
        .where(ChangeRequestStatusChange.change_request_id.in_(ids))
        .order_by(ChangeRequestStatusChange.changed_at, ChangeRequestStatusChange.id)
    ),
    lambda row: row.change_request_id,
)


risks_by_id = by_id(Risk, RISK, lambda actor: in_visible_projects(actor, RISK, Risk.project_id))


change_requests_by_id = by_id(
    ChangeRequest,
    CHANGE_REQUEST,
    lambda actor: in_visible_projects(actor, CHANGE_REQUEST, ChangeRequest.project_id),
)
