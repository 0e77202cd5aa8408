"""Assembles Query, Mutation and Subscription from the areas, with the shared extensions and configuration."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from gateway.settings import Settings
from graph import compiled_areas  # noqa: F401  (registers each area's compiled types and root fields)
from graph.admin.api import AdminMutation, AdminQuery
from graph.admin.rules import field_rules_extension
from graph.approvals.api import ApprovalsMutation, ApprovalsQuery
from graph.audit.api import AuditQuery
from graph.core.extensions import schema_extensions
from graph.core.scalars import SCALAR_MAP
from graph.crm.api import CrmMutation, CrmQuery
from graph.crm.pool_api import PoolMutation, PoolQuery
from graph.documents.api import DocumentsMutation, DocumentsQuery
from graph.identity.api import IdentityMutation, IdentityQuery
from graph.identity.login_events import LoginEventsQuery
from graph.live.api import SUBSCRIPTION_AREAS
from graph.projects.api import ProjectsMutation, ProjectsQuery
from graph.sales.commerce.api import CommerceMutation, CommerceQuery
from graph.sales.leads.api import LeadsMutation, LeadsQuery
from graph.sales.pipeline.api import PipelineMutation, PipelineQuery
from graph.security.api import SecurityMutation, SecurityQuery
from graph.settings.api import SettingsMutation, SettingsQuery

# Each area contributes its root types here.
QUERY_AREAS: tuple[type, ...] = (
    IdentityQuery,
    LoginEventsQuery,
    AuditQuery,
    SettingsQuery,
    CrmQuery,
    PipelineQuery,
    ProjectsQuery,
    ApprovalsQuery,
    CommerceQuery,
    PoolQuery,
    LeadsQuery,
    DocumentsQuery,
    AdminQuery,
    SecurityQuery,
)
MUTATION_AREAS: tuple[type, ...] = (
    IdentityMutation,
    SettingsMutation,
    CrmMutation,
    PipelineMutation,
    ProjectsMutation,
    ApprovalsMutation,
    CommerceMutation,
    PoolMutation,
    LeadsMutation,
    DocumentsMutation,
    AdminMutation,
    SecurityMutation,
)


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
        extensions=[*schema_extensions(settings), field_rules_extension()],
        config=StrawberryConfig(disable_field_suggestions=settings.is_production, scalar_map=SCALAR_MAP),
    )
