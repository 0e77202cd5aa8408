"""Tables of people and capacity (revision 0240_project_resources): skills and weekly capacity per
member, allocations of members to projects per week (the Monday that starts it)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Numeric, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from graph.projects.models import project_fk
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

ALLOCATION = register_object_type("allocation")


class MemberSkill(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "member_skills"
    __table_args__ = (member_fk("user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column()
    skill: Mapped[str] = mapped_column(String(100))  # trimmed and lower-cased
    level: Mapped[int] = mapped_column(SmallInteger)  # 1 (novice) - 5 (expert)


class MemberCapacity(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "member_capacities"
    __table_args__ = (member_fk("user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column()
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))


class Allocation(TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "project_allocations"
    __table_args__ = (project_fk(), member_fk("user_id"), member_fk("created_by_id"))

    project_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column()
    week_start: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    created_by_id: Mapped[uuid.UUID] = mapped_column()
