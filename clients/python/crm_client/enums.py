from enum import Enum


class AcceptanceStatus(str, Enum):
    PENDING = "PENDING"
    SIGNED = "SIGNED"
    REJECTED = "REJECTED"


class AccountOrderField(str, Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


class ActivityKind(str, Enum):
    CALL = "CALL"
    EMAIL = "EMAIL"
    MEETING = "MEETING"
    NOTE = "NOTE"
    TASK = "TASK"


class ActivityOrderField(str, Enum):
    OCCURRED_AT = "OCCURRED_AT"
    DUE_AT = "DUE_AT"
    CREATED_AT = "CREATED_AT"


class ApprovalDecisionKind(str, Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


class ApprovalRule(str, Enum):
    ALL = "ALL"
    ANY = "ANY"


class ApprovalStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class ArticleAudience(str, Enum):
    INTERNAL = "INTERNAL"
    PUBLIC = "PUBLIC"


class ArticleStatus(str, Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class AttributionModel(str, Enum):
    FIRST_TOUCH = "FIRST_TOUCH"
    LAST_TOUCH = "LAST_TOUCH"


class BuyingRole(str, Enum):
    DECISION_MAKER = "DECISION_MAKER"
    INFLUENCER = "INFLUENCER"
    USER = "USER"
    BLOCKER = "BLOCKER"


class CalendarItemKind(str, Enum):
    MEETING = "MEETING"
    CALL = "CALL"
    VISIT = "VISIT"
    TASK = "TASK"
    OTHER = "OTHER"


class CalendarItemStatus(str, Enum):
    PLANNED = "PLANNED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class CampaignOrderField(str, Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    STARTS_ON = "STARTS_ON"


class CampaignStatus(str, Enum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class CapabilityName(str, Enum):
    MANAGE_USERS = "MANAGE_USERS"
    MANAGE_ROLES = "MANAGE_ROLES"
    VIEW_AUDIT_LOG = "VIEW_AUDIT_LOG"
    EXPORT = "EXPORT"
    MANAGE_FIELDS = "MANAGE_FIELDS"
    MANAGE_SETTINGS = "MANAGE_SETTINGS"
    APPROVE_CHANGES = "APPROVE_CHANGES"
    VIEW_REPORTS = "VIEW_REPORTS"


class ChangeKind(str, Enum):
    SCOPE = "SCOPE"
    SCHEDULE = "SCHEDULE"
    BUDGET = "BUDGET"


class ChangeStatus(str, Enum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    UNDER_REVIEW = "UNDER_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    IMPLEMENTED = "IMPLEMENTED"


class CheckInMethod(str, Enum):
    CODE = "CODE"
    QR = "QR"
    STAFF = "STAFF"
    WALK_IN = "WALK_IN"


class CommerceOrderField(str, Enum):
    CREATED_AT = "CREATED_AT"
    NUMBER = "NUMBER"


class ContactOrderField(str, Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


class ContractStatus(str, Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class CustomFieldType(str, Enum):
    TEXT = "TEXT"
    LONG_TEXT = "LONG_TEXT"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    CURRENCY_AMOUNT = "CURRENCY_AMOUNT"
    DATE = "DATE"
    DATETIME = "DATETIME"
    BOOLEAN = "BOOLEAN"
    SINGLE_SELECT = "SINGLE_SELECT"
    MULTI_SELECT = "MULTI_SELECT"
    USER_REFERENCE = "USER_REFERENCE"
    RECORD_REFERENCE = "RECORD_REFERENCE"
    URL = "URL"
    EMAIL = "EMAIL"
    PHONE = "PHONE"


class DefectSeverity(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class DefectStatus(str, Enum):
    OPEN = "OPEN"
    FIXED = "FIXED"
    VERIFIED = "VERIFIED"
    WAIVED = "WAIVED"


class DeliveryStatus(str, Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class DocumentLinkRole(str, Enum):
    ATTACHMENT = "ATTACHMENT"
    SIGNED_COPY = "SIGNED_COPY"


class DocumentOrderField(str, Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    SIZE = "SIZE"


class DuplicateMatch(str, Enum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    COMPANY = "COMPANY"


class DuplicateMode(str, Enum):
    SKIP = "SKIP"
    UPDATE = "UPDATE"
    CREATE = "CREATE"


class ExpenseCategory(str, Enum):
    TRAVEL = "TRAVEL"
    LODGING = "LODGING"
    MEALS = "MEALS"
    ENTERTAINMENT = "ENTERTAINMENT"
    SUPPLIES = "SUPPLIES"
    OTHER = "OTHER"


class ExpenseStatus(str, Enum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ExportFormat(str, Enum):
    CSV = "CSV"
    XLSX = "XLSX"


class ExportStatus(str, Enum):
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    QUEUED = "QUEUED"
    DONE = "DONE"
    REJECTED = "REJECTED"
    FAILED = "FAILED"


class FeedbackKind(str, Enum):
    SUGGESTION = "SUGGESTION"
    PRAISE = "PRAISE"


class FeedbackOrderField(str, Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


class FeedbackStatus(str, Enum):
    NEW = "NEW"
    UNDER_REVIEW = "UNDER_REVIEW"
    PLANNED = "PLANNED"
    DONE = "DONE"
    DECLINED = "DECLINED"


class FieldAccessRule(str, Enum):
    HIDDEN = "HIDDEN"
    READ_ONLY = "READ_ONLY"


class HealthStatus(str, Enum):
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    OFF_TRACK = "OFF_TRACK"


class ImportStatus(str, Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    UNDO_QUEUED = "UNDO_QUEUED"
    UNDOING = "UNDOING"
    UNDONE = "UNDONE"


class InvitationStatus(str, Enum):
    INVITED = "INVITED"
    CONFIRMED = "CONFIRMED"
    CHECKED_IN = "CHECKED_IN"
    NO_SHOW = "NO_SHOW"


class InvoiceKind(str, Enum):
    VAT_SPECIAL = "VAT_SPECIAL"
    VAT_ORDINARY = "VAT_ORDINARY"


class InvoiceStatus(str, Enum):
    REQUESTED = "REQUESTED"
    ISSUED = "ISSUED"
    SENT = "SENT"
    REVERSED = "REVERSED"


class KbArticleOrderField(str, Enum):
    UPDATED_AT = "UPDATED_AT"
    HELPFUL = "HELPFUL"


class LeadOrderField(str, Enum):
    CREATED_AT = "CREATED_AT"
    NAME = "NAME"


class LeadStatus(str, Enum):
    NEW = "NEW"
    WORKING = "WORKING"
    QUALIFIED = "QUALIFIED"
    DISQUALIFIED = "DISQUALIFIED"
    CONVERTED = "CONVERTED"


class LeaveKind(str, Enum):
    ANNUAL = "ANNUAL"
    SICK = "SICK"
    UNPAID = "UNPAID"
    OTHER = "OTHER"


class LeaveStatus(str, Enum):
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class LoginMethod(str, Enum):
    PASSWORD = "PASSWORD"
    INVITATION = "INVITATION"
    API_KEY = "API_KEY"


class LoginOutcome(str, Enum):
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    THROTTLED = "THROTTLED"


class MaterialStatus(str, Enum):
    PLANNED = "PLANNED"
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


class MessageVisibility(str, Enum):
    INTERNAL = "INTERNAL"
    PUBLIC = "PUBLIC"


class MfaChallengePurpose(str, Enum):
    VERIFY = "VERIFY"
    ENROL = "ENROL"


class MfaRequirement(str, Enum):
    NONE = "NONE"
    ADMINS = "ADMINS"
    ALL = "ALL"


class MyApprovalsScope(str, Enum):
    AWAITING_ME = "AWAITING_ME"
    REQUESTED_BY_ME = "REQUESTED_BY_ME"


class NameOrder(str, Enum):
    GIVEN_FIRST = "GIVEN_FIRST"
    FAMILY_FIRST = "FAMILY_FIRST"


class OpportunityOrderField(str, Enum):
    NAME = "NAME"
    AMOUNT = "AMOUNT"
    EXPECTED_CLOSE_ON = "EXPECTED_CLOSE_ON"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


class OpportunityStatus(str, Enum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"


class OrderDirection(str, Enum):
    ASC = "ASC"
    DESC = "DESC"


class PaymentMethod(str, Enum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CARD = "CARD"
    CASH = "CASH"
    CHEQUE = "CHEQUE"
    OTHER = "OTHER"


class PlanItemStatus(str, Enum):
    OPEN = "OPEN"
    DONE = "DONE"


class PoolEventKind(str, Enum):
    CLAIMED = "CLAIMED"
    RELEASED = "RELEASED"
    RECLAIMED = "RECLAIMED"
    WARNED = "WARNED"


class ProjectOrderField(str, Enum):
    NAME = "NAME"
    CODE = "CODE"
    CREATED_AT = "CREATED_AT"


class ProjectRole(str, Enum):
    LEAD = "LEAD"
    CONTRIBUTOR = "CONTRIBUTOR"
    OBSERVER = "OBSERVER"


class ProjectStatus(str, Enum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    ON_HOLD = "ON_HOLD"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class QuoteStatus(str, Enum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"


class RecordScope(str, Enum):
    OWN = "OWN"
    TEAM = "TEAM"
    TEAM_TREE = "TEAM_TREE"
    ALL = "ALL"


class ReportGrouping(str, Enum):
    PERIOD = "PERIOD"
    OWNER = "OWNER"


class ReportPeriod(str, Enum):
    MONTH = "MONTH"
    QUARTER = "QUARTER"


class ReturnResolution(str, Enum):
    REFUND = "REFUND"
    REPLACEMENT = "REPLACEMENT"


class RiskOrderField(str, Enum):
    SCORE = "SCORE"
    CREATED_AT = "CREATED_AT"


class RiskResponse(str, Enum):
    AVOID = "AVOID"
    MITIGATE = "MITIGATE"
    TRANSFER = "TRANSFER"
    ACCEPT = "ACCEPT"


class RiskStatus(str, Enum):
    OPEN = "OPEN"
    MONITORING = "MONITORING"
    CLOSED = "CLOSED"


class RoleAction(str, Enum):
    READ = "READ"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class SalesApprovalSubject(str, Enum):
    QUOTE_DISCOUNT = "QUOTE_DISCOUNT"
    CONTRACT_AMOUNT = "CONTRACT_AMOUNT"
    ORDER_CANCELLATION = "ORDER_CANCELLATION"
    REFUND = "REFUND"


class SalesOrderStatus(str, Enum):
    DRAFT = "DRAFT"
    CONFIRMED = "CONFIRMED"
    PARTIALLY_DELIVERED = "PARTIALLY_DELIVERED"
    DELIVERED = "DELIVERED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class SatisfactionSource(str, Enum):
    CUSTOMER_SURVEY = "CUSTOMER_SURVEY"
    MANAGER = "MANAGER"
    NONE = "NONE"


class SegmentTarget(str, Enum):
    ACCOUNT = "ACCOUNT"
    CONTACT = "CONTACT"
    LEAD = "LEAD"


class StageKind(str, Enum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"


class SurveyGrouping(str, Enum):
    AGENT = "AGENT"
    TEAM = "TEAM"
    PRODUCT = "PRODUCT"
    MONTH = "MONTH"


class SurveyKind(str, Enum):
    CSAT = "CSAT"
    NPS = "NPS"


class SurveySetting(str, Enum):
    NONE = "NONE"
    CSAT = "CSAT"
    NPS = "NPS"


class TargetLevel(str, Enum):
    USER = "USER"
    TEAM = "TEAM"
    TENANT = "TENANT"


class TargetMetric(str, Enum):
    AMOUNT_WON = "AMOUNT_WON"
    AMOUNT_COLLECTED = "AMOUNT_COLLECTED"
    NEW_CUSTOMERS = "NEW_CUSTOMERS"


class TargetPeriod(str, Enum):
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


class TaskOrderField(str, Enum):
    TITLE = "TITLE"
    CREATED_AT = "CREATED_AT"


class TaskPriority(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class TaskStatus(str, Enum):
    TODO = "TODO"
    IN_PROGRESS = "IN_PROGRESS"
    BLOCKED = "BLOCKED"
    DONE = "DONE"


class TicketKind(str, Enum):
    QUESTION = "QUESTION"
    COMPLAINT = "COMPLAINT"
    REQUEST = "REQUEST"


class TicketOrderField(str, Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NUMBER = "NUMBER"


class TicketPriority(str, Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


class TicketQueue(str, Enum):
    MINE = "MINE"
    MY_TEAM = "MY_TEAM"
    UNASSIGNED = "UNASSIGNED"
    AT_RISK = "AT_RISK"
    BREACHED = "BREACHED"


class TicketStatus(str, Enum):
    NEW = "NEW"
    OPEN = "OPEN"
    PENDING_CUSTOMER = "PENDING_CUSTOMER"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    MERGED = "MERGED"


class WorkReportPeriod(str, Enum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


class WorkReportStatus(str, Enum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
