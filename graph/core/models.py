"""Mapping pieces the areas' tables share (the DDL lives in the migrations and must agree)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKeyConstraint
from sqlalchemy.orm import declared_attr

from tenants.models import VersionedMixin


class Versioned(VersionedMixin):
    """Optimistic version plus eager server defaults, so timestamps are readable after a flush without a
    lazy load (which async sessions cannot do)."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version, "eager_defaults": True}


def member_fk(column: str) -> ForeignKeyConstraint:
    """Composite FK of a user column to a membership of the same tenant: `member_fk("owner_id")`."""
    return ForeignKeyConstraint(["tenant_id", column], ["memberships.tenant_id", "memberships.user_id"])
