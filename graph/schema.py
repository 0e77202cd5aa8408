"""Assembles Query and Mutation from the areas, with the shared extensions and configuration."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from gateway.settings import Settings
from graph.audit.api import AuditQuery
from graph.core.extensions import schema_extensions
from graph.identity.api import IdentityMutation, IdentityQuery


@strawberry.type
class NodeQuery:
    node: relay.Node | None = relay.node(
        description="Any object by its global id; null when it does not exist or you may not see it."
    )


Query = merge_types("Query", (NodeQuery, IdentityQuery, AuditQuery))
Mutation = merge_types("Mutation", (IdentityMutation,))


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=schema_extensions(settings),
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
    )
