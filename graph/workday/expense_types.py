"""GraphQL types and inputs of expense claims."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import UNSET, relay

from graph.approvals.types import ApprovalRequest, requests_by_id
from graph.core.context import Info
from graph.core.errors import UserError
from graph.core.nodes import load_by_id, resolve_by_ids
from graph.crm import loaders as crm_loaders
from graph.crm.types import Account
from graph.identity.types import User, owner
from graph.workday.loaders import expense_claims_by_id
from graph.workday.models import EXPENSE_CATEGORIES, EXPENSE_STATUSES
from graph.workday.models import ExpenseClaim as ExpenseClaimRow


@strawberry.enum(description="What the money was spent on.")
class ExpenseCategory(Enum):
    TRAVEL = "travel"
    LODGING = "lodging"
    MEALS = "meals"
    ENTERTAINMENT = "entertainment"
    SUPPLIES = "supplies"
    OTHER = "other"


@strawberry.enum(description="DRAFT → SUBMITTED (approval chain) → APPROVED or REJECTED.")
class ExpenseStatus(Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


assert {c.value for c in ExpenseCategory} == set(EXPENSE_CATEGORIES)
assert {s.value for s in ExpenseStatus} == set(EXPENSE_STATUSES)


@strawberry.type(description="Money a member spent for work, claimed back through the approval chain.")
class ExpenseClaim(relay.Node):
    id: relay.NodeID[str]
    category: ExpenseCategory = strawberry.field(description="What it was spent on.")
    amount: Decimal = strawberry.field(description="How much, in `currency`.")
    currency: str = strawberry.field(description="ISO 4217 code.")
    incurred_on: date = strawberry.field(description="The day it was spent.")
    description: str | None = strawberry.field(description="Free text.")
    status: ExpenseStatus = strawberry.field(description="Where the claim stands.")
    submitted_at: datetime | None = strawberry.field(description="When it was submitted.")
    decided_at: datetime | None = strawberry.field(description="When the chain approved or rejected it.")
    version: int = strawberry.field(description="Pass to updates.")
    claimant_id: strawberry.Private[uuid.UUID]
    account_id: strawberry.Private[uuid.UUID | None]
    project_uuid: strawberry.Private[uuid.UUID | None]
    campaign_uuid: strawberry.Private[uuid.UUID | None]
    approval_request_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ExpenseClaim | None]:
        """Claims in your scope (own, team or all, by role)."""
        return await resolve_by_ids(
            info, "expense_claims_by_id", expense_claims_by_id, node_ids, cls.from_model
        )

    @classmethod
    def from_model(cls, row: ExpenseClaimRow) -> ExpenseClaim:
        return cls(
            id=str(row.id),
            category=ExpenseCategory(row.category),
            amount=row.amount,
            currency=row.currency,
            incurred_on=row.incurred_on,
            description=row.description,
            status=ExpenseStatus(row.status),
            submitted_at=row.submitted_at,
            decided_at=row.decided_at,
            version=row.version,
            claimant_id=row.claimant_id,
            account_id=row.account_id,
            project_uuid=row.project_id,
            campaign_uuid=row.campaign_id,
            approval_request_id=row.approval_request_id,
        )

    @strawberry.field(description="Who spent it.")
    async def claimant(self, info: Info) -> User | None:
        return await owner(info, self.claimant_id)

    @strawberry.field(description="The customer it was for; null when none or not yours to see.")
    async def account(self, info: Info) -> Account | None:
        record = await load_by_id(info, "accounts_by_id", crm_loaders.accounts_by_id, self.account_id)
        return Account.from_model(record) if record else None

    @strawberry.field(description="Global id of the Project it was for (fetch it with node); null when none.")
    def project_id(self) -> relay.GlobalID | None:
        return relay.GlobalID("Project", str(self.project_uuid)) if self.project_uuid else None

    @strawberry.field(
        description="Global id of the Campaign it was for (fetch it with node); null when none."
    )
    def campaign_id(self) -> relay.GlobalID | None:
        return relay.GlobalID("Campaign", str(self.campaign_uuid)) if self.campaign_uuid else None

    @strawberry.field(description="The approval request deciding it; null while a draft or not yours to see.")
    async def approval_request(self, info: Info) -> ApprovalRequest | None:
        record = await load_by_id(info, "requests_by_id", requests_by_id, self.approval_request_id)
        return ApprovalRequest.from_model(record) if record else None


@strawberry.type(description="Approved expense claims of one currency.")
class ExpenseTotal:
    currency: str = strawberry.field(description="ISO 4217 code.")
    amount: Decimal = strawberry.field(description="Sum of the approved claims in scope.")
    claims: int = strawberry.field(description="How many claims.")


@strawberry.type(description="Approved expense claims per currency (never converted: no rate is implied).")
class ExpenseTotals:
    totals: list[ExpenseTotal] = strawberry.field(description="One entry per currency, by code.")


@strawberry.input(description="Conditions on expense claims.")
class ExpenseClaimFilter:
    status: ExpenseStatus | None = strawberry.field(default=None, description="Only claims in this state.")
    project_id: relay.GlobalID | None = strawberry.field(default=None, description="Only claims for it.")
    campaign_id: relay.GlobalID | None = strawberry.field(default=None, description="Only claims for it.")


@strawberry.input(description="A new expense claim (a draft until submitted).")
class CreateExpenseClaimInput:
    category: ExpenseCategory = strawberry.field(description="What it was spent on.")
    amount: Decimal = strawberry.field(description="Above 0, at most 1,000,000, the currency's decimals.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    incurred_on: date = strawberry.field(description="The day it was spent; not in the future.")
    description: str | None = strawberry.field(default=UNSET, description="At most 2,000 characters.")
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="An Account you can see.")
    project_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="A Project you can see.")
    campaign_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="A Campaign you can see; the claim is then in its currency."
    )


@strawberry.input(description="Fields to change on your draft claim; those left out keep their value.")
class UpdateExpenseClaimInput:
    category: ExpenseCategory | None = strawberry.field(default=UNSET, description="New category.")
    amount: Decimal | None = strawberry.field(default=UNSET, description="New amount.")
    currency: str | None = strawberry.field(default=UNSET, description="New currency.")
    incurred_on: date | None = strawberry.field(default=UNSET, description="New day.")
    description: str | None = strawberry.field(default=UNSET, description="Null clears it.")
    account_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null clears it.")
    project_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null clears it.")
    campaign_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Null clears it.")


CLAIM_IDS = {
    "account_id": ("Account", "accountId"),
    "project_id": ("Project", "projectId"),
    "campaign_id": ("Campaign", "campaignId"),
}


@strawberry.type(description="Result of an expense claim mutation.")
class ExpenseClaimPayload:
    claim: ExpenseClaim | None = strawberry.field(default=None, description="The claim after the change.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
