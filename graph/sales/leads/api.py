"""Lead queries and mutations. Resolvers parse input, call the service, and shape the payload."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry
from strawberry import relay

from graph.admin.lists import custom_page, used_filters, used_orders
from graph.core.context import Info
from graph.core.errors import mutation_payload, user_errors
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_id, decode_optional_id
from graph.core.pagination import Connection, connection_of
from graph.crm.inputs import given_values
from graph.crm.types import Account, Contact
from graph.sales.leads import assignment, conversion, duplicates, intake, leads, loaders, pool
from graph.sales.leads.inputs import (
    LEAD_FILTER_FIELDS,
    LEAD_ORDER_FIELDS,
    AssignPoolLeadsPayload,
    ConvertLeadInput,
    ConvertLeadOpportunityInput,
    ConvertLeadPayload,
    CreateLeadAssignmentRuleInput,
    CreateLeadInput,
    CreateLeadPayload,
    LeadAssignmentRulePayload,
    LeadFilter,
    LeadOrder,
    LeadPayload,
    LeadSettingsPayload,
    UpdateLeadAssignmentRuleInput,
    UpdateLeadInput,
    UpdateLeadSettingsInput,
    lead_conditions,
    lead_ordering,
)
from graph.sales.leads.models import LEAD
from graph.sales.leads.models import Lead as LeadRow
from graph.sales.leads.models import LeadAssignmentRule as RuleRow
from graph.sales.leads.types import Lead, LeadAssignmentRule, LeadDuplicate, LeadSettings, LeadStatus
from graph.sales.pipeline.inputs import given_values as pipeline_given_values
from graph.sales.pipeline.types import Opportunity
from tenants.errors import DomainError
from tenants.fields.query import refuse_hidden_filters
from tenants.permissions import Action

T = TypeVar("T")

LeadId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a Lead.")]
RuleId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of a LeadAssignmentRule.")]
Input = Annotated[T, strawberry.argument(description="The values; see the input type for limits.")]
Version = Annotated[
    int, strawberry.argument(description="The `version` you last read; a stale one is a CONFLICT.")
]


def settings_type(row: object) -> LeadSettings:
    return LeadSettings(max_open_leads_per_rep=row.max_open_leads_per_rep, version=row.version)  # type: ignore[attr-defined]


async def rule_types(info: Info, rules: list[RuleRow]) -> list[LeadAssignmentRule]:
    session, actor = await info.context.session(), info.context.actor
    users = await assignment.rule_users(session, [rule.id for rule in rules], actor.tenant_id)
    return [LeadAssignmentRule.from_model(rule, users[rule.id]) for rule in rules]


@strawberry.type
class LeadsQuery:
    @strawberry.field(description="Leads you may see: those in your record scope plus every pool lead.")
    async def leads(
        self,
        info: Info,
        filter: Annotated[LeadFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            list[LeadOrder] | None, strawberry.argument(description="Sort keys; default CREATED_AT ASC.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Lead]:
        actor = info.context.actor
        refuse_hidden_filters(actor, LEAD, used_filters(filter, LEAD_FILTER_FIELDS))
        refuse_hidden_filters(actor, LEAD, used_orders(order_by, LEAD_ORDER_FIELDS), "orderBy")
        statement = leads.visible_leads(actor).where(*lead_conditions(filter))
        return await custom_page(
            info,
            LEAD,
            LeadRow,
            statement,
            filter,
            order_by,
            lead_ordering,
            Lead.from_model,
            first,
            after,
            before,
            last,
        )

    @strawberry.field(description="One lead; null if missing or not yours to see.")
    async def lead(self, info: Info, id: LeadId) -> Lead | None:
        try:
            lead_id = decode_id(id, "Lead")
        except DomainError:
            return None
        record = await info.context.loader("leads_by_id", loaders.leads_by_id).load(lead_id)
        return Lead.from_model(record) if record else None

    @strawberry.field(
        description="Leads, contacts and accounts you may see that look like this lead's party."
    )
    async def lead_duplicates(
        self,
        info: Info,
        id: LeadId,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LeadDuplicate]:
        session, actor = await info.context.session(), info.context.actor
        found = await duplicates.lead_duplicates(session, actor, decode_id(id, "Lead"))
        matches = [LeadDuplicate.from_duplicate(duplicate) for duplicate in found]
        return connection_of(matches, LeadDuplicate.record_id, first, after, last, before)

    @strawberry.field(description="The tenant's lead pool settings (defaults until changed).")
    async def lead_settings(self, info: Info) -> LeadSettings:
        actor = info.context.actor
        actor.require(LEAD, Action.READ)
        return settings_type(await pool.lead_settings(await info.context.session(), actor.tenant_id))

    @strawberry.field(description="Automatic assignment rules, in the order they are tried.")
    async def lead_assignment_rules(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[LeadAssignmentRule]:
        rules = await assignment.list_rules(await info.context.session(), info.context.actor)
        found = await rule_types(info, rules)
        return connection_of(found, lambda rule: rule.id, first, after, last, before)


@strawberry.type
class LeadsMutation:
    @strawberry.mutation(
        description="Create a lead, listing possible duplicates; without an owner the assignment rules run."
    )
    @mutation_payload(CreateLeadPayload)
    async def create_lead(self, info: Info, input: Input[CreateLeadInput]) -> CreateLeadPayload:
        session, actor = await info.context.session(), info.context.actor
        values = given_values(input)
        reject = bool(values.pop("reject_duplicates", False))
        try:
            lead, found = await intake.create_lead(session, actor, values, reject)
        except intake.DuplicatesFound as rejected:
            # Nothing was written: the duplicates are looked for before the insert.
            matches = [LeadDuplicate.from_duplicate(d) for d in rejected.duplicates]
            return CreateLeadPayload(duplicates=matches, errors=user_errors(rejected))
        matches = [LeadDuplicate.from_duplicate(d) for d in found]
        return CreateLeadPayload(lead=Lead.from_model(lead), duplicates=matches)

    @strawberry.mutation(description="Change the given fields of a lead (not of a converted one).")
    @mutation_payload(LeadPayload)
    async def update_lead(
        self, info: Info, id: LeadId, version: Version, input: Input[UpdateLeadInput]
    ) -> LeadPayload:
        session, actor = await info.context.session(), info.context.actor
        lead = await leads.update_lead(session, actor, decode_id(id, "Lead"), version, given_values(input))
        return LeadPayload(lead=Lead.from_model(lead))

    @strawberry.mutation(
        description="Move a lead to another status; DISQUALIFIED needs a reason; convertLead converts."
    )
    @mutation_payload(LeadPayload)
    async def change_lead_status(
        self,
        info: Info,
        id: LeadId,
        version: Version,
        status: Annotated[LeadStatus, strawberry.argument(description="The new status.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why (required for DISQUALIFIED, max 500).")
        ] = None,
    ) -> LeadPayload:
        session, actor = await info.context.session(), info.context.actor
        lead = await leads.change_lead_status(
            session, actor, decode_id(id, "Lead"), version, status.value, reason
        )
        return LeadPayload(lead=Lead.from_model(lead))

    @strawberry.mutation(description="Take a lead from the pool (LIMIT_REACHED at your open-lead cap).")
    @mutation_payload(LeadPayload)
    async def claim_lead(self, info: Info, id: LeadId) -> LeadPayload:
        session, actor = await info.context.session(), info.context.actor
        lead = await pool.claim_lead(session, actor, decode_id(id, "Lead"))
        return LeadPayload(lead=Lead.from_model(lead))

    @strawberry.mutation(description="Give a lead you own (or manage) back to the pool.")
    @mutation_payload(LeadPayload)
    async def release_lead(self, info: Info, id: LeadId) -> LeadPayload:
        session, actor = await info.context.session(), info.context.actor
        lead = await pool.release_lead(session, actor, decode_id(id, "Lead"))
        return LeadPayload(lead=Lead.from_model(lead))

    @strawberry.mutation(description="Managers: give a lead to a member (within your team for team scope).")
    @mutation_payload(LeadPayload)
    async def assign_lead(
        self,
        info: Info,
        lead_id: LeadId,
        user_id: Annotated[relay.GlobalID, strawberry.argument(description="Global id of the User.")],
    ) -> LeadPayload:
        session, actor = await info.context.session(), info.context.actor
        lead = await pool.assign_lead(
            session, actor, decode_id(lead_id, "Lead", "leadId"), decode_id(user_id, "User", "userId")
        )
        return LeadPayload(lead=Lead.from_model(lead))

    @strawberry.mutation(description="Managers: run the assignment rules over open pool leads, oldest first.")
    @mutation_payload(AssignPoolLeadsPayload)
    async def assign_pool_leads(
        self,
        info: Info,
        limit: Annotated[int, strawberry.argument(description="At most this many leads (1-500).")] = 100,
    ) -> AssignPoolLeadsPayload:
        session, actor = await info.context.session(), info.context.actor
        assigned = await assignment.assign_pool_leads(session, actor, limit)
        return AssignPoolLeadsPayload(leads=[Lead.from_model(lead) for lead in assigned])

    @strawberry.mutation(
        description="Merge duplicates into a survivor: empty fields filled, notes appended, duplicates "
        "disqualified as 'duplicate' and linked to the survivor. All or nothing."
    )
    @mutation_payload(LeadPayload)
    async def merge_leads(
        self,
        info: Info,
        survivor_id: Annotated[relay.GlobalID, strawberry.argument(description="The Lead to keep.")],
        duplicate_ids: Annotated[
            list[relay.GlobalID], strawberry.argument(description="Leads to merge into it (1-20).")
        ],
        version: Version,
    ) -> LeadPayload:
        session, actor = await info.context.session(), info.context.actor
        survivor = await duplicates.merge_leads(
            session,
            actor,
            decode_id(survivor_id, "Lead", "survivorId"),
            [decode_id(item, "Lead", "duplicateIds") for item in duplicate_ids],
            version,
        )
        return LeadPayload(lead=Lead.from_model(survivor))

    @strawberry.mutation(
        description="Convert a lead in one transaction: create or link an account and a contact, link them, "
        "and mark the lead CONVERTED. Refused for converted or disqualified leads."
    )
    @mutation_payload(ConvertLeadPayload)
    async def convert_lead(
        self,
        info: Info,
        id: LeadId,
        version: Version,
        input: Annotated[
            ConvertLeadInput | None, strawberry.argument(description="Existing records to link, if any.")
        ] = None,
    ) -> ConvertLeadPayload:
        session, actor = await info.context.session(), info.context.actor
        given = input or ConvertLeadInput()
        converted = await conversion.convert_lead(
            session,
            actor,
            decode_id(id, "Lead"),
            version,
            decode_optional_id(given.account_id, "Account", "accountId"),
            decode_optional_id(given.contact_id, "Contact", "contactId"),
            opportunity_values(given.create_opportunity),
        )
        return ConvertLeadPayload(
            lead=Lead.from_model(converted.lead),
            account=Account.from_model(converted.account),
            contact=Contact.from_model(converted.contact),
            opportunity=Opportunity.from_model(converted.opportunity) if converted.opportunity else None,
        )

    @strawberry.mutation(description="Change the lead pool settings (needs the manage_settings capability).")
    @mutation_payload(LeadSettingsPayload)
    async def update_lead_settings(
        self, info: Info, version: Version, input: Input[UpdateLeadSettingsInput]
    ) -> LeadSettingsPayload:
        session, actor = await info.context.session(), info.context.actor
        settings = await pool.update_lead_settings(session, actor, version, given_values(input))
        return LeadSettingsPayload(settings=settings_type(settings))

    @strawberry.mutation(description="Add an assignment rule (needs manage_settings). A rule needs users.")
    @mutation_payload(LeadAssignmentRulePayload)
    async def create_lead_assignment_rule(
        self, info: Info, input: Input[CreateLeadAssignmentRuleInput]
    ) -> LeadAssignmentRulePayload:
        session, actor = await info.context.session(), info.context.actor
        rule = await assignment.create_rule(session, actor, rule_values(input))
        return LeadAssignmentRulePayload(rule=(await rule_types(info, [rule]))[0])

    @strawberry.mutation(description="Change an assignment rule (needs manage_settings).")
    @mutation_payload(LeadAssignmentRulePayload)
    async def update_lead_assignment_rule(
        self, info: Info, id: RuleId, version: Version, input: Input[UpdateLeadAssignmentRuleInput]
    ) -> LeadAssignmentRulePayload:
        session, actor = await info.context.session(), info.context.actor
        rule_id = decode_id(id, "LeadAssignmentRule")
        rule = await assignment.update_rule(session, actor, rule_id, version, rule_values(input))
        return LeadAssignmentRulePayload(rule=(await rule_types(info, [rule]))[0])

    @strawberry.mutation(description="Delete an assignment rule (needs manage_settings).")
    @mutation_payload(LeadAssignmentRulePayload)
    async def delete_lead_assignment_rule(self, info: Info, id: RuleId) -> LeadAssignmentRulePayload:
        session, actor = await info.context.session(), info.context.actor
        rule = await assignment.delete_rule(session, actor, decode_id(id, "LeadAssignmentRule"))
        return LeadAssignmentRulePayload(rule=LeadAssignmentRule.from_model(rule, []))


def opportunity_values(given: ConvertLeadOpportunityInput | None) -> dict[str, object] | None:
    if given is None:
        return None
    try:
        values = pipeline_given_values(given)
    except DomainError as error:
        raise conversion.under_opportunity(error) from None
    values["contact_role"] = given.contact_role.value
    return values


def rule_values(input: CreateLeadAssignmentRuleInput | UpdateLeadAssignmentRuleInput) -> dict[str, object]:
    values = given_values(input)
    if values.get("user_ids") is not None:
        values["user_ids"] = [decode_id(item, "User", "userIds") for item in values["user_ids"]]
    return values
