"""Tables of project closeout (revision 0243_project_closeout): one closeout per project, and lessons
learned shared across the tenant."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from graph.projects.models import project_fk, utc_now
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

CLOSEOUT = register_object_type("project_closeout")
LESSON = register_object_type("lesson")


class ProjectCloseout(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "project_closeouts"
    __table_args__ = (project_fk(), member_fk("closed_by_id"))

    project_id: Mapped[uuid.UUID] = mapped_column()
    summary: Mapped[str] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    # Frozen at closing (graph/projects/closeout/evaluation.py `Evaluation.as_json`).
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONB)
    closed_on: Mapped[date] = mapped_column(Date)
    closed_by_id: Mapped[uuid.UUID] = mapped_column()


class Lesson(TenantMixin, Base):
    __tablename__ = "project_lessons"
    __table_args__ = (project_fk(), member_fk("author_id"))

    project_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # Written with the lesson (graph/core/text_search.py `plain_vector`: Chinese runs as characters and
    # bigrams, so a Chinese lesson is found by any two-character part of it).
    search: Mapped[Any] = mapped_column(TSVECTOR)
    author_id: Mapped[uuid.UUID] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
