"""How users read from SQL on the compiled path (graph/compiled): see graph/crm/compiled.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists

from graph.compiled.planner import Build
from graph.compiled.registry import CompiledType, column, node_id, register_type
from tenants.models import Membership, User


def member_user(build: Build, target: Any) -> Any:
    """loaders.users_by_id: a user is visible only as a member (active or not) of the current tenant."""
    return exists().where(Membership.tenant_id == build.actor.tenant_id, Membership.user_id == target.id)


register_type(
    CompiledType(
        name="User",
        model=User,
        fields={"id": node_id("User"), "email": column("email"), "fullName": column("full_name")},
    )
)
