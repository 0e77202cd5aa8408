"""GraphQL types of the leads area. Every nested object comes through a per-request DataLoader."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from graph.admin.fields import HasCustomFields
from graph.core.context import Info
from graph.core.ids import nodes_in_order
from graph.core.nodes import live_node, resolve_by_ids
from graph.crm import loaders as crm_loaders
from graph.crm.names import full_name
from graph.crm.types import Account, Contact
from graph.identity.loaders import users_by_id
from graph.identity.types import User, owner
from graph.sales.leads import assignment, loaders
from graph.sales.leads import models as lead_models
from graph.sales.leads.duplicates import Duplicate
from graph.sales.pipeline import loaders as pipeline_loaders
from graph.sales.pipeline.types import Opportunity


@strawberry.enum(description="Where a lead stands: NEW -> WORKING -> QUALIFIED | DISQUALIFIED -> CONVERTED.")
class LeadStatus(Enum):
    NEW = "new"
    WORKING = "working"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"


assert {status.value for status in LeadStatus} == set(lead_models.LEAD_STATUSES)


@strawberry.enum(description="What made two records look like the same party.")
class DuplicateMatch(Enum):
    EMAIL = "email"
    PHONE = "phone"
    COMPANY = "company"


@strawberry.type(description="A prospective customer from any channel; in the pool while it has no owner.")
class Lead(HasCustomFields, relay.Node):
    CUSTOM_OBJECT_TYPE = lead_models.LEAD
    id: relay.NodeID[str]
    source: str = strawberry.field(description="Key of the tenant's `lead_sources` option list.")
    first_name: str | None = strawberry.field(description="Given name.")
    last_name: str | None = strawberry.field(description="Family name.")
    email: str | None = strawberry.field(description="Normalized email address.")
    phone: str | None = strawberry.field(description="Phone number as entered.")
    title: str | None = strawberry.field(description="Job title (null when hidden).")
    company_name: str | None = strawberry.field(description="Company the person works for.")
    region: str | None = strawberry.field(description="Region or state (null when hidden).")
    country: str | None = strawberry.field(description="Country (null when hidden).")
    notes: str | None = strawberry.field(
        description="Free-text notes; merges append the duplicates' (null when hidden)."
    )
    status: LeadStatus = strawberry.field(description="Where the lead stands.")
    disqualified_reason: str | None = strawberry.field(
        description="Why it was disqualified; 'duplicate' when merged into another lead."
    )
    in_pool: bool = strawberry.field(description="True while no one owns it (anyone may claim it).")
    assigned_at: datetime | None = strawberry.field(description="When the current owner got it.")
    converted_at: datetime | None = strawberry.field(description="When it was converted.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    version: int = strawberry.field(description="Pass to updates; a stale one is a CONFLICT.")
    email_opt_out: bool = strawberry.field(
        default=False,
        description="True: refuses marketing email (campaign messages skip them); set by an unsubscribe "
        "link or `setEmailOptOut`.",
    )
    sms_opt_out: bool = strawberry.field(
        default=False,
        description="True: refuses marketing SMS (campaign SMS skip them and anyone sharing the number); set "
        "by a STOP reply (`recordSmsStop`), an SMS unsubscribe link, `setSmsOptOut` or this record's update.",
    )
    owner_id: strawberry.Private[uuid.UUID | None]
    merged_into_id: strawberry.Private[uuid.UUID | None]
    converted_account_id: strawberry.Private[uuid.UUID | None]
    converted_contact_id: strawberry.Private[uuid.UUID | None]
    converted_opportunity_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, lead: lead_models.Lead) -> Lead:
        return cls(
            id=str(lead.id),
            source=lead.source,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            title=lead.title,
            company_name=lead.company_name,
            region=lead.region,
            country=lead.country,
            notes=lead.notes,
            status=LeadStatus(lead.status),
            disqualified_reason=lead.disqualified_reason,
            in_pool=lead.owner_id is None,
            assigned_at=lead.assigned_at,
            converted_at=lead.converted_at,
            created_at=lead.created_at,
            updated_at=lead.updated_at,
            version=lead.version,
            email_opt_out=lead.email_opt_out,
            sms_opt_out=lead.sms_opt_out,
            owner_id=lead.owner_id,
            merged_into_id=lead.merged_into_id,
            converted_account_id=lead.converted_account_id,
            converted_contact_id=lead.converted_contact_id,
            converted_opportunity_id=lead.converted_opportunity_id,
            custom=lead.custom or {},
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Lead | None]:
        return await resolve_by_ids(info, "leads_by_id", loaders.leads_by_id, node_ids, cls.from_model)

    @strawberry.field(description='The names as far as known, as people write them ("Ada Lovelace", "张伟").')
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @strawberry.field(description="The member working the lead; null while it is in the pool.")
    async def owner(self, info: Info) -> User | None:
        return await owner(info, self.owner_id) if self.owner_id else None

    @strawberry.field(description="The lead this one was merged into (when disqualified as a duplicate).")
    async def merged_into(self, info: Info) -> Lead | None:
        if self.merged_into_id is None:
            return None
        lead = await info.context.loader("leads_by_id", loaders.leads_by_id).load(self.merged_into_id)
        return Lead.from_model(lead) if lead else None

    @strawberry.field(description="The account it was converted into (null if hidden from you).")
    async def converted_account(self, info: Info) -> Account | None:
        account = await live_node(
            info, "accounts_by_id", crm_loaders.accounts_by_id, self.converted_account_id
        )
        return Account.from_model(account) if account else None

    @strawberry.field(description="The contact it was converted into (null if hidden from you).")
    async def converted_contact(self, info: Info) -> Contact | None:
        contact = await live_node(
            info, "contacts_by_id", crm_loaders.contacts_by_id, self.converted_contact_id
        )
        return Contact.from_model(contact) if contact else None

    @strawberry.field(description="The opportunity its conversion opened (null if none or hidden from you).")
    async def converted_opportunity(self, info: Info) -> Opportunity | None:
        if self.converted_opportunity_id is None:
            return None
        loader = info.context.loader("opportunities_by_id", pipeline_loaders.opportunities_by_id)
        opportunity = await loader.load(self.converted_opportunity_id)
        return Opportunity.from_model(opportunity) if opportunity else None


@strawberry.type(
    description="A record that may be the same party as a lead: a lead, a contact or an account."
)
class LeadDuplicate:
    matched_on: list[DuplicateMatch] = strawberry.field(description="Which keys matched.")
    lead: Lead | None = strawberry.field(description="The matching lead, if it is a lead.")
    contact: Contact | None = strawberry.field(description="The matching contact, if it is a contact.")
    account: Account | None = strawberry.field(description="The matching account, if it is an account.")

    def record_id(self) -> str:
        """The matching record's global id: the key a page of duplicates continues after."""
        record = self.lead or self.contact or self.account
        return str(relay.GlobalID(type(record).__name__, str(record.id)))

    @classmethod
    def from_duplicate(cls, duplicate: Duplicate) -> LeadDuplicate:
        return cls(
            matched_on=[DuplicateMatch(name) for name in duplicate.matched_on],
            lead=Lead.from_model(duplicate.lead) if duplicate.lead else None,
            contact=Contact.from_model(duplicate.contact) if duplicate.contact else None,
            account=Account.from_model(duplicate.account) if duplicate.account else None,
        )


@strawberry.type(description="Per-tenant rules of the lead pool.")
class LeadSettings:
    max_open_leads_per_rep: int | None = strawberry.field(
        description="How many open (new, working, qualified) leads one member may own; null: no cap."
    )
    version: int = strawberry.field(description="Pass to updateLeadSettings.")


@strawberry.type(description="An automatic assignment rule: matching pool leads go round-robin to its users.")
class LeadAssignmentRule(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Label for admins.")
    position: int = strawberry.field(
        description="Rules are tried in ascending position; the first match wins."
    )
    source: str | None = strawberry.field(description="Only leads from this source; null: any source.")
    region: str | None = strawberry.field(
        description="Only leads whose region or country equals this (case-insensitive); null: anywhere."
    )
    version: int = strawberry.field(description="Pass to updates.")
    user_ids: strawberry.Private[list[uuid.UUID]]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LeadAssignmentRule | None]:
        """Rules of the tenant, for members who may read leads (as `leadAssignmentRules`)."""
        session, actor = await info.context.session(), info.context.actor

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, LeadAssignmentRule]:
            rules = await assignment.rules_by_id(session, actor, ids)
            users = await assignment.rule_users(session, [rule.id for rule in rules], actor.tenant_id)
            return {rule.id: cls.from_model(rule, users[rule.id]) for rule in rules}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_model(
        cls, rule: lead_models.LeadAssignmentRule, user_ids: list[uuid.UUID]
    ) -> LeadAssignmentRule:
        return cls(
            id=str(rule.id),
            name=rule.name,
            position=rule.position,
            source=rule.source,
            region=rule.region,
            version=rule.version,
            user_ids=user_ids,
        )

    @strawberry.field(description="Who gets the leads, in turn (inactive members are skipped).")
    async def users(self, info: Info) -> list[User]:
        found = await info.context.loader("users_by_id", users_by_id).load_many(self.user_ids)
        return [user for user in found if user is not None]
