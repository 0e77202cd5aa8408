"""Assembles Query, Mutation and Subscription from the areas, with the shared extensions and configuration."""

from __future__ import annotations

import copy
import inspect
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.base import StrawberryOptional

import graph.dataio.exports
import graph.dataio.runner  # noqa: F401 - registers the imports.run job
from config.settings import Settings
from graph import compiled_areas  # noqa: F401  (registers each area's compiled types and root fields)
from graph.admin.api import AdminMutation, AdminQuery
from graph.admin.rules import field_rules_extension
from graph.api_contract.api import ApiContractMutation, ApiContractQuery
from graph.approvals.api import ApprovalsMutation, ApprovalsQuery
from graph.approvals.live import ApprovalSubscription
from graph.audit.api import AuditQuery
from graph.core.extensions import schema_extensions
from graph.core.scalars import SCALAR_MAP
from graph.crm.api import CrmMutation, CrmQuery
from graph.crm.live import AccountSubscription
from graph.crm.pool_api import PoolMutation, PoolQuery
from graph.dataio.api import DataIoMutation, DataIoQuery
from graph.dataio.backups_api import BackupMutation, BackupQuery
from graph.dataio.export_api import DataExportMutation, DataExportQuery
from graph.dataio.live import DataImportSubscription
from graph.dataio.print_api import PrintMutation, PrintQuery
from graph.documents.api import DocumentsMutation, DocumentsQuery
from graph.identity import upkeep as identity_upkeep  # noqa: F401 - registers identity.purge
from graph.identity.api import IdentityMutation, IdentityQuery
from graph.identity.language_api import LanguageMutation, LanguageQuery
from graph.identity.login_events import LoginEventsQuery
from graph.integrations import delivery as webhook_delivery  # noqa: F401 - registers webhooks.deliver
from graph.integrations import idempotency as idempotency_upkeep  # noqa: F401 - registers idempotency.purge
from graph.integrations.api import IntegrationsMutation, IntegrationsQuery
from graph.marketing.api import CampaignsMutation, CampaignsQuery
from graph.marketing.competition_api import CompetitionMutation, CompetitionQuery
from graph.marketing.event_api import EventsMutation
from graph.marketing.message_api import MessagesMutation, MessagesQuery
from graph.marketing.product_link_api import ProductLinksMutation, ProductLinksQuery
from graph.marketing.roi_api import RoiQuery
from graph.marketing.segment_api import SegmentsMutation, SegmentsQuery
from graph.notifications.api import NotificationsMutation, NotificationsQuery
from graph.notifications.live import NotificationSubscription
from graph.projects.api import ProjectsMutation, ProjectsQuery
from graph.projects.live import ProjectSubscription
from graph.reports.api import ReportsQuery
from graph.reports.saved_api import SavedReportsMutation, SavedReportsQuery
from graph.sales.commerce.api import CommerceMutation, CommerceQuery
from graph.sales.leads.api import LeadsMutation, LeadsQuery
from graph.sales.pipeline.api import PipelineMutation, PipelineQuery
from graph.sales.pipeline.live import PipelineSubscription
from graph.security.api import SecurityMutation, SecurityQuery
from graph.service.api import ServiceMutation, ServiceQuery
from graph.service.feedback_api import FeedbackMutation, FeedbackQuery
from graph.service.kb_api import KnowledgeBaseMutation, KnowledgeBaseQuery
from graph.service.kb_public_api import PublicKnowledgeBaseMutation, PublicKnowledgeBaseQuery
from graph.service.live import TicketSubscription
from graph.service.schedule_api import SurveyScheduleMutation, SurveyScheduleQuery
from graph.service.survey_api import SurveyMutation, SurveyQuery
from graph.settings.api import SettingsMutation, SettingsQuery
from graph.workday.api import WorkdayMutation, WorkdayQuery
from graph.workday.attendance_api import AttendanceMutation, AttendanceQuery
from tenants.errors import DomainError

# Each area contributes its root types here (subscriptions: its `live.py`, on graph/live's plumbing).
QUERY_AREAS: tuple[type, ...] = (
    IdentityQuery,
    LanguageQuery,
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
    CampaignsQuery,
    SegmentsQuery,
    RoiQuery,
    CompetitionQuery,
    MessagesQuery,
    ProductLinksQuery,
    DocumentsQuery,
    AdminQuery,
    SecurityQuery,
    NotificationsQuery,
    WorkdayQuery,
    AttendanceQuery,
    ServiceQuery,
    SurveyQuery,
    SurveyScheduleQuery,
    FeedbackQuery,
    KnowledgeBaseQuery,
    PublicKnowledgeBaseQuery,
    DataIoQuery,
    DataExportQuery,
    BackupQuery,
    PrintQuery,
    ApiContractQuery,
    IntegrationsQuery,
    ReportsQuery,
    SavedReportsQuery,
)
MUTATION_AREAS: tuple[type, ...] = (
    IdentityMutation,
    LanguageMutation,
    SettingsMutation,
    CrmMutation,
    PipelineMutation,
    ProjectsMutation,
    ApprovalsMutation,
    CommerceMutation,
    PoolMutation,
    LeadsMutation,
    CampaignsMutation,
    SegmentsMutation,
    EventsMutation,
    CompetitionMutation,
    MessagesMutation,
    ProductLinksMutation,
    DocumentsMutation,
    AdminMutation,
    SecurityMutation,
    NotificationsMutation,
    WorkdayMutation,
    AttendanceMutation,
    ServiceMutation,
    SurveyMutation,
    SurveyScheduleMutation,
    FeedbackMutation,
    KnowledgeBaseMutation,
    PublicKnowledgeBaseMutation,
    DataIoMutation,
    DataExportMutation,
    BackupMutation,
    PrintMutation,
    ApiContractMutation,
    IntegrationsMutation,
    SavedReportsMutation,
)
SUBSCRIPTION_AREAS: tuple[type, ...] = (
    AccountSubscription,
    PipelineSubscription,
    ProjectSubscription,
    ApprovalSubscription,
    NotificationSubscription,
    TicketSubscription,
    DataImportSubscription,
)


def node_query() -> type:
    """The `node` root field: an id of a type that is not a node (or of no type) is simply not found."""

    @strawberry.type
    class NodeQuery:
        @strawberry.field(
            description="Any object by its global id; null when it does not exist, is not a node, or you "
            "may not see it."
        )
        async def node(
            self,
            info: strawberry.Info,
            id: Annotated[relay.GlobalID, strawberry.argument(description="An object's `id`.")],
        ) -> relay.Node | None:
            try:
                id.resolve_type(info)
            except GlobalIDValueError:
                return None
            found = id.resolve_node(info, required=False)
            return await found if inspect.isawaitable(found) else found

    return NodeQuery


def nullable_root_fields(root: type) -> type:
    """Every root field nullable (queries and mutations), so one field's failure stays its own.

    GraphQL propagates an error in a non-null field to its parent; for a root field the parent is the
    whole `data`, and graphql-core then cancels the sibling fields still running, mid-statement on the
    request's shared connection (which loses the transaction). Nullable root fields stop the
    propagation at the field: `{ me apiKeys }` answers `me` and a PERMISSION_DENIED on `apiKeys` alone;
    a mutation refused at top level (docs/errors.md) leaves the payloads of the mutations before it.
    The areas' own field objects are left as they are (copies are made for the merged type).
    """
    definition = root.__strawberry_definition__  # type: ignore[attr-defined]
    fields = []
    for field in definition.fields:
        if not isinstance(field.type, StrawberryOptional):
            field = copy.copy(field)
            field.type = StrawberryOptional(field.type)
        fields.append(field)
    definition.fields = fields
    return root


def merged(name: str, areas: tuple[type, ...]) -> type:
    """`merge_types`, refusing two areas that declare the same root field: merging would silently keep
    one of them (attendance's `checkIn` was once shadowed by the event board's)."""
    owners: dict[str, str] = {}
    for area in areas:
        for field in area.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            key = field.graphql_name or field.python_name
            if key in owners:
                raise ValueError(f"{name}.{key} is declared by both {owners[key]} and {area.__name__}")
            owners[key] = area.__name__
    return merge_types(name, areas)


def described(root: type, description: str) -> type:
    """A merged root type with its description (`merge_types` gives none)."""
    root.__strawberry_definition__.description = description  # type: ignore[attr-defined]
    return root


class CrmSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        """Logs what went wrong, not what was refused: a DomainError (a permission, a missing record, a
        throttled attempt) is an answer the client gets with its code, so it is not logged as an error."""
        unexpected = [error for error in errors if not isinstance(error.original_error, DomainError)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> strawberry.Schema:
    return CrmSchema(
        query=described(
            nullable_root_fields(merged("Query", (node_query(), *QUERY_AREAS))),
            "Reads. Every field is nullable: one field's error leaves the others answered.",
        ),
        mutation=described(
            nullable_root_fields(merged("Mutation", MUTATION_AREAS)),
            "Changes. Each mutation runs in its own savepoint and reports what the caller can fix in its "
            "payload's `errors`; a refusal of the caller (UNAUTHENTICATED, PERMISSION_DENIED, THROTTLED, "
            "...) is a top-level error with `extensions.code` and that mutation's field null.",
        ),
        subscription=described(
            merged("Subscription", SUBSCRIPTION_AREAS),
            "Live updates over WebSocket (graphql-transport-ws); every stream starts with `subscribed`.",
        ),
        extensions=[*schema_extensions(settings), field_rules_extension()],
        config=StrawberryConfig(disable_field_suggestions=settings.is_production, scalar_map=SCALAR_MAP),
    )
