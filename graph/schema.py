"""Assembles Query, Mutation and Subscription from the areas, with the shared extensions and configuration."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from gateway.settings import Settings
from graph.audit.api import AuditQuery
from graph.core.extensions import schema_extensions
from graph.crm.api import CrmMutation, CrmQuery
from graph.identity.api import IdentityMutation, IdentityQuery
from graph.live.api import SUBSCRIPTION_AREAS

# Each area contributes its root types here.
QUERY_AREAS: tuple[type, ...] = (IdentityQuery, AuditQuery, CrmQuery)
MUTATION_AREAS: tuple[type, ...] = (IdentityMutation, CrmMutation)


def node_query() -> type:
    """A fresh `node` root field per schema: Strawberry's relay field binds itself to one schema."""

    @strawberry.type
    class NodeQuery:
        node: relay.Node | None = relay.node(
            description="Any object by its global id; null when it does not exist or you may not see it."
        )

    return NodeQuery


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=merge_types("Query", (node_query(), *QUERY_AREAS)),
        mutation=merge_types("Mutation", MUTATION_AREAS),
        subscription=merge_types("Subscription", SUBSCRIPTION_AREAS),
        extensions=schema_extensions(settings),
        config=StrawberryConfig(disable_field_suggestions=settings.is_production),
    )
