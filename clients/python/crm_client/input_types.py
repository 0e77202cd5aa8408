from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel, Upload
from .enums import (
    AccountOrderField,
    ActivityKind,
    ActivityOrderField,
    ApprovalRule,
    ArticleAudience,
    ArticleStatus,
    BuyingRole,
    CalendarItemKind,
    CampaignOrderField,
    CampaignStatus,
    CapabilityName,
    ChangeKind,
    CommerceOrderField,
    ContactOrderField,
    ContractStatus,
    CustomFieldType,
    DefectSeverity,
    DeliveryStatus,
    DocumentLinkRole,
    DocumentOrderField,
    DuplicateMode,
    ExpenseCategory,
    ExpenseStatus,
    ExportFormat,
    FeedbackKind,
    FeedbackOrderField,
    FeedbackStatus,
    FieldAccessRule,
    InvoiceKind,
    InvoiceStatus,
    KbArticleOrderField,
    LeadOrderField,
    LeadStatus,
    LeaveStatus,
    LoginOutcome,
    MessageVisibility,
    MfaRequirement,
    NameOrder,
    OpportunityOrderField,
    OpportunityStatus,
    OrderDirection,
    PaymentMethod,
    PlanItemStatus,
    ProjectOrderField,
    ProjectStatus,
    QuoteStatus,
    RecordScope,
    ReturnResolution,
    RiskOrderField,
    RiskResponse,
    RiskStatus,
    RoleAction,
    SalesOrderStatus,
    StageKind,
    SurveySetting,
    TargetLevel,
    TargetMetric,
    TargetPeriod,
    TaskOrderField,
    TaskPriority,
    TaskStatus,
    TicketKind,
    TicketOrderField,
    TicketPriority,
    TicketQueue,
    TicketStatus,
    WorkReportPeriod,
)


class AcceptInviteInput(BaseModel):
    """An invitation token and, signed out, the new account's details."""

    token: str
    "The invitation token from the mail (or inviteUser in development)."
    password: Optional[str] = None
    "Signed out: the new account's password (at least 10 characters). Never your existing password: existing users accept signed in, and this is then ignored."
    full_name: Optional[str] = Field(alias="fullName", default=None)
    "Signed out: the new account's name (required). Ignored when signed in."


class AcceptQuoteInput(BaseModel):
    """The contract terms set when accepting a quote."""

    start_date: Optional[Any] = Field(alias="startDate", default=None)
    "Default today."
    end_date: Optional[Any] = Field(alias="endDate", default=None)
    "Not before the start date."
    signatory_contact_id: Optional[str] = Field(
        alias="signatoryContactId", default=None
    )
    "A Contact."
    terms: Optional[str] = None
    "Default: the quote's terms."
    custom: Optional[Any] = None
    "The contract's custom values by field key; see fieldDefinitions(contract)."


class AccountFilter(BaseModel):
    """Account filters; all given conditions must hold."""

    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owned by this User."
    tag: Optional[str] = None
    "Carries this tag (exact match)."
    search: Optional[str] = None
    "Case-insensitive substring of the name or domain (max 200 characters)."
    parent_id: Optional[str] = Field(alias="parentId", default=None)
    "Direct children of this Account."
    created_after: Optional[Any] = Field(alias="createdAfter", default=None)
    "Created at or after."
    created_before: Optional[Any] = Field(alias="createdBefore", default=None)
    "Created before."
    updated_after: Optional[Any] = Field(alias="updatedAfter", default=None)
    "Updated at or after."
    updated_before: Optional[Any] = Field(alias="updatedBefore", default=None)
    "Updated before."
    deleted: Optional[bool] = False
    "false (default): live accounts; true: only soft-deleted ones, to restore."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class AccountOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[AccountOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class ActivityFilter(BaseModel):
    """Activity filters; all given conditions must hold."""

    account_id: Optional[str] = Field(alias="accountId", default=None)
    "On this Account."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "With this Contact."
    author_id: Optional[str] = Field(alias="authorId", default=None)
    "Written by this User."
    kind: Optional[ActivityKind] = None
    "Only this kind."
    done: Optional[bool] = None
    "Only done (true) or open (false) ones."
    due_before: Optional[Any] = Field(alias="dueBefore", default=None)
    "Tasks due before this time."
    created_after: Optional[Any] = Field(alias="createdAfter", default=None)
    "Created at or after."
    created_before: Optional[Any] = Field(alias="createdBefore", default=None)
    "Created before."
    updated_after: Optional[Any] = Field(alias="updatedAfter", default=None)
    "Updated at or after."
    updated_before: Optional[Any] = Field(alias="updatedBefore", default=None)
    "Updated before."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class ActivityOrder(BaseModel):
    """One sort key; the id is always added last."""

    field: Optional[ActivityOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.DESC
    "ASC or DESC."


class AddCampaignCostInput(BaseModel):
    """An actual cost of a campaign, in the campaign's currency."""

    campaign_id: str = Field(alias="campaignId")
    "The Campaign."
    description: str
    "What was paid for (max 200)."
    amount: Any
    "Above zero, at most the currency's minor digits."
    incurred_on: Optional[Any] = Field(alias="incurredOn", default=None)
    "The day it arose; default today."


class AddMaterialLineInput(BaseModel):
    """Material a project needs, in the project's currency."""

    project_id: str = Field(alias="projectId")
    "The Project (open)."
    name: str
    "1-200 characters."
    quantity: Any
    "Greater than zero, up to 3 decimals."
    unit: str
    "1-20 characters (pcs, m, kg...)."
    unit_price: Any = Field(alias="unitPrice")
    "Not negative, the currency's minor digits at most."
    supplier: Optional[str] = None
    "Max 200 characters."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class AddOptionInput(BaseModel):
    """A new option at the end of the list (or at `position`)."""

    list_key: str = Field(alias="listKey")
    "The option list, e.g. lead_sources."
    key: str
    "1-50 lowercase letters, digits, underscores; never changes."
    label: str
    "1-100 characters."
    position: Optional[int] = None
    "Where to insert; left out: at the end."


class AddPipelineStageInput(BaseModel):
    """A stage to add to a pipeline."""

    name: str
    "Display name, 1-100 characters, unique in the pipeline."
    probability: int
    "Default win probability in percent, 0-100."
    kind: StageKind = StageKind.OPEN
    "OPEN, WON or LOST."
    position: Optional[int] = None
    "0-based place among the live stages; default: last."


class AddTaskCommentInput(BaseModel):
    """A comment on a task."""

    task_id: str = Field(alias="taskId")
    "The Task."
    body: str
    "Text (1-10,000 characters)."
    mentions: list[str] = Field(default_factory=lambda: [])
    "Users mentioned (active members of the tenant, at most 20)."


class AddTicketMessageInput(BaseModel):
    """An internal note or a customer-visible reply."""

    ticket_id: str = Field(alias="ticketId")
    "The Ticket."
    visibility: MessageVisibility
    "INTERNAL or PUBLIC; the first PUBLIC reply is the first response."
    body: str
    "1-50,000 characters."


class AddressInput(BaseModel):
    """A postal address; in updates only the parts you send change."""

    street: Optional[str] = None
    "Street and number (max 200)."
    city: Optional[str] = None
    "City (max 100)."
    region: Optional[str] = None
    "State or region (max 100)."
    postal_code: Optional[str] = Field(alias="postalCode", default=None)
    "Postal code (max 20)."
    country: Optional[str] = None
    "Country (max 100)."


class AllocateMemberInput(BaseModel):
    """A project member's hours on the project in one week."""

    project_id: str = Field(alias="projectId")
    "The Project (open, and yours to change)."
    user_id: str = Field(alias="userId")
    "The User (a member of the project)."
    week_start: Any = Field(alias="weekStart")
    "The Monday that starts the week."
    hours: Any
    "0-168 hours that week; 0 removes the allocation."


class AnswerSurveyInput(BaseModel):
    """A customer's answer through the survey link."""

    token: str
    "The token of the survey link."
    score: int
    "CSAT 1-5 or NPS 0-10, as the survey's kind says."
    comment: Optional[str] = None
    "Free answer (max 5,000 characters)."


class ApprovalChainFilter(BaseModel):
    """Conditions on approval chains."""

    subject_type: Optional[str] = Field(alias="subjectType", default=None)
    "Only chains for this subject, e.g. change_request."


class ApprovalStepInput(BaseModel):
    """One step: users and/or a role, and whether all or any must approve."""

    name: str
    "E.g. 'Project office' (1-200 characters)."
    rule: ApprovalRule
    "ALL or ANY."
    user_ids: list[str] = Field(alias="userIds", default_factory=lambda: [])
    "Approvers (Users)."
    role_key: Optional[str] = Field(alias="roleKey", default=None)
    "Members holding this role approve."


class AttendanceFilter(BaseModel):
    """Conditions on attendance records."""

    user_id: Optional[str] = Field(alias="userId", default=None)
    "Only this member's."
    month: Optional[str] = None
    "Only this month, as YYYY-MM."


class AuditLogFilter(BaseModel):
    """All conditions must hold."""

    object_type: Optional[str] = Field(alias="objectType", default=None)
    "E.g. account."
    object_id: Optional[str] = Field(alias="objectId", default=None)
    "Global id of the object."
    actor_id: Optional[str] = Field(alias="actorId", default=None)
    "Global id of a User."
    action: Optional[str] = None
    "Only this action, e.g. account.update."
    after: Optional[Any] = None
    "Only entries at or after this time."
    before: Optional[Any] = None
    "Only entries before this time."


class CalendarItemFilter(BaseModel):
    """Conditions on calendar items."""

    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Only this member's items."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Only items about it."
    kind: Optional[CalendarItemKind] = None
    "Only this kind."
    team_id: Optional[str] = Field(alias="teamId", default=None)
    "Only items shared with it."


class CampaignFilter(BaseModel):
    """Campaign filters; all given conditions must hold."""

    statuses: Optional[list[CampaignStatus]] = None
    "Any of these."
    channel: Optional[str] = None
    "This channel key."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owned by this User."
    search: Optional[str] = None
    "Case-insensitive substring of the name (max 200 characters)."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class CampaignOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[CampaignOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class ChangePasswordInput(BaseModel):
    """Your current password and the new one."""

    current_password: str = Field(alias="currentPassword")
    "Your password now."
    new_password: str = Field(alias="newPassword")
    "The new password (at least 10 characters)."


class CheckInInput(BaseModel):
    """How the invitee is recognised: give exactly one of code, qrPayload, invitationId."""

    campaign_id: str = Field(alias="campaignId")
    "The Campaign whose event it is."
    code: Optional[str] = None
    "The invitee's check-in code."
    qr_payload: Optional[str] = Field(alias="qrPayload", default=None)
    "What the invitee's QR code holds."
    invitation_id: Optional[str] = Field(alias="invitationId", default=None)
    "The CampaignInvitation a staff member picked from the board."


class CloseOutProjectInput(BaseModel):
    """How the project ended."""

    summary: str
    "1-20,000 characters."
    satisfaction: Optional[int] = None
    "The customer's satisfaction as the manager heard it, 1-5; the customer's own answer to the closeout survey (sendCloseoutSurvey) replaces it once given."
    satisfaction_comment: Optional[str] = Field(
        alias="satisfactionComment", default=None
    )
    "What the customer said (max 2,000)."
    lessons: Optional[list["LessonInput"]] = None
    "Lessons learned (at most 20)."


class ColumnMappingInput(BaseModel):
    """One file column and the field it fills."""

    column: str
    "The column's header as in the file (1-200 characters)."
    field: str
    "A built-in field (accounts: name, domain, industry, tags, street, city, region, postalCode, country, notes, owner; contacts: firstName, lastName, emails, phones, birthday, tags, notes, owner) or custom.<key>. Lists take values separated by ';'; owner takes a member's email; dates YYYY-MM-DD."


class CommerceOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[CommerceOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class CompetitorFilter(BaseModel):
    """Conditions on competitors."""

    include_archived: bool = Field(alias="includeArchived", default=False)
    "Archived ones too."


class ConfirmMfaInput(BaseModel):
    """A code from your authenticator app (and the enrolment challenge in a login)."""

    code: str
    "The 6-digit code your authenticator shows now."
    challenge: Optional[str] = None
    "The login's ENROL challenge, when not signed in; the login then completes."


class ContactFilter(BaseModel):
    """Contact filters; all given conditions must hold."""

    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owned by this User."
    tag: Optional[str] = None
    "Carries this tag (exact match)."
    search: Optional[str] = None
    "Case-insensitive substring of the names or email addresses."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Linked to this Account."
    created_after: Optional[Any] = Field(alias="createdAfter", default=None)
    "Created at or after."
    created_before: Optional[Any] = Field(alias="createdBefore", default=None)
    "Created before."
    updated_after: Optional[Any] = Field(alias="updatedAfter", default=None)
    "Updated at or after."
    updated_before: Optional[Any] = Field(alias="updatedBefore", default=None)
    "Updated before."
    deleted: Optional[bool] = False
    "false (default): live contacts; true: only soft-deleted ones, to restore."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class ContactOrder(BaseModel):
    """One sort key; NAME sorts by last name, then first name."""

    field: Optional[ContactOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class ContractFilter(BaseModel):
    """Contract conditions; all given ones must hold."""

    status: Optional[ContractStatus] = None
    "In this status."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "For this Account."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class ConvertLeadInput(BaseModel):
    """How to convert a lead; without ids a new account and contact are created."""

    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Link this existing Account instead of creating one from the company."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "Link this existing Contact instead of creating one from the person."
    create_opportunity: Optional["ConvertLeadOpportunityInput"] = Field(
        alias="createOpportunity", default=None
    )
    "Also open an opportunity (pipeline rules apply); omit for none."


class ConvertLeadOpportunityInput(BaseModel):
    """The opportunity a conversion opens on the account, with the contact as primary."""

    name: Optional[str] = None
    "What is being sold (1-200); default: the account's name."
    pipeline_id: Optional[str] = Field(alias="pipelineId", default=None)
    "The Pipeline; default: the tenant's default pipeline."
    stage_id: Optional[str] = Field(alias="stageId", default=None)
    "An OPEN stage of that pipeline; default: its first open stage."
    amount: Optional[Any] = None
    "Deal value, 0 or more (default 0)."
    currency: Optional[str] = None
    "ISO 4217 code; default: base currency."
    expected_close_on: Optional[Any] = Field(alias="expectedCloseOn", default=None)
    "Expected close date."
    next_step: Optional[str] = Field(alias="nextStep", default=None)
    "Next step (max 500)."
    contact_role: BuyingRole = Field(
        alias="contactRole", default=BuyingRole.DECISION_MAKER
    )
    "The contact's buying role on the opportunity."


class CreateAccountInput(BaseModel):
    """A new account. The owner defaults to you."""

    name: str
    "Display name, 1-200 characters."
    domain: Optional[str] = None
    "Web domain, e.g. example.com."
    industry: Optional[str] = None
    "Industry (max 100)."
    parent_id: Optional[str] = Field(alias="parentId", default=None)
    "Parent Account."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User; must be an active member. Defaults to you."
    tags: Optional[list[str]] = None
    "At most 20 tags of 50 characters."
    address: Optional["AddressInput"] = None
    "Postal address."
    notes: Optional[str] = None
    "Notes (max 10,000 characters)."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateActivityInput(BaseModel):
    """A new activity on an account, a contact, or both (at least one)."""

    kind: ActivityKind
    "CALL, EMAIL, MEETING, NOTE or TASK."
    subject: str
    "One-line summary, 1-300 characters."
    body: Optional[str] = None
    "Details (max 20,000 characters)."
    occurred_at: Optional[Any] = Field(alias="occurredAt", default=None)
    "When it happened (done) or is planned for; defaults to now. A done activity may be dated at most 5 minutes ahead (INVALID otherwise)."
    due_at: Optional[Any] = Field(alias="dueAt", default=None)
    "Due date (tasks only)."
    done: Optional[bool] = None
    "Done (it happened; counts as contact) or planned (a follow-up). Left out: done when dated now or earlier, planned when dated ahead; tasks start planned."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "The Account."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "The Contact."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateApiKeyInput(BaseModel):
    """A new API key."""

    name: str
    "A label to recognise the key by (1-200 characters)."
    role_key: str = Field(alias="roleKey")
    "The role the key acts with, e.g. viewer; you must hold every right it grants."
    expires_at: Optional[Any] = Field(alias="expiresAt", default=None)
    "When the key stops working: in the future, at most 365 days ahead."
    scopes: Optional[list[str]] = None
    "Narrow the key to these scopes (at most 50): `<object type>:read`, `<object type>:write` (read and write), `*:read`, `*:write`, `capability:<name>`; each must be granted by the role. Leave out for everything the role grants."


class CreateCalendarItemInput(BaseModel):
    """A new calendar item in your calendar."""

    kind: CalendarItemKind
    "Meeting, call, visit, task or other."
    title: str
    "1-300 characters."
    starts_at: Any = Field(alias="startsAt")
    "Start (of the first occurrence)."
    ends_at: Any = Field(alias="endsAt")
    "End; not before the start."
    all_day: Optional[bool] = Field(alias="allDay", default=None)
    "All day (default false)."
    description: Optional[str] = None
    "At most 20,000 characters."
    location: Optional[str] = None
    "At most 300 characters."
    recurrence: Optional[str] = None
    "RRULE with FREQ DAILY, WEEKLY, MONTHLY or YEARLY; at most 500 characters."
    time_zone: Optional[str] = Field(alias="timeZone", default=None)
    "IANA time zone the recurrence is expanded in (default: your notification preferences' time zone, else UTC)."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "An Account you can see."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "A Contact you can see."
    team_id: Optional[str] = Field(alias="teamId", default=None)
    "Share with a Team (yours; any with all-items scope): its members see it."
    purpose: Optional[str] = None
    "Visits: what it is for."


class CreateCampaignInput(BaseModel):
    """A new campaign; it starts PLANNED, owned by you unless ownerId is given."""

    name: str
    "Name (max 200)."
    channel: str
    "Key of the tenant's `campaign_channels` list: email, sms, event, exhibition, ..."
    goal: Optional[str] = None
    "What it should achieve (max 2,000)."
    plan: Optional[str] = None
    "How it will be run (max 10,000)."
    starts_on: Optional[Any] = Field(alias="startsOn", default=None)
    "First day."
    ends_on: Optional[Any] = Field(alias="endsOn", default=None)
    "Last day (not before startsOn)."
    currency: Optional[str] = None
    "ISO 4217 code of budget and costs; default: the tenant's base currency."
    budget: Optional[Any] = None
    "Planned spend, 0 or more, at most the currency's minor digits."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Responsible User (an active member); default: you."
    segment_id: Optional[str] = Field(alias="segmentId", default=None)
    "The Segment it targets (its invitation list), one you may see."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateChangeRequestInput(BaseModel):
    """A change request (a draft until submitted)."""

    project_id: str = Field(alias="projectId")
    "The Project."
    title: str
    "1-300 characters."
    kind: ChangeKind
    "SCOPE, SCHEDULE or BUDGET."
    reason: str
    "Why (1-10,000 characters)."
    description: Optional[str] = None
    "What exactly changes."
    cost_impact: Optional[Any] = Field(alias="costImpact", default=None)
    "Budget change (may be negative); required for BUDGET."
    new_planned_end: Optional[Any] = Field(alias="newPlannedEnd", default=None)
    "New planned end; required for SCHEDULE."
    apply_on_approval: Optional[bool] = Field(alias="applyOnApproval", default=None)
    "Apply to the project on final approval (default true)."


class CreateCompetitorInput(BaseModel):
    """A new competitor."""

    name: str
    "Name, 1-200 characters, unique among live competitors."
    strengths: Optional[str] = None
    "What they do well (max 5,000)."
    weaknesses: Optional[str] = None
    "Where they are weak (max 5,000)."


class CreateCompetitorProductInput(BaseModel):
    """A new competing product."""

    competitor_id: str = Field(alias="competitorId")
    "The Competitor (not archived)."
    name: str
    "Name (max 200)."
    strengths: Optional[str] = None
    "What it does well (max 5,000)."
    weaknesses: Optional[str] = None
    "Where it is weak (max 5,000)."
    price_note: Optional[str] = Field(alias="priceNote", default=None)
    "What it costs (max 500)."


class CreateContactInput(BaseModel):
    """A new contact. The owner defaults to you."""

    first_name: str = Field(alias="firstName")
    "Given name, 1-100 characters."
    last_name: str = Field(alias="lastName")
    "Family name, 1-100 characters."
    name_order: Optional[NameOrder] = Field(alias="nameOrder", default=None)
    "How fullName orders the names; left out or null: guessed (CJK family name first)."
    emails: Optional[list[str]] = None
    "Valid addresses, at most 10."
    phones: Optional[list[str]] = None
    "Phone numbers, at most 10."
    birthday: Optional[Any] = None
    "Date of birth, not in the future."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User."
    tags: Optional[list[str]] = None
    "At most 20 tags."
    notes: Optional[str] = None
    "Notes (max 10,000 characters)."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateExpenseClaimInput(BaseModel):
    """A new expense claim (a draft until submitted)."""

    category: ExpenseCategory
    "What it was spent on."
    amount: Any
    "Above 0, at most 1,000,000, the currency's decimals."
    currency: str
    "ISO 4217 code, e.g. EUR."
    incurred_on: Any = Field(alias="incurredOn")
    "The day it was spent; not in the future."
    description: Optional[str] = None
    "At most 2,000 characters."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "An Account you can see."
    project_id: Optional[str] = Field(alias="projectId", default=None)
    "A Project you can see."
    campaign_id: Optional[str] = Field(alias="campaignId", default=None)
    "A Campaign you can see; the claim is then in its currency."


class CreateFeedbackInput(BaseModel):
    """Feedback from a customer; it starts NEW, owned by you unless you say."""

    kind: FeedbackKind
    "SUGGESTION or PRAISE."
    title: str
    "1-300 characters."
    body: Optional[str] = None
    "The customer's words (max 20,000)."
    tags: Optional[list[str]] = None
    "At most 20 tags of 50 characters."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "The Account, one you may see."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "The Contact, one you may see."
    product_id: Optional[str] = Field(alias="productId", default=None)
    "The Product it is about."
    ticket_id: Optional[str] = Field(alias="ticketId", default=None)
    "The Ticket it came from."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "An active member; default you."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateFieldDefinitionInput(BaseModel):
    """A new custom field."""

    object_type: str = Field(alias="objectType")
    "account, contact, activity, ..."
    key: str
    "Stable key: a-z, 0-9 and _, starting with a letter, max 63."
    label: str
    "Form label, max 100 characters."
    type_: CustomFieldType = Field(alias="type")
    "The value type."
    description: Optional[str] = None
    "Help text for the field."
    required: bool = False
    "Every record must have a value."
    default: Optional[Any] = None
    "Validated like a value."
    validation: Optional["FieldValidationInput"] = None
    "Rules values must follow (those of the type)."
    unique: bool = False
    "Unique within the tenant."
    position: int = 0
    "Form order, ascending."
    searchable: bool = False
    "Matched by the list's `search` filter."
    filterable: bool = False
    "Allow filters and ordering on it."


class CreateKbArticleInput(BaseModel):
    """A new article; it starts as a DRAFT, version 1."""

    title: str
    "1-300 characters."
    body: str
    "1-100,000 characters."
    category: Optional[str] = None
    "A kb_categories option key."
    audience: Optional[ArticleAudience] = None
    "Default INTERNAL."


class CreateLeadAssignmentRuleInput(BaseModel):
    """A new assignment rule."""

    name: str
    "Label, 1-100 characters."
    user_ids: list[str] = Field(alias="userIds")
    "Users dealt to in turn (1-200)."
    source: Optional[str] = None
    "Only this source; omit for any."
    region: Optional[str] = None
    "Only this region or country."
    position: Optional[int] = None
    "Order (0-10000); default: last."


class CreateLeadInput(BaseModel):
    """A new lead. Without an owner it goes through the assignment rules, else to the pool."""

    source: str
    "Key of the tenant's `lead_sources` list, e.g. web, phone."
    first_name: Optional[str] = Field(alias="firstName", default=None)
    "Given name (max 100)."
    last_name: Optional[str] = Field(alias="lastName", default=None)
    "Family name (max 100)."
    email: Optional[str] = None
    "Email address."
    phone: Optional[str] = None
    "Phone number (max 40, with digits)."
    title: Optional[str] = None
    "Job title (max 200)."
    company_name: Optional[str] = Field(alias="companyName", default=None)
    "Company (max 200)."
    region: Optional[str] = None
    "Region or state (max 100)."
    country: Optional[str] = None
    "Country (max 100)."
    notes: Optional[str] = None
    "Notes (max 10,000 characters)."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User: yourself, or anyone for managers. Counts against the open-lead cap."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'
    reject_duplicates: bool = Field(alias="rejectDuplicates", default=False)
    "If duplicates exist, create nothing (DUPLICATE error plus `duplicates`)."


class CreateMilestoneInput(BaseModel):
    """A new milestone of a project you manage."""

    project_id: str = Field(alias="projectId")
    "The Project."
    name: str
    "Name (1-200 characters)."
    due_date: Any = Field(alias="dueDate")
    "When it is due."


class CreateOpportunityInput(BaseModel):
    """A new opportunity. Owner defaults to you, pipeline to the default one."""

    name: str
    "What is being sold, 1-200 characters."
    account_id: str = Field(alias="accountId")
    "The Account (required, one you may see)."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User."
    pipeline_id: Optional[str] = Field(alias="pipelineId", default=None)
    "The Pipeline; default: the tenant's default pipeline."
    stage_id: Optional[str] = Field(alias="stageId", default=None)
    "An OPEN stage of that pipeline; default: its first open stage."
    amount: Optional[Any] = None
    "Deal value, 0 or more (default 0); rounded half-up to the currency."
    currency: Optional[str] = None
    "ISO 4217 code; default: the tenant's base currency."
    expected_close_on: Optional[Any] = Field(alias="expectedCloseOn", default=None)
    "Expected close date."
    probability: Optional[int] = None
    "0-100, overriding the stage's default."
    next_step: Optional[str] = Field(alias="nextStep", default=None)
    "Next step (max 500)."
    contacts: Optional[list["OpportunityContactInput"]] = None
    "Contacts with buying roles (at most 50, one primary)."
    competitor_ids: Optional[list[str]] = Field(alias="competitorIds", default=None)
    "Live Competitors in the deal (at most 20)."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"region": "emea"}; null clears one.'


class CreatePipelineInput(BaseModel):
    """A new pipeline: at least one OPEN, one WON and one LOST stage, at most 30."""

    name: str
    "Display name, 1-100 characters, unique in the tenant."
    stages: list["PipelineStageInput"]
    "The stages, in order."


class CreatePriceListInput(BaseModel):
    """A new price list."""

    name: str
    "1-200 characters."
    currency: str
    "ISO 4217 code of its prices."
    customer_type: Optional[str] = Field(alias="customerType", default=None)
    "Key in `customer_types`."
    valid_from: Optional[Any] = Field(alias="validFrom", default=None)
    "First day (inclusive)."
    valid_until: Optional[Any] = Field(alias="validUntil", default=None)
    "Last day (inclusive)."
    active: Optional[bool] = None
    "Default true."


class CreateProductInput(BaseModel):
    """A new product."""

    sku: str
    "1-64 characters, unique per tenant ignoring case."
    name: str
    "1-200 characters."
    unit: str
    "Unit of sale, 1-20 characters (piece, hour, ...)."
    list_price: Any = Field(alias="listPrice")
    ">= 0, at most four decimals."
    currency: str
    "ISO 4217 code of the list price."
    tax_rate: Optional[Any] = Field(alias="taxRate", default=None)
    "Percent 0-100 (default 0)."
    description: Optional[str] = None
    "Free text."
    product_line_id: Optional[str] = Field(alias="productLineId", default=None)
    "A ProductLine."
    active: Optional[bool] = None
    "Default true."


class CreateProductLineInput(BaseModel):
    """A new product line."""

    name: str
    "1-200 characters, unique per tenant."
    description: Optional[str] = None
    "Free text."


class CreateProjectFromTemplateInput(BaseModel):
    """A new project from a template, every date shifted to `plannedStart`."""

    template_id: str = Field(alias="templateId")
    "A ProjectTemplate's `id`."
    name: str
    "1-200 characters."
    planned_start: Any = Field(alias="plannedStart")
    "The new start; the template's dates shift to it."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "The client Account."
    opportunity_id: Optional[str] = Field(alias="opportunityId", default=None)
    "The won Opportunity."
    contract_id: Optional[str] = Field(alias="contractId", default=None)
    "The Contract."
    manager_id: Optional[str] = Field(alias="managerId", default=None)
    "The manager; default you."
    budget: Optional[Any] = None
    "Budget."
    currency: Optional[str] = None
    "ISO 4217; default the tenant's base currency."


class CreateProjectInput(BaseModel):
    """A new project; it starts PLANNED with a code from the tenant's numbering."""

    name: str
    "Name (1-200 characters)."
    description: Optional[str] = None
    "Free text (max 20,000 characters)."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "The client Account."
    opportunity_id: Optional[str] = Field(alias="opportunityId", default=None)
    "The won Opportunity this project delivers."
    contract_id: Optional[str] = Field(alias="contractId", default=None)
    "The Contract it delivers."
    manager_id: Optional[str] = Field(alias="managerId", default=None)
    "The managing member (User); defaults to you."
    planned_start: Optional[Any] = Field(alias="plannedStart", default=None)
    "Planned start date."
    planned_end: Optional[Any] = Field(alias="plannedEnd", default=None)
    "Planned end date (not before the start)."
    budget: Optional[Any] = None
    "Budget in `currency` (not negative)."
    currency: Optional[str] = None
    "ISO 4217 code; defaults to the tenant's base currency."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreatePromotionInput(BaseModel):
    """A new promotion; target a product, a product line, or neither (everything)."""

    name: str
    "1-200 characters."
    percent: Any
    "Discount percent 0-100."
    valid_from: Optional[Any] = Field(alias="validFrom", default=None)
    "First day (inclusive)."
    valid_until: Optional[Any] = Field(alias="validUntil", default=None)
    "Last day (inclusive)."
    product_id: Optional[str] = Field(alias="productId", default=None)
    "A Product."
    product_line_id: Optional[str] = Field(alias="productLineId", default=None)
    "A ProductLine."
    active: Optional[bool] = None
    "Default true."


class CreateQualityChecklistInput(BaseModel):
    """A checklist on a template or on a project (give exactly one of the two)."""

    template_id: Optional[str] = Field(alias="templateId", default=None)
    "The ProjectTemplate (copied to projects made from it)."
    project_id: Optional[str] = Field(alias="projectId", default=None)
    "The Project (open; yours to change)."
    name: str
    "1-200 characters."
    standard: Optional[str] = None
    "The quality standard it checks against (max 20,000)."
    items: list[str]
    "1-100 different items, each 1-500 characters."


class CreateQuoteInput(BaseModel):
    """A new quote (draft) for an account."""

    account_id: str = Field(alias="accountId")
    "The Account (required, must be visible to you)."
    currency: str
    "ISO 4217 code of every amount on the quote."
    opportunity_id: Optional[str] = Field(alias="opportunityId", default=None)
    "An Opportunity."
    customer_type: Optional[str] = Field(alias="customerType", default=None)
    "Key in `customer_types`."
    valid_until: Optional[Any] = Field(alias="validUntil", default=None)
    "Default: 30 days from today."
    cash_discount_percent: Optional[Any] = Field(
        alias="cashDiscountPercent", default=None
    )
    "0-100."
    terms: Optional[str] = None
    "Terms (max 10,000 characters)."
    notes: Optional[str] = None
    "Notes (max 10,000 characters)."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User; default you."
    lines: Optional[list["QuoteLineInput"]] = None
    "At most 200 lines."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateRiskInput(BaseModel):
    """A new risk; it starts OPEN."""

    project_id: str = Field(alias="projectId")
    "The Project."
    title: str
    "1-300 characters."
    description: Optional[str] = None
    "Details."
    category: Optional[str] = None
    "A key of the tenant's risk_categories option list."
    probability: int
    "1-5."
    impact: int
    "1-5."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "A project member (User); default you."
    response: Optional[RiskResponse] = None
    "Default MITIGATE."
    mitigation_plan: Optional[str] = Field(alias="mitigationPlan", default=None)
    "How it is handled."
    review_date: Optional[Any] = Field(alias="reviewDate", default=None)
    "When to look at it again."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateRoleInput(BaseModel):
    """A new custom role."""

    key: str
    "Stable key, 2-64 of a-z, 0-9, _ or -; not a built-in key."
    name: str
    "Display name (1-200 characters)."
    grants: list["RoleGrantInput"]
    "What it allows; types left out: nothing."
    capabilities: list[CapabilityName] = Field(default_factory=lambda: [])
    "Tenant-wide rights; you must hold each."


class CreateSalesOrderFromQuoteInput(BaseModel):
    """What an order made from a quote adds to it."""

    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Default: the quote's owner."
    notes: Optional[str] = None
    "Notes (max 10,000 characters)."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateSalesOrderInput(BaseModel):
    """A direct order for an account; the lines are priced as a quote's, then frozen."""

    account_id: str = Field(alias="accountId")
    "The Account (must be visible to you)."
    currency: str
    "ISO 4217 code of every amount."
    lines: list["QuoteLineInput"]
    "1 to 200 lines."
    customer_type: Optional[str] = Field(alias="customerType", default=None)
    "Key in `customer_types`."
    cash_discount_percent: Optional[Any] = Field(
        alias="cashDiscountPercent", default=None
    )
    "0-100."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User; default you."
    notes: Optional[str] = None
    "Notes (max 10,000 characters)."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateSalesReturnInput(BaseModel):
    """A return against an order's delivered lines."""

    order_id: str = Field(alias="orderId")
    "The SalesOrder."
    reason: str
    "Key in the tenant's `return_reasons` option list."
    lines: list["ReturnLineInput"]
    "The lines coming back, each once."
    resolution: Optional[ReturnResolution] = None
    "Default REFUND."
    refund_method: Optional[PaymentMethod] = Field(alias="refundMethod", default=None)
    "How a refund is paid back (default BANK_TRANSFER)."
    notes: Optional[str] = None
    "Notes (max 10,000 characters)."


class CreateSalesTargetInput(BaseModel):
    """A new target: for a rep (userId), a team (teamId) or the tenant."""

    level: TargetLevel
    "USER, TEAM or TENANT."
    period: TargetPeriod
    "MONTH, QUARTER or YEAR."
    starts_on: Any = Field(alias="startsOn")
    "The period's first day."
    metric: TargetMetric
    "What it measures."
    goal: Any
    "> 0: base-currency amount, or a whole number of customers."
    user_id: Optional[str] = Field(alias="userId", default=None)
    "The rep (USER level)."
    team_id: Optional[str] = Field(alias="teamId", default=None)
    "The Team (TEAM level)."


class CreateSegmentInput(BaseModel):
    """A new segment, owned by you."""

    name: str
    "Name (max 200)."
    filter_: "SegmentFilterInput" = Field(alias="filter")
    "Which records and which filter."
    frozen: bool = False
    "true: keep the members the filter returns for you now (a snapshot)."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateSlaPolicyInput(BaseModel):
    """A new SLA policy; one active policy per priority and customer tier."""

    name: str
    "1-200 characters."
    priority: TicketPriority
    "The priority it covers."
    customer_tier: Optional[str] = Field(alias="customerTier", default=None)
    "The tier it covers; left out or null: any tier."
    first_response_minutes: int = Field(alias="firstResponseMinutes")
    "Working minutes, 1-525,600."
    resolution_minutes: int = Field(alias="resolutionMinutes")
    "Working minutes, 1-525,600."
    at_risk_percent: Optional[int] = Field(alias="atRiskPercent", default=None)
    "1-99 (default 80)."
    escalate_to_id: Optional[str] = Field(alias="escalateToId", default=None)
    "Who at-risk and breached tickets go to."


class CreateTaskInput(BaseModel):
    """A new task in a project you may work in; it starts TODO."""

    project_id: str = Field(alias="projectId")
    "The Project."
    title: str
    "One-line summary (1-300 characters)."
    description: Optional[str] = None
    "Details (max 20,000 characters)."
    priority: Optional[TaskPriority] = None
    "Default MEDIUM."
    assignee_id: Optional[str] = Field(alias="assigneeId", default=None)
    "A member of the project (User)."
    milestone_id: Optional[str] = Field(alias="milestoneId", default=None)
    "A Milestone of the same project."
    parent_id: Optional[str] = Field(alias="parentId", default=None)
    "Parent Task (same project) for a subtask."
    estimate_hours: Optional[Any] = Field(alias="estimateHours", default=None)
    "Estimated hours (0-100,000)."
    start_date: Optional[Any] = Field(alias="startDate", default=None)
    "Planned start."
    due_date: Optional[Any] = Field(alias="dueDate", default=None)
    "Due date (not before the start)."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class CreateWorkReportInput(BaseModel):
    """A new report of yours (a draft)."""

    period: WorkReportPeriod
    "Daily or weekly."
    starts_on: Any = Field(alias="startsOn")
    "The day, or the Monday of the week; not ahead of tomorrow."
    summary: Optional[str] = None
    "At most 20,000 characters."
    plans: Optional[str] = None
    "At most 20,000 characters."


class CustomFieldCondition(BaseModel):
    """A condition on one filterable custom field; give exactly one operator. Fields that do not exist, are not filterable or are hidden from your role are refused alike."""

    key: str
    "The field key."
    equals: Optional[Any] = None
    "Equal to this value."
    in_: Optional[list[Any]] = Field(alias="in", default=None)
    "Equal to one of these values (1-100)."
    range_: Optional["CustomFieldRange"] = Field(alias="range", default=None)
    "Numbers, dates, datetimes, text: between the bounds."
    contains: Optional[Any] = None
    "Text: case-insensitive substring. Multi select: has this option."
    is_empty: Optional[bool] = Field(alias="isEmpty", default=None)
    "true: no value; false: any value."


class CustomFieldRange(BaseModel):
    """Inclusive bounds; give min, max or both."""

    min: Optional[Any] = None
    "Lower bound (inclusive)."
    max: Optional[Any] = None
    "Upper bound (inclusive)."


class DefineApprovalChainInput(BaseModel):
    """A chain for one subject type; replaces the tenant's active chain for it."""

    name: str
    "1-200 characters."
    subject_type: str = Field(alias="subjectType")
    "What it approves, e.g. change_request."
    steps: list["ApprovalStepInput"]
    "1 to 10 steps, in order."


class DocumentFilter(BaseModel):
    """Conditions on documents; all given ones must hold."""

    deleted: Optional[bool] = None
    "Only soft-deleted ones when true."
    name_contains: Optional[str] = Field(alias="nameContains", default=None)
    "Case-insensitive part of the name."
    tag: Optional[str] = None
    "Has this tag."
    linked_to: Optional[str] = Field(alias="linkedTo", default=None)
    "Attached to this record."
    role: Optional[DocumentLinkRole] = None
    "With `linkedTo`: only this role."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class DocumentLinkInput(BaseModel):
    """A record to attach the document to."""

    target_id: str = Field(alias="targetId")
    "Global id of an Account, Contact or Activity (more types as areas join)."
    role: DocumentLinkRole = DocumentLinkRole.ATTACHMENT
    "ATTACHMENT, or SIGNED_COPY (one per record)."


class DocumentOrder(BaseModel):
    """One sort key."""

    field: Optional[DocumentOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: Optional[OrderDirection] = OrderDirection.ASC
    "Ascending (default) or descending."


class ExchangeRateFilter(BaseModel):
    """Conditions on exchange rates."""

    currency: Optional[str] = None
    "Only this currency (ISO 4217 code)."


class ExpenseClaimFilter(BaseModel):
    """Conditions on expense claims."""

    status: Optional[ExpenseStatus] = None
    "Only claims in this state."
    project_id: Optional[str] = Field(alias="projectId", default=None)
    "Only claims for it."
    campaign_id: Optional[str] = Field(alias="campaignId", default=None)
    "Only claims for it."


class FeedbackFilter(BaseModel):
    """Feedback filters; all given conditions must hold."""

    kind: Optional[FeedbackKind] = None
    "Only this kind."
    status: Optional[FeedbackStatus] = None
    "Only this status."
    tag: Optional[str] = None
    "Carries this tag (exact match)."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "About this Account."
    product_id: Optional[str] = Field(alias="productId", default=None)
    "About this Product."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class FeedbackOrder(BaseModel):
    """One sort key; the id is always added last."""

    field: Optional[FeedbackOrderField] = None
    "Column; or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.DESC
    "ASC or DESC."


class FieldOptionInput(BaseModel):
    """One inline option: a stable key (a-z, 0-9, _ or -) and a label."""

    key: str
    "Stable key stored in records (a-z, 0-9, _ or -)."
    label: str
    "What users see."


class FieldRuleInput(BaseModel):
    """A field rule: hide a field or make it read-only."""

    field: str
    "Built-in GraphQL field name (e.g. industry) or custom.<key>."
    access: FieldAccessRule
    "Hidden or read-only."


class FieldValidationInput(BaseModel):
    """Validation settings; give only those that apply to the type."""

    min: Optional[Any] = None
    "Integer, decimal (string), date."
    max: Optional[Any] = None
    "Largest allowed value."
    min_length: Optional[int] = Field(alias="minLength", default=None)
    "Text: shortest allowed."
    max_length: Optional[int] = Field(alias="maxLength", default=None)
    "Text: up to 1000; long text 100000."
    pattern: Optional[str] = None
    "Regex the whole text must match."
    options: Optional[list["FieldOptionInput"]] = None
    "1-200 options."
    option_list: Optional[str] = Field(alias="optionList", default=None)
    "A tenant option list key."
    max_selected: Optional[int] = Field(alias="maxSelected", default=None)
    "Multi select: most options."
    currency: Optional[str] = None
    "Currency amounts: fixed ISO code."
    target_type: Optional[str] = Field(alias="targetType", default=None)
    "Record references: object type."
    scale: Optional[int] = None
    "Decimals: at most 10 places."


class ImportMappingFilter(BaseModel):
    """Conditions on saved mappings."""

    object_type: Optional[str] = Field(alias="objectType", default=None)
    "Only this object type's."


class InspectionResultInput(BaseModel):
    """What the inspection found for one checklist item."""

    passed: bool
    "Whether it met the standard."
    note: Optional[str] = None
    "Max 2,000 characters."


class InstallmentInput(BaseModel):
    """One installment of a payment plan."""

    due_date: Any = Field(alias="dueDate")
    "When it is due."
    amount: Any
    "> 0, at most the currency's minor digits."


class InviteToCampaignInput(BaseModel):
    """Who to invite: a segment's members (as you see them) and/or records by id."""

    campaign_id: str = Field(alias="campaignId")
    "The Campaign (not completed or cancelled)."
    segment_id: Optional[str] = Field(alias="segmentId", default=None)
    "A Segment of contacts or leads; its members as you see them now."
    contact_ids: Optional[list[str]] = Field(alias="contactIds", default=None)
    "Contacts you may see (with leadIds at most 500)."
    lead_ids: Optional[list[str]] = Field(alias="leadIds", default=None)
    "Leads you may see."


class InviteUserInput(BaseModel):
    """Whom to invite, with which role."""

    email: str
    "The invitee's address."
    role_key: str = Field(alias="roleKey", default="sales")
    "Role of the new member (e.g. sales)."


class InvoiceFilter(BaseModel):
    """Invoice conditions; all given ones must hold."""

    status: Optional[InvoiceStatus] = None
    "In this status."
    order_id: Optional[str] = Field(alias="orderId", default=None)
    "Against this SalesOrder."
    contract_id: Optional[str] = Field(alias="contractId", default=None)
    "Against this Contract."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "For this Account."


class IssueInvoiceInput(BaseModel):
    """The official number and date of an issued invoice."""

    invoice_number: str = Field(alias="invoiceNumber")
    "1-40 characters, unique per tenant."
    invoice_date: Optional[Any] = Field(alias="invoiceDate", default=None)
    "Default today (UTC)."


class KbArticleFilter(BaseModel):
    """Article filters; all given conditions must hold."""

    search: Optional[str] = None
    "Words or Chinese text: published articles containing every term (title or text). Chinese is matched by character pairs, so any two or more consecutive characters are found."
    status: Optional[ArticleStatus] = None
    "Only this status (editors)."
    category: Optional[str] = None
    "Only this category key."
    audience: Optional[ArticleAudience] = None
    "Only this audience."


class KbArticleOrder(BaseModel):
    """One sort key; the id is always added last."""

    field: KbArticleOrderField
    "The column."
    direction: OrderDirection = OrderDirection.DESC
    "ASC or DESC."


class LeadFilter(BaseModel):
    """Lead filters; all given conditions must hold."""

    statuses: Optional[list[LeadStatus]] = None
    "Any of these statuses."
    in_pool: Optional[bool] = Field(alias="inPool", default=None)
    "true: only pool leads; false: only owned."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owned by this User."
    source: Optional[str] = None
    "From this source key."
    created_after: Optional[Any] = Field(alias="createdAfter", default=None)
    "Created at or after."
    created_before: Optional[Any] = Field(alias="createdBefore", default=None)
    "Created before."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class LeadOrder(BaseModel):
    """One sort key; the id is always added last."""

    field: Optional[LeadOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class LeaveRequestFilter(BaseModel):
    """Conditions on leave requests."""

    user_id: Optional[str] = Field(alias="userId", default=None)
    "Only this member's."
    status: Optional[LeaveStatus] = None
    "Only in this state."


class LessonInput(BaseModel):
    """A lesson learned."""

    title: str
    "1-300 characters."
    body: str
    "1-20,000 characters."
    tags: Optional[list[str]] = None
    "At most 10, each 1-50 characters (lower-cased)."


class LinkContactToAccountInput(BaseModel):
    """Link a contact to an account (or update an existing link)."""

    contact_id: str = Field(alias="contactId")
    "The Contact."
    account_id: str = Field(alias="accountId")
    "The Account."
    title: Optional[str] = None
    "Job title there (max 200)."
    role: Optional[str] = None
    "Role in the relationship (max 100)."
    is_primary: bool = Field(alias="isPrimary", default=False)
    "Make this the contact's primary account (demotes the previous one)."


class LinkDocumentInput(BaseModel):
    """Attach a document to a record, or detach it."""

    document_id: str = Field(alias="documentId")
    "The Document."
    target_id: str = Field(alias="targetId")
    "The record (Account, Contact, Activity, ...)."
    role: DocumentLinkRole = DocumentLinkRole.ATTACHMENT
    "The link's role."


class LogTimeInput(BaseModel):
    """Hours on a task; `userId` defaults to you (others need the project's manager)."""

    task_id: str = Field(alias="taskId")
    "The Task."
    work_date: Any = Field(alias="workDate")
    "The day worked (not in the future)."
    hours: Any
    "0.01-24; at most 24 per person and day."
    billable: bool = True
    "Billable to the client."
    note: Optional[str] = None
    "Max 1,000 characters."
    user_id: Optional[str] = Field(alias="userId", default=None)
    "Who worked (a project member); default you."


class LoginEventFilter(BaseModel):
    """All conditions must hold."""

    user_id: Optional[str] = Field(alias="userId", default=None)
    "Global id of a User."
    outcome: Optional[LoginOutcome] = None
    "Only attempts that ended this way."
    after: Optional[Any] = None
    "Only attempts at or after this time."
    before: Optional[Any] = None
    "Only attempts before this time."


class LoginInput(BaseModel):
    """Credentials for login."""

    email: str
    "Your login address."
    password: str
    "Your password."
    tenant_id: Optional[str] = Field(alias="tenantId", default=None)
    "The tenant to enter (a Tenant's `id`); without it, the tenant of your latest session (see `tenants`)."


class MyTasksFilter(BaseModel):
    """Conditions on your tasks."""

    status: Optional[list[TaskStatus]] = None
    "Only these statuses; default all but DONE."


class NotificationFilter(BaseModel):
    """Conditions on your notifications."""

    unread: Optional[bool] = None
    "True: only unread; false: only read; left out: all."


class OpenTicketInput(BaseModel):
    """A ticket received from a customer; it starts NEW with its SLA targets."""

    subject: str
    "One line, 1-300 characters."
    channel: str
    "A key of the tenant's ticket_channels option list (phone, email, web, wechat...)."
    description: Optional[str] = None
    "What the customer reported (max 50,000)."
    kind: Optional[TicketKind] = None
    "Default REQUEST."
    priority: Optional[TicketPriority] = None
    "Default NORMAL."
    category: Optional[str] = None
    "A key of the ticket_categories option list."
    customer_tier: Optional[str] = Field(alias="customerTier", default=None)
    "The customer's tier for SLA matching (max 100)."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "The Account, one you may see."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "The Contact, one you may see."
    product_id: Optional[str] = Field(alias="productId", default=None)
    "The Product concerned."
    contract_id: Optional[str] = Field(alias="contractId", default=None)
    "The Contract concerned, one you may see."
    assignee_id: Optional[str] = Field(alias="assigneeId", default=None)
    "An active member; left out: unassigned."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class OpportunityContactInput(BaseModel):
    """A contact in the buying decision."""

    contact_id: str = Field(alias="contactId")
    "A Contact you may see."
    role: BuyingRole
    "Their buying role."
    is_primary: bool = Field(alias="isPrimary", default=False)
    "The main contact (at most one)."


class OpportunityFilter(BaseModel):
    """Opportunity filters; all given conditions must hold."""

    pipeline_id: Optional[str] = Field(alias="pipelineId", default=None)
    "In this Pipeline."
    stage_id: Optional[str] = Field(alias="stageId", default=None)
    "In this PipelineStage."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owned by this User."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "For this Account."
    status: Optional[OpportunityStatus] = None
    "OPEN, WON or LOST."
    search: Optional[str] = None
    "Case-insensitive substring of the name (max 200 characters)."
    expected_close_from: Optional[Any] = Field(alias="expectedCloseFrom", default=None)
    "Expected to close on or after this date."
    expected_close_to: Optional[Any] = Field(alias="expectedCloseTo", default=None)
    "Expected to close before this date (exclusive)."
    min_amount: Optional[Any] = Field(alias="minAmount", default=None)
    "Amount at least this."
    created_after: Optional[Any] = Field(alias="createdAfter", default=None)
    "Created at or after."
    created_before: Optional[Any] = Field(alias="createdBefore", default=None)
    "Created before."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class OpportunityOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[OpportunityOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class OverdueTasksFilter(BaseModel):
    """Conditions on overdue tasks."""

    project_id: Optional[str] = Field(alias="projectId", default=None)
    "Only this Project."
    on: Optional[Any] = None
    "The day to judge by (default today, UTC)."


class PipelineStageInput(BaseModel):
    """One stage of a new pipeline."""

    name: str
    "Display name, 1-100 characters, unique in the pipeline."
    probability: int
    "Default win probability in percent, 0-100."
    kind: StageKind = StageKind.OPEN
    "OPEN, WON or LOST."


class PriceInput(BaseModel):
    """One product's price on a list; a null price removes the product."""

    product_id: str = Field(alias="productId")
    "A Product."
    unit_price: Optional[Any] = Field(alias="unitPrice", default=None)
    ">= 0 in the list's currency, or null."


class ProductFilter(BaseModel):
    """Product conditions; all given ones must hold."""

    search: Optional[str] = None
    "Part of the SKU or name (any case)."
    active: Optional[bool] = None
    "Only active (true) or inactive (false)."
    product_line_id: Optional[str] = Field(alias="productLineId", default=None)
    "Of this ProductLine."


class ProjectFilter(BaseModel):
    """Project filters; all given conditions must hold."""

    status: Optional[list[ProjectStatus]] = None
    "Any of these statuses."
    search: Optional[str] = None
    "Part of the name or code (case-insensitive)."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Projects of this Account."
    manager_id: Optional[str] = Field(alias="managerId", default=None)
    "Managed by this User."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class ProjectOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[ProjectOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class PublicPoolFilter(BaseModel):
    """Public pool filters; all given conditions must hold."""

    search: Optional[str] = None
    "Case-insensitive substring of the name."
    industry: Optional[str] = None
    "Exactly this industry."
    region: Optional[str] = None
    "Exactly this region (case-insensitive)."
    country: Optional[str] = None
    "Exactly this country (case-insensitive)."


class QuoteFilter(BaseModel):
    """Quote conditions; all given ones must hold."""

    status: Optional[QuoteStatus] = None
    "In this status."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "For this Account."
    number: Optional[str] = None
    "Exactly this number (all revisions)."
    opportunity_id: Optional[str] = Field(alias="opportunityId", default=None)
    "For this Opportunity."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class QuoteLineInput(BaseModel):
    """A quote line: a product, or free text with a unit price."""

    product_id: Optional[str] = Field(alias="productId", default=None)
    "An active Product."
    description: Optional[str] = None
    "Defaults to the product name."
    quantity: Any
    "> 0, at most four decimals."
    unit_price: Optional[Any] = Field(alias="unitPrice", default=None)
    "Omit for the applicable price-list or list price; required for free text."
    discount_percent: Optional[Any] = Field(alias="discountPercent", default=None)
    "Line discount 0-100."
    tax_rate: Optional[Any] = Field(alias="taxRate", default=None)
    "Free-text lines only (percent)."
    currency: Optional[str] = None
    "If sent, must be the quote currency."


class ReceiveMaterialInput(BaseModel):
    """The material arrived."""

    received_on: Any = Field(alias="receivedOn")
    "The day it arrived (not in the future)."
    actual_amount: Optional[Any] = Field(alias="actualAmount", default=None)
    "What it cost; default the approved amount."


class RecordCampaignResponseInput(BaseModel):
    """A response to a campaign by a lead or a contact: give exactly one."""

    campaign_id: str = Field(alias="campaignId")
    "The Campaign responded to."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "The Contact who responded."
    lead_id: Optional[str] = Field(alias="leadId", default=None)
    "The Lead who responded."


class RecordDefectInput(BaseModel):
    """A defect; give the inspectionId that found it, or the projectId."""

    project_id: Optional[str] = Field(alias="projectId", default=None)
    "The Project (implied by inspectionId)."
    inspection_id: Optional[str] = Field(alias="inspectionId", default=None)
    "The Inspection that found it."
    title: str
    "1-300 characters."
    description: Optional[str] = None
    "Max 20,000 characters."
    severity: DefectSeverity
    "How bad it is."
    owner_id: str = Field(alias="ownerId")
    "Who fixes it (a project member)."
    due_date: Optional[Any] = Field(alias="dueDate", default=None)
    "When it should be fixed."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class RecordDeliveryInput(BaseModel):
    """A delivery against one contract line."""

    contract_line_id: str = Field(alias="contractLineId")
    "The ContractLine."
    quantity: Any
    "> 0; with earlier deliveries at most the ordered quantity."
    delivered_on: Any = Field(alias="deliveredOn")
    "Delivery date."
    status: Optional[DeliveryStatus] = None
    "PENDING or DELIVERED (default)."


class RecordExpenseInput(BaseModel):
    """A cost recorded against a project."""

    project_id: str = Field(alias="projectId")
    "The Project."
    description: str
    "1-500 characters."
    amount: Any
    "Greater than zero."
    currency: Optional[str] = None
    "ISO 4217; defaults to the project's currency."
    incurred_on: Any = Field(alias="incurredOn")
    "When it was incurred (also the conversion date)."


class RecordInspectionInput(BaseModel):
    """An inspection of one of a project's checklists."""

    checklist_id: str = Field(alias="checklistId")
    "A QualityChecklist of a project."
    title: str
    "What was inspected, 1-300 characters."
    inspected_on: Any = Field(alias="inspectedOn")
    "When (not in the future)."
    results: list["InspectionResultInput"]
    "One per checklist item, in the checklist's order."
    notes: Optional[str] = None
    "Max 20,000 characters."


class RecordPaymentInput(BaseModel):
    """Money received (or refunded, with a negative amount)."""

    contract_id: str = Field(alias="contractId")
    "The Contract."
    received_on: Any = Field(alias="receivedOn")
    "Date received."
    amount: Any
    "At most the outstanding amount; negative: a refund."
    method: Optional[PaymentMethod] = None
    "Default BANK_TRANSFER."
    reference: Optional[str] = None
    "Max 200 characters."


class RecordSalesOrderDeliveryInput(BaseModel):
    """A delivery against one order line."""

    order_line_id: str = Field(alias="orderLineId")
    "The SalesOrderLine."
    quantity: Any
    "> 0; with earlier deliveries at most the ordered quantity."
    delivered_on: Any = Field(alias="deliveredOn")
    "Delivery date."


class RecordSalesOrderPaymentInput(BaseModel):
    """Money received on an order (or refunded, with a negative amount)."""

    order_id: str = Field(alias="orderId")
    "The SalesOrder."
    received_on: Any = Field(alias="receivedOn")
    "Date received; today or earlier."
    amount: Any
    "At most the outstanding amount; negative: a refund."
    method: Optional[PaymentMethod] = None
    "Default BANK_TRANSFER."
    reference: Optional[str] = None
    "Max 200 characters."


class RegisterPersistedOperationInput(BaseModel):
    """A document to allow by its hash."""

    name: str
    "A label (1-100 characters)."
    query: str
    "The GraphQL document, exactly as clients will send it (its SHA-256 is its identity; at most 100,000 characters)."


class RequestAcceptanceInput(BaseModel):
    """Ask a customer contact to accept the delivered scope."""

    project_id: str = Field(alias="projectId")
    "The Project (yours to change)."
    contact_id: str = Field(alias="contactId")
    "The customer's Contact who signs."
    scope: str
    "What is accepted, 1-20,000 characters."


class RequestExportInput(BaseModel):
    """What to export, why, as which file; the list's own filter and sort."""

    object_type: str = Field(alias="objectType")
    "account, contact or lead."
    purpose: str
    "Why (1-500 characters); kept in the audit log."
    format: ExportFormat = ExportFormat.CSV
    "CSV (default) or XLSX."
    account_filter: Optional["AccountFilter"] = Field(
        alias="accountFilter", default=None
    )
    "As accounts(filter)."
    account_order_by: Optional[list["AccountOrder"]] = Field(
        alias="accountOrderBy", default=None
    )
    "As `accounts(orderBy:)`."
    contact_filter: Optional["ContactFilter"] = Field(
        alias="contactFilter", default=None
    )
    "As contacts(filter)."
    contact_order_by: Optional[list["ContactOrder"]] = Field(
        alias="contactOrderBy", default=None
    )
    "As `contacts(orderBy:)`."
    lead_filter: Optional["LeadFilter"] = Field(alias="leadFilter", default=None)
    "As leads(filter)."
    lead_order_by: Optional[list["LeadOrder"]] = Field(
        alias="leadOrderBy", default=None
    )
    "As leads(orderBy)."


class RequestInvoiceInput(BaseModel):
    """An invoice request against one order or one contract (give exactly one)."""

    kind: InvoiceKind
    "VAT special or ordinary invoice."
    order_id: Optional[str] = Field(alias="orderId", default=None)
    "The SalesOrder."
    contract_id: Optional[str] = Field(alias="contractId", default=None)
    "The Contract."
    amount: Optional[Any] = None
    "Tax included; default all that remains to invoice."
    buyer_name: Optional[str] = Field(alias="buyerName", default=None)
    "Buyer's name (max 200)."
    buyer_tax_id: Optional[str] = Field(alias="buyerTaxId", default=None)
    "Buyer's taxpayer id (max 40)."


class RequestUploadInput(BaseModel):
    """Announce a file to upload straight to storage (any size up to the limit)."""

    name: Optional[str] = None
    "Display name (required for a new document; renames on a new version)."
    content_type: str = Field(alias="contentType")
    "Media type; must be allowed, and match the bytes."
    size: Any
    "Exact size in bytes; the upload URL accepts only this size."
    sha_256: str = Field(alias="sha256")
    "SHA-256 of the file, 64 hex digits; checked on completion."
    document_id: Optional[str] = Field(alias="documentId", default=None)
    "Add a version to this Document instead of creating one."
    tags: Optional[list[str]] = None
    "At most 20 tags (new documents)."
    links: Optional[list["DocumentLinkInput"]] = None
    "Records to attach it to."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class ReturnLineInput(BaseModel):
    """A quantity of one delivered order line coming back."""

    order_line_id: str = Field(alias="orderLineId")
    "A SalesOrderLine of the order."
    quantity: Any
    "> 0, at most delivered minus already returned."


class RiskFilter(BaseModel):
    """Risk filters; all given conditions must hold."""

    project_id: Optional[str] = Field(alias="projectId", default=None)
    "Risks of this Project."
    status: Optional[list[RiskStatus]] = None
    "Any of these statuses."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class RiskOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[RiskOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class RoleGrantInput(BaseModel):
    """What the role allows on one object type (types left out: nothing)."""

    object_type: str = Field(alias="objectType")
    "The object type, e.g. account, opportunity."
    actions: list[RoleAction]
    "What the role may do."
    scope: RecordScope
    "Which records it reaches."
    fields: list["FieldRuleInput"] = Field(default_factory=lambda: [])
    "Fields to hide or keep read-only."


class SalesApprovalSettingsInput(BaseModel):
    """Changes to the approval thresholds; fields you leave out stay as they are."""

    quote_discount_percent: Optional[Any] = Field(
        alias="quoteDiscountPercent", default=None
    )
    "0-99.9999; null: never."
    contract_amount: Optional[Any] = Field(alias="contractAmount", default=None)
    ">= 0; null: never."
    order_cancellation: Optional[bool] = Field(alias="orderCancellation", default=None)
    "Ask before cancelling."
    refund_amount: Optional[Any] = Field(alias="refundAmount", default=None)
    ">= 0; null: never."


class SalesOrderFilter(BaseModel):
    """Sales order conditions; all given ones must hold."""

    status: Optional[SalesOrderStatus] = None
    "In this status."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "For this Account."
    quote_id: Optional[str] = Field(alias="quoteId", default=None)
    "Made from this Quote."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class SalesPlanItemInput(BaseModel):
    """A new plan item of a target."""

    title: str
    "1-300 characters."
    due_date: Any = Field(alias="dueDate")
    "When it is due."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Default you."


class SalesTargetFilter(BaseModel):
    """Target conditions; all given ones must hold."""

    user_id: Optional[str] = Field(alias="userId", default=None)
    "This rep's targets."
    level: Optional[TargetLevel] = None
    "At this level."
    metric: Optional[TargetMetric] = None
    "Measuring this."
    on: Optional[Any] = None
    "Whose period contains this day."


class SaveImportMappingInput(BaseModel):
    """A named mapping to keep for later imports."""

    object_type: str = Field(alias="objectType")
    "account or contact."
    name: str
    "1-100 characters; saving the same name again replaces it."
    columns: list["ColumnMappingInput"]
    "1 to 200 columns."


class SaveNotificationTemplateInput(BaseModel):
    """A template: `{{ value }}`, `{{ value|upper }}` and `{% if %}` over the kind's values (each kind also gets `subject` and `body`, its default wording); loops, calls and arithmetic are refused."""

    kind: str
    "The notification kind, e.g. task.due."
    locale: str = ""
    "Language tag (de, de-CH); empty for any."
    subject: str
    "Subject template, at most 1,000 characters."
    body: str = ""
    "Body template, at most 10,000 characters."


class SegmentFilterInput(BaseModel):
    """The records a segment holds and the list filter that selects them: give exactly one, written as the `filter` of the `accounts`, `contacts` or `leads` query (custom fields and tags included). Soft-deleted records (`deleted: true`) are refused."""

    accounts: Optional["AccountFilter"] = None
    "A segment of accounts."
    contacts: Optional["ContactFilter"] = None
    "A segment of contacts."
    leads: Optional["LeadFilter"] = None
    "A segment of leads."


class SetDocumentLimitsInput(BaseModel):
    """New limits; the ones you leave out keep their value."""

    max_file_bytes: Optional[Any] = Field(alias="maxFileBytes", default=None)
    "Largest single file, in bytes."
    quota_bytes: Optional[Any] = Field(alias="quotaBytes", default=None)
    "Total bytes the workspace may store."
    allowed_content_types: Optional[list[str]] = Field(
        alias="allowedContentTypes", default=None
    )
    "Accepted media types (at most 100); replaces the list."


class SetExchangeRateInput(BaseModel):
    """The rate in effect from `effectiveOn` until the next one."""

    currency: str
    "ISO 4217 code, not the base currency."
    effective_on: Any = Field(alias="effectiveOn")
    "First day the rate applies."
    rate: Any
    "Units of base currency per unit of `currency`; > 0."


class SetPrintTemplateInput(BaseModel):
    """A print template."""

    kind: str
    "quote or contract."
    title: str
    "1-100 characters."
    header: Optional[str] = None
    "At most 150 characters."
    footer: Optional[str] = None
    "At most 120 characters."
    signatures: list[str] = Field(default_factory=lambda: [])
    "At most 4 labels of 60 characters."
    chinese_amounts: bool = Field(alias="chineseAmounts", default=False)
    "Write the total in 大写 too."


class SetServiceHolidayInput(BaseModel):
    """A holiday of the service calendar."""

    day: Any
    "The local date."
    name: Optional[str] = None
    "1-100 characters; null removes the holiday."


class SignUpInput(BaseModel):
    """A new tenant and its first admin."""

    tenant_name: str = Field(alias="tenantName")
    "Your company's name (1-200 characters)."
    email: str
    "Your login address (becomes the admin's)."
    password: str
    "At least 10 characters."
    full_name: str = Field(alias="fullName")
    "Your name (1-200 characters)."
    locale: Optional[str] = None
    "BCP 47 locale of the company, e.g. zh-CN, en-US, de-DE (default en-US); it gives the default base currency and tax rules."
    base_currency: Optional[str] = Field(alias="baseCurrency", default=None)
    "ISO 4217 code reports convert into; default the currency of the locale's country (zh-CN -> CNY, en-US -> USD, de-DE -> EUR)."


class StartImportInput(BaseModel):
    """What to import and how."""

    document_id: str = Field(alias="documentId")
    "An uploaded CSV or XLSX Document you may read."
    object_type: str = Field(alias="objectType")
    "What each row becomes: account or contact."
    columns: Optional[list["ColumnMappingInput"]] = None
    "The mapping; or give mappingName."
    mapping_name: Optional[str] = Field(alias="mappingName", default=None)
    "A saved mapping's name."
    duplicates: DuplicateMode = DuplicateMode.SKIP
    "Rows matching a visible record (accounts: company name; contacts: email or phone): SKIP them, UPDATE the record (needs update rights), or CREATE anyway."
    dry_run: bool = Field(alias="dryRun", default=True)
    "True (default): check every row and report errors, write nothing."
    encoding: Optional[str] = None
    "CSV text encoding: utf-8, gbk, gb18030 or utf-16; left out: detected (UTF-8 unless the bytes are not, then GB18030)."


class TaskFilter(BaseModel):
    """Task filters; all given conditions must hold."""

    project_id: Optional[str] = Field(alias="projectId", default=None)
    "Tasks of this Project."
    status: Optional[list[TaskStatus]] = None
    "Any of these statuses."
    assignee_id: Optional[str] = Field(alias="assigneeId", default=None)
    "Assigned to this User."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class TaskOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[TaskOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.ASC
    "ASC or DESC."


class TeamInput(BaseModel):
    """A team."""

    name: Optional[str] = None
    "Display name; left out: unchanged."
    parent_id: Optional[str] = Field(alias="parentId", default=None)
    "Parent Team; null: top."


class TicketFilter(BaseModel):
    """Ticket filters; all given conditions must hold."""

    queue: Optional[TicketQueue] = None
    "MINE: assigned to you, unfinished; MY_TEAM: assigned to your team, unfinished; UNASSIGNED: nobody's, unfinished; AT_RISK / BREACHED: by their SLA flags."
    status: Optional[list[TicketStatus]] = None
    "Any of these statuses."
    priority: Optional[TicketPriority] = None
    "Only this priority."
    kind: Optional[TicketKind] = None
    "Only this kind."
    channel: Optional[str] = None
    "Only this channel key."
    assignee_id: Optional[str] = Field(alias="assigneeId", default=None)
    "Assigned to this User."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "About this Account."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "From this Contact."
    search: Optional[str] = None
    "Case-insensitive substring of the subject or the number (max 200 characters)."
    created_after: Optional[Any] = Field(alias="createdAfter", default=None)
    "Received at or after."
    created_before: Optional[Any] = Field(alias="createdBefore", default=None)
    "Received before."
    custom: Optional[list["CustomFieldCondition"]] = None
    "Conditions on custom fields (at most 10), all of which must hold."


class TicketOrder(BaseModel):
    """One sort key; the id is always added last so pages never skip or repeat."""

    field: Optional[TicketOrderField] = None
    "Column to sort by; give this or customField."
    custom_field: Optional[str] = Field(alias="customField", default=None)
    "Key of a filterable custom field to sort by (missing values first ASC)."
    direction: OrderDirection = OrderDirection.DESC
    "ASC or DESC (default DESC)."


class UpdateAccountInput(BaseModel):
    """Changes to an account; fields you leave out stay as they are."""

    name: Optional[str] = None
    "Display name, 1-200 characters."
    domain: Optional[str] = None
    "Web domain; null clears it."
    industry: Optional[str] = None
    "Industry; null clears it."
    parent_id: Optional[str] = Field(alias="parentId", default=None)
    "New parent Account; null makes it a top-level account. No cycles."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "New owning User."
    tags: Optional[list[str]] = None
    "Replaces all tags."
    address: Optional["AddressInput"] = None
    "Address parts to change."
    notes: Optional[str] = None
    "Notes; null clears them."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateActivityInput(BaseModel):
    """Changes to an activity; fields you leave out stay as they are."""

    kind: Optional[ActivityKind] = None
    "New kind."
    subject: Optional[str] = None
    "One-line summary."
    body: Optional[str] = None
    "Details; null clears them."
    occurred_at: Optional[Any] = Field(alias="occurredAt", default=None)
    "When it happened or is planned for; a done one at most 5 minutes ahead."
    due_at: Optional[Any] = Field(alias="dueAt", default=None)
    "Due date (tasks only)."
    done: Optional[bool] = None
    "Mark done (a planned one still dated ahead is dated now) or planned again."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Move to this Account."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "Move to this Contact."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateCalendarItemInput(BaseModel):
    """Fields to change on a planned item; those left out keep their value."""

    kind: Optional[CalendarItemKind] = None
    "New kind."
    title: Optional[str] = None
    "1-300 characters."
    starts_at: Optional[Any] = Field(alias="startsAt", default=None)
    "New start."
    ends_at: Optional[Any] = Field(alias="endsAt", default=None)
    "New end."
    all_day: Optional[bool] = Field(alias="allDay", default=None)
    "All day."
    description: Optional[str] = None
    "Null clears it."
    location: Optional[str] = None
    "Null clears it."
    recurrence: Optional[str] = None
    "Null: no longer recurring."
    time_zone: Optional[str] = Field(alias="timeZone", default=None)
    "New IANA time zone (not null)."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Null clears it."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "Null clears it."
    team_id: Optional[str] = Field(alias="teamId", default=None)
    "Null: no longer shared."
    purpose: Optional[str] = None
    "Null clears it."


class UpdateCampaignInput(BaseModel):
    """Changes to a campaign; fields you leave out stay as they are."""

    name: Optional[str] = None
    "Name (max 200)."
    channel: Optional[str] = None
    "Channel key."
    goal: Optional[str] = None
    "Goal; null clears it."
    plan: Optional[str] = None
    "Plan; null clears it."
    starts_on: Optional[Any] = Field(alias="startsOn", default=None)
    "First day; null clears it."
    ends_on: Optional[Any] = Field(alias="endsOn", default=None)
    "Last day; null clears it."
    currency: Optional[str] = None
    "Currency; refused (INVALID) while the campaign has cost lines."
    budget: Optional[Any] = None
    "Planned spend."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Responsible User."
    segment_id: Optional[str] = Field(alias="segmentId", default=None)
    "Target Segment; null detaches it."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateChangeRequestInput(BaseModel):
    """Changes to a draft change request."""

    title: Optional[str] = None
    "1-300 characters."
    kind: Optional[ChangeKind] = None
    "What changes."
    reason: Optional[str] = None
    "Why."
    description: Optional[str] = None
    "Details; null clears."
    cost_impact: Optional[Any] = Field(alias="costImpact", default=None)
    "Budget change; null clears."
    new_planned_end: Optional[Any] = Field(alias="newPlannedEnd", default=None)
    "New planned end; null clears."
    apply_on_approval: Optional[bool] = Field(alias="applyOnApproval", default=None)
    "Apply on final approval."


class UpdateChecklistItemInput(BaseModel):
    """Changes to a checklist item."""

    text: Optional[str] = None
    "Text (1-500 characters)."
    done: Optional[bool] = None
    "Ticked or not."


class UpdateCompetitorInput(BaseModel):
    """Changes to a competitor; fields you leave out stay as they are."""

    name: Optional[str] = None
    "New name."
    strengths: Optional[str] = None
    "Null clears them."
    weaknesses: Optional[str] = None
    "Null clears them."


class UpdateCompetitorProductInput(BaseModel):
    """Changes to a competing product; fields you leave out stay as they are."""

    name: Optional[str] = None
    "Name (max 200)."
    strengths: Optional[str] = None
    "Strengths; null clears them."
    weaknesses: Optional[str] = None
    "Weaknesses; null clears them."
    price_note: Optional[str] = Field(alias="priceNote", default=None)
    "Price note; null clears it."
    archived: Optional[bool] = None
    "true archives, false restores."


class UpdateContactInput(BaseModel):
    """Changes to a contact; fields you leave out stay as they are."""

    first_name: Optional[str] = Field(alias="firstName", default=None)
    "Given name."
    last_name: Optional[str] = Field(alias="lastName", default=None)
    "Family name."
    name_order: Optional[NameOrder] = Field(alias="nameOrder", default=None)
    "How fullName orders the names; null: guessed from the script again."
    emails: Optional[list[str]] = None
    "Replaces all addresses."
    phones: Optional[list[str]] = None
    "Replaces all phone numbers."
    birthday: Optional[Any] = None
    "Date of birth; null clears it."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "New owning User."
    tags: Optional[list[str]] = None
    "Replaces all tags."
    notes: Optional[str] = None
    "Notes; null clears them."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateContractInput(BaseModel):
    """Changes to a draft contract."""

    start_date: Optional[Any] = Field(alias="startDate", default=None)
    "Start date."
    end_date: Optional[Any] = Field(alias="endDate", default=None)
    "End date; null clears it."
    signatory_contact_id: Optional[str] = Field(
        alias="signatoryContactId", default=None
    )
    "A Contact."
    terms: Optional[str] = None
    "Terms; null clears them."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateDocumentInput(BaseModel):
    """Changes to a document; fields you leave out stay as they are."""

    name: Optional[str] = None
    "Display name, 1-255 characters."
    tags: Optional[list[str]] = None
    "Replaces all tags."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateExpenseClaimInput(BaseModel):
    """Fields to change on your draft claim; those left out keep their value."""

    category: Optional[ExpenseCategory] = None
    "New category."
    amount: Optional[Any] = None
    "New amount."
    currency: Optional[str] = None
    "New currency."
    incurred_on: Optional[Any] = Field(alias="incurredOn", default=None)
    "New day."
    description: Optional[str] = None
    "Null clears it."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Null clears it."
    project_id: Optional[str] = Field(alias="projectId", default=None)
    "Null clears it."
    campaign_id: Optional[str] = Field(alias="campaignId", default=None)
    "Null clears it."


class UpdateFeedbackInput(BaseModel):
    """Changes to a feedback item; fields you leave out stay."""

    kind: Optional[FeedbackKind] = None
    "SUGGESTION or PRAISE."
    title: Optional[str] = None
    "1-300 characters."
    body: Optional[str] = None
    "Null clears it."
    status: Optional[FeedbackStatus] = None
    "The new status."
    tags: Optional[list[str]] = None
    "Replaces all tags."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Null unlinks."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "Null unlinks."
    product_id: Optional[str] = Field(alias="productId", default=None)
    "Null unlinks."
    ticket_id: Optional[str] = Field(alias="ticketId", default=None)
    "Null unlinks."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "An active member."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateFieldDefinitionInput(BaseModel):
    """Changes to a custom field; fields you leave out stay as they are."""

    label: Optional[str] = None
    "Form label; left out: unchanged."
    description: Optional[str] = None
    "Help text; null clears it."
    type_: Optional[CustomFieldType] = Field(alias="type", default=None)
    "Only to a compatible type; existing values are checked first."
    required: Optional[bool] = None
    "Every record must have a value."
    default: Optional[Any] = None
    "Value for new records; null clears."
    validation: Optional["FieldValidationInput"] = None
    "Replaces all validation settings; existing values are checked first."
    unique: Optional[bool] = None
    "Unique within the tenant."
    position: Optional[int] = None
    "Form order, ascending."
    searchable: Optional[bool] = None
    "Matched by `search`."
    filterable: Optional[bool] = None
    "Allow filters and ordering."


class UpdateKbArticleInput(BaseModel):
    """Changes to an article; a new title or body is a new version."""

    title: Optional[str] = None
    "1-300 characters."
    body: Optional[str] = None
    "1-100,000 characters."
    category: Optional[str] = None
    "Null clears it."
    audience: Optional[ArticleAudience] = None
    "INTERNAL or PUBLIC."


class UpdateLeadAssignmentRuleInput(BaseModel):
    """Changes to an assignment rule; fields you leave out stay as they are."""

    name: Optional[str] = None
    "Label."
    user_ids: Optional[list[str]] = Field(alias="userIds", default=None)
    "Replaces the users."
    source: Optional[str] = None
    "Source; null: any."
    region: Optional[str] = None
    "Region; null: anywhere."
    position: Optional[int] = None
    "Order."


class UpdateLeadInput(BaseModel):
    """Changes to a lead; fields you leave out stay as they are."""

    source: Optional[str] = None
    "Source key."
    first_name: Optional[str] = Field(alias="firstName", default=None)
    "Given name; null clears it."
    last_name: Optional[str] = Field(alias="lastName", default=None)
    "Family name; null clears it."
    email: Optional[str] = None
    "Email; null clears it."
    phone: Optional[str] = None
    "Phone; null clears it."
    title: Optional[str] = None
    "Job title; null clears it."
    company_name: Optional[str] = Field(alias="companyName", default=None)
    "Company; null clears it."
    region: Optional[str] = None
    "Region; null clears it."
    country: Optional[str] = None
    "Country; null clears it."
    notes: Optional[str] = None
    "Notes; null clears them."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateLeadSettingsInput(BaseModel):
    """The tenant's lead pool rules; fields you leave out stay as they are."""

    max_open_leads_per_rep: Optional[int] = Field(
        alias="maxOpenLeadsPerRep", default=None
    )
    "Cap on open leads per member (0-100000); null: no cap."


class UpdateMilestoneInput(BaseModel):
    """Changes to a milestone; set `completedOn` to complete it, null to reopen."""

    name: Optional[str] = None
    "Name."
    due_date: Optional[Any] = Field(alias="dueDate", default=None)
    "Due date."
    completed_on: Optional[Any] = Field(alias="completedOn", default=None)
    "Completion date; null reopens it."


class UpdateNotificationPreferencesInput(BaseModel):
    """Preference fields to change; fields left out keep their value."""

    email_enabled: Optional[bool] = Field(alias="emailEnabled", default=None)
    "Email on or off (not null)."
    sms_enabled: Optional[bool] = Field(alias="smsEnabled", default=None)
    "SMS on or off (not null); on needs `smsNumber`."
    sms_number: Optional[str] = Field(alias="smsNumber", default=None)
    "E.164, e.g. +4915112345678; null removes it."
    muted_kinds: Optional[list[str]] = Field(alias="mutedKinds", default=None)
    "At most 50 kinds not sent by email or SMS (not null; [] for none)."
    quiet_start: Optional[Any] = Field(alias="quietStart", default=None)
    "Quiet hours start; null (with quietEnd null) turns them off."
    quiet_end: Optional[Any] = Field(alias="quietEnd", default=None)
    "Quiet hours end; differs from start."
    time_zone: Optional[str] = Field(alias="timeZone", default=None)
    "IANA time zone (not null)."


class UpdateOpportunityInput(BaseModel):
    """Changes to an opportunity; its stage changes with moveOpportunity."""

    name: Optional[str] = None
    "New name."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Another Account."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "New owning User."
    amount: Optional[Any] = None
    "New amount, 0 or more."
    currency: Optional[str] = None
    "New ISO 4217 currency code."
    expected_close_on: Optional[Any] = Field(alias="expectedCloseOn", default=None)
    "Null clears it."
    probability: Optional[int] = None
    "0-100 overrides the stage default (kept on moves between open stages); null goes back to the stage default."
    next_step: Optional[str] = Field(alias="nextStep", default=None)
    "Null clears it."
    contacts: Optional[list["OpportunityContactInput"]] = None
    "Replaces all contacts."
    competitor_ids: Optional[list[str]] = Field(alias="competitorIds", default=None)
    "Replaces all competitors."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"region": "emea"}; null clears one.'


class UpdateOptionInput(BaseModel):
    """Rename and/or move an option; its key stays."""

    list_key: str = Field(alias="listKey")
    "The option list, e.g. lead_sources."
    key: str
    "The option's key."
    label: Optional[str] = None
    "New label; null: unchanged."
    position: Optional[int] = None
    "New position; null: unchanged."


class UpdatePipelineStageInput(BaseModel):
    """Changes to a stage; fields you leave out stay as they are."""

    name: Optional[str] = None
    "New name."
    probability: Optional[int] = None
    "New default probability (existing opportunities keep theirs)."


class UpdatePoolSettingsInput(BaseModel):
    """Pool rules; fields you leave out stay as they are."""

    max_accounts_per_rep: Optional[int] = Field(alias="maxAccountsPerRep", default=None)
    "0-1000000, or null: no cap."
    reclaim_inactive_days: Optional[int] = Field(
        alias="reclaimInactiveDays", default=None
    )
    "1-3650, or null: off."
    reclaim_no_opportunity_days: Optional[int] = Field(
        alias="reclaimNoOpportunityDays", default=None
    )
    "1-3650, or null: off."
    warning_days: Optional[int] = Field(alias="warningDays", default=None)
    "0-3650 (0: no warning)."
    keep_open_opportunities: Optional[bool] = Field(
        alias="keepOpenOpportunities", default=None
    )
    "Keep accounts with an open opportunity from every reclaim rule."
    keep_won_days: Optional[int] = Field(alias="keepWonDays", default=None)
    "Keep accounts with a deal won within 1-3650 days; null: off."
    keep_active_contracts: Optional[bool] = Field(
        alias="keepActiveContracts", default=None
    )
    "Keep accounts with a draft or active contract."
    keep_unpaid_receivables: Optional[bool] = Field(
        alias="keepUnpaidReceivables", default=None
    )
    "Keep accounts whose signed contracts are not fully paid."


class UpdatePriceListInput(BaseModel):
    """Changes to a price list."""

    name: Optional[str] = None
    "1-200 characters."
    currency: Optional[str] = None
    "Only while it has no prices."
    customer_type: Optional[str] = Field(alias="customerType", default=None)
    "null: any customer type."
    valid_from: Optional[Any] = Field(alias="validFrom", default=None)
    "First day (inclusive)."
    valid_until: Optional[Any] = Field(alias="validUntil", default=None)
    "Last day (inclusive)."
    active: Optional[bool] = None
    "false: ignored by pricing."


class UpdateProductInput(BaseModel):
    """Changes to a product; fields you leave out stay as they are."""

    sku: Optional[str] = None
    "Unique per tenant ignoring case."
    name: Optional[str] = None
    "1-200 characters."
    unit: Optional[str] = None
    "Unit of sale."
    list_price: Optional[Any] = Field(alias="listPrice", default=None)
    ">= 0."
    currency: Optional[str] = None
    "ISO 4217 code."
    tax_rate: Optional[Any] = Field(alias="taxRate", default=None)
    "Percent 0-100."
    description: Optional[str] = None
    "Free text; null clears it."
    product_line_id: Optional[str] = Field(alias="productLineId", default=None)
    "null detaches it."
    active: Optional[bool] = None
    "false: no new quote lines."


class UpdateProductLineInput(BaseModel):
    """Changes to a product line."""

    name: Optional[str] = None
    "1-200 characters, unique per tenant."
    description: Optional[str] = None
    "Free text; null clears it."


class UpdateProjectInput(BaseModel):
    """Changes to a project; fields you leave out stay as they are."""

    name: Optional[str] = None
    "Name (1-200 characters)."
    description: Optional[str] = None
    "Free text; null clears it."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "The client Account; null unlinks it."
    opportunity_id: Optional[str] = Field(alias="opportunityId", default=None)
    "The won Opportunity; null unlinks it."
    contract_id: Optional[str] = Field(alias="contractId", default=None)
    "The Contract; null unlinks it."
    manager_id: Optional[str] = Field(alias="managerId", default=None)
    "The new manager (becomes a LEAD member)."
    planned_start: Optional[Any] = Field(alias="plannedStart", default=None)
    "Planned start date."
    planned_end: Optional[Any] = Field(alias="plannedEnd", default=None)
    "Planned end date."
    budget: Optional[Any] = None
    "Budget in `currency`."
    currency: Optional[str] = None
    "ISO 4217 code."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdatePromotionInput(BaseModel):
    """Changes to a promotion."""

    name: Optional[str] = None
    "1-200 characters."
    percent: Optional[Any] = None
    "Discount percent 0-100."
    valid_from: Optional[Any] = Field(alias="validFrom", default=None)
    "First day (inclusive)."
    valid_until: Optional[Any] = Field(alias="validUntil", default=None)
    "Last day (inclusive)."
    product_id: Optional[str] = Field(alias="productId", default=None)
    "A Product or null."
    product_line_id: Optional[str] = Field(alias="productLineId", default=None)
    "A ProductLine or null."
    active: Optional[bool] = None
    "false: ignored by pricing."


class UpdateQuoteInput(BaseModel):
    """Changes to a draft quote's header."""

    currency: Optional[str] = None
    "Only while the quote has no lines."
    opportunity_id: Optional[str] = Field(alias="opportunityId", default=None)
    "An Opportunity."
    customer_type: Optional[str] = Field(alias="customerType", default=None)
    "Key in `customer_types`."
    valid_until: Optional[Any] = Field(alias="validUntil", default=None)
    "Not before the quote date."
    cash_discount_percent: Optional[Any] = Field(
        alias="cashDiscountPercent", default=None
    )
    "0-100."
    terms: Optional[str] = None
    "Terms; null clears them."
    notes: Optional[str] = None
    "Notes; null clears them."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateQuoteLineInput(BaseModel):
    """Changes to a quote line; fields you leave out stay as they are."""

    product_id: Optional[str] = Field(alias="productId", default=None)
    "An active Product."
    description: Optional[str] = None
    "Text of the line."
    quantity: Optional[Any] = None
    "> 0."
    unit_price: Optional[Any] = Field(alias="unitPrice", default=None)
    "null: back to catalogue price."
    discount_percent: Optional[Any] = Field(alias="discountPercent", default=None)
    "Line discount 0-100."
    tax_rate: Optional[Any] = Field(alias="taxRate", default=None)
    "Free-text lines only."
    currency: Optional[str] = None
    "If sent, must be the quote currency."


class UpdateRiskInput(BaseModel):
    """Changes to a risk; left-out fields stay."""

    title: Optional[str] = None
    "1-300 characters."
    description: Optional[str] = None
    "Details; null clears."
    category: Optional[str] = None
    "Option key; null clears."
    probability: Optional[int] = None
    "1-5."
    impact: Optional[int] = None
    "1-5."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "A project member."
    response: Optional[RiskResponse] = None
    "Strategy."
    mitigation_plan: Optional[str] = Field(alias="mitigationPlan", default=None)
    "Plan; null clears."
    status: Optional[RiskStatus] = None
    "OPEN, MONITORING or CLOSED."
    review_date: Optional[Any] = Field(alias="reviewDate", default=None)
    "Next review; null clears."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateRoleInput(BaseModel):
    """Changes to a custom role; grants and capabilities replace the old ones."""

    name: Optional[str] = None
    "New display name; left out: unchanged."
    grants: Optional[list["RoleGrantInput"]] = None
    "Replaces every grant; left out: unchanged."
    capabilities: Optional[list[CapabilityName]] = None
    "Replaces the capabilities; left out: unchanged."


class UpdateSalesOrderInput(BaseModel):
    """Changes to an order; its lines and amounts are frozen."""

    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Owning User."
    notes: Optional[str] = None
    "Notes; null clears them."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateSalesPlanItemInput(BaseModel):
    """Changes to a plan item; fields you leave out stay as they are."""

    title: Optional[str] = None
    "1-300 characters."
    due_date: Optional[Any] = Field(alias="dueDate", default=None)
    "When it is due."
    owner_id: Optional[str] = Field(alias="ownerId", default=None)
    "Who carries it out."
    status: Optional[PlanItemStatus] = None
    "OPEN or DONE."
    check_note: Optional[str] = Field(alias="checkNote", default=None)
    "What the check found."
    follow_up: Optional[str] = Field(alias="followUp", default=None)
    "The follow-up action."


class UpdateSecuritySettingsInput(BaseModel):
    """Only the fields you send change."""

    ip_allowlist: Optional[list[str]] = Field(alias="ipAllowlist", default=None)
    "Up to 100 CIDR networks (a bare address is one host); [] or null: any address. Must contain the address you save it from."
    session_idle_minutes: Optional[int] = Field(
        alias="sessionIdleMinutes", default=None
    )
    "5 to 525600, or null for the server default."
    session_max_hours: Optional[int] = Field(alias="sessionMaxHours", default=None)
    "1 to 8784, or null for the server default."
    mfa_required: Optional[MfaRequirement] = Field(alias="mfaRequired", default=None)
    "Requiring MFA for a group you are in needs your own factor first."


class UpdateSegmentInput(BaseModel):
    """Changes to a segment; a new filter on a frozen segment takes a new snapshot."""

    name: Optional[str] = None
    "Name (max 200)."
    filter_: Optional["SegmentFilterInput"] = Field(alias="filter", default=None)
    "The new filter, over the same records as before."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateServiceSettingsInput(BaseModel):
    """Service settings; left-out fields stay."""

    week: Optional[list["WorkingDayInput"]] = None
    "The whole working week (replaces it)."
    utc_offset_minutes: Optional[int] = Field(alias="utcOffsetMinutes", default=None)
    "Local time = UTC + offset (-720 to 840)."
    reopen_window_days: Optional[int] = Field(alias="reopenWindowDays", default=None)
    "0-365 days after resolution."
    survey_kind: Optional[SurveySetting] = Field(alias="surveyKind", default=None)
    "The survey closing a ticket sends: NONE, CSAT or NPS (default CSAT)."
    survey_valid_days: Optional[int] = Field(alias="surveyValidDays", default=None)
    "Days a survey link stays valid (1-365)."


class UpdateSlaPolicyInput(BaseModel):
    """Changes to an SLA policy; they apply to tickets opened or re-prioritised afterwards."""

    name: Optional[str] = None
    "1-200 characters."
    customer_tier: Optional[str] = Field(alias="customerTier", default=None)
    "Null: any tier."
    first_response_minutes: Optional[int] = Field(
        alias="firstResponseMinutes", default=None
    )
    "Working minutes, 1-525,600."
    resolution_minutes: Optional[int] = Field(alias="resolutionMinutes", default=None)
    "Working minutes, 1-525,600."
    at_risk_percent: Optional[int] = Field(alias="atRiskPercent", default=None)
    "1-99."
    escalate_to_id: Optional[str] = Field(alias="escalateToId", default=None)
    "Null: no reassignment."
    active: Optional[bool] = None
    "Inactive policies are not applied."


class UpdateTaskInput(BaseModel):
    """Changes to a task (status has its own mutation); left-out fields stay."""

    title: Optional[str] = None
    "One-line summary."
    description: Optional[str] = None
    "Details; null clears them."
    priority: Optional[TaskPriority] = None
    "How urgent."
    assignee_id: Optional[str] = Field(alias="assigneeId", default=None)
    "A project member; null unassigns."
    milestone_id: Optional[str] = Field(alias="milestoneId", default=None)
    "A Milestone of the project; null detaches."
    parent_id: Optional[str] = Field(alias="parentId", default=None)
    "Parent Task; null makes it top-level."
    estimate_hours: Optional[Any] = Field(alias="estimateHours", default=None)
    "Estimated hours."
    start_date: Optional[Any] = Field(alias="startDate", default=None)
    "Planned start."
    due_date: Optional[Any] = Field(alias="dueDate", default=None)
    "Due date."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateTicketInput(BaseModel):
    """Changes to a ticket; fields you leave out stay as they are."""

    subject: Optional[str] = None
    "1-300 characters."
    description: Optional[str] = None
    "Null clears it."
    kind: Optional[TicketKind] = None
    "QUESTION, COMPLAINT or REQUEST."
    channel: Optional[str] = None
    "A ticket_channels key."
    priority: Optional[TicketPriority] = None
    "A change re-matches the SLA policy, counted from creation."
    category: Optional[str] = None
    "A ticket_categories key; null clears it."
    customer_tier: Optional[str] = Field(alias="customerTier", default=None)
    "A change re-matches the SLA policy."
    account_id: Optional[str] = Field(alias="accountId", default=None)
    "Null unlinks."
    contact_id: Optional[str] = Field(alias="contactId", default=None)
    "Null unlinks."
    product_id: Optional[str] = Field(alias="productId", default=None)
    "Null unlinks."
    contract_id: Optional[str] = Field(alias="contractId", default=None)
    "Null unlinks."
    assignee_id: Optional[str] = Field(alias="assigneeId", default=None)
    "An active member; null: back to the unassigned queue."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UpdateWorkReportInput(BaseModel):
    """Fields to change on your draft report."""

    summary: Optional[str] = None
    "At most 20,000 characters."
    plans: Optional[str] = None
    "Null clears it."


class UploadDocumentInput(BaseModel):
    """A new document sent in this request (GraphQL multipart request). For files over a few MB use requestUpload."""

    file: Upload
    "The file part (the multipart request's `map` points here)."
    name: Optional[str] = None
    "Display name; defaults to the file name."
    content_type: Optional[str] = Field(alias="contentType", default=None)
    "Media type; defaults to the part's Content-Type. Checked against the bytes."
    tags: Optional[list[str]] = None
    "At most 20 tags."
    links: Optional[list["DocumentLinkInput"]] = None
    "Records to attach it to."
    custom: Optional[Any] = None
    'Custom values by field key, e.g. {"score": 5}; null clears one; see fieldDefinitions.'


class UploadDocumentVersionInput(BaseModel):
    """A new version of a document, sent in this request (multipart)."""

    document_id: str = Field(alias="documentId")
    "The Document."
    file: Upload
    "The file part."
    content_type: Optional[str] = Field(alias="contentType", default=None)
    "Media type; defaults to the part's."


class VerifyMfaInput(BaseModel):
    """The second step of a login: its challenge and a current or recovery code."""

    challenge: str
    "The token of login's mfaChallenge."
    code: str
    "A 6-digit code, or one of your recovery codes (single use)."


class VolumeTierInput(BaseModel):
    """A volume tier: from `minQuantity` on, `percent` off."""

    min_quantity: Any = Field(alias="minQuantity")
    "> 0; unique within the set."
    percent: Any
    "0-100."


class WalkInInput(BaseModel):
    """Someone nobody invited: becomes a pool lead from the campaign, checked in."""

    campaign_id: str = Field(alias="campaignId")
    "The Campaign whose event it is."
    first_name: Optional[str] = Field(alias="firstName", default=None)
    "Given name (max 100)."
    last_name: Optional[str] = Field(alias="lastName", default=None)
    "Family name (max 100)."
    email: Optional[str] = None
    "Email address."
    phone: Optional[str] = None
    "Phone number (max 40)."
    company_name: Optional[str] = Field(alias="companyName", default=None)
    "Company (max 200)."
    title: Optional[str] = None
    "Job title (max 200)."


class WorkReportFilter(BaseModel):
    """Conditions on work reports."""

    author_id: Optional[str] = Field(alias="authorId", default=None)
    "Only this member's."
    period: Optional[WorkReportPeriod] = None
    "Only daily or weekly ones."


class WorkingDayInput(BaseModel):
    """One working day of the service week."""

    weekday: int
    "ISO weekday: 1 Monday ... 7 Sunday; each at most once."
    start_minute: int = Field(alias="startMinute")
    "Start, minutes after local midnight (0-1439)."
    end_minute: int = Field(alias="endMinute")
    "End, after the start, at most 1440."


AccountFilter.model_rebuild()
ActivityFilter.model_rebuild()
CampaignFilter.model_rebuild()
CloseOutProjectInput.model_rebuild()
ContactFilter.model_rebuild()
ContractFilter.model_rebuild()
ConvertLeadInput.model_rebuild()
CreateAccountInput.model_rebuild()
CreateFieldDefinitionInput.model_rebuild()
CreateOpportunityInput.model_rebuild()
CreatePipelineInput.model_rebuild()
CreateQuoteInput.model_rebuild()
CreateRoleInput.model_rebuild()
CreateSalesOrderInput.model_rebuild()
CreateSalesReturnInput.model_rebuild()
CreateSegmentInput.model_rebuild()
CustomFieldCondition.model_rebuild()
DefineApprovalChainInput.model_rebuild()
DocumentFilter.model_rebuild()
FeedbackFilter.model_rebuild()
FieldValidationInput.model_rebuild()
LeadFilter.model_rebuild()
OpportunityFilter.model_rebuild()
ProjectFilter.model_rebuild()
QuoteFilter.model_rebuild()
RecordInspectionInput.model_rebuild()
RequestExportInput.model_rebuild()
RequestUploadInput.model_rebuild()
RiskFilter.model_rebuild()
RoleGrantInput.model_rebuild()
SalesOrderFilter.model_rebuild()
SaveImportMappingInput.model_rebuild()
SegmentFilterInput.model_rebuild()
StartImportInput.model_rebuild()
TaskFilter.model_rebuild()
TicketFilter.model_rebuild()
UpdateAccountInput.model_rebuild()
UpdateFieldDefinitionInput.model_rebuild()
UpdateOpportunityInput.model_rebuild()
UpdateRoleInput.model_rebuild()
UpdateSegmentInput.model_rebuild()
UpdateServiceSettingsInput.model_rebuild()
UploadDocumentInput.model_rebuild()
