"""Expense claims: a member records what they spent, submits it, and the tenant's `expense_claim`
approval chain (graph/approvals) decides, step by step; the claimant is notified of the result.

A claim is the claimant's own record (record scope on `expense_claim` by claimant): drafts are changed
only by the claimant; a submitted claim is frozen until decided. Approved claims count in the totals
per project and account (`expense_totals`), and those linked to a project in that project's actual cost
(`approved_claims`, registered as a claim source of graph/projects/costs: the project's cost counts them
whoever reads it, as it counts everyone's hours). A claim may also be for a campaign the claimant can see,
in the campaign's currency (checked again on submission); approved, it counts in the campaign's actual cost
and ROI (`campaign_claims`, registered with graph/marketing/campaigns the same way).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.approvals.chains import register_approval_subject
from graph.approvals.models import ApprovalRequest
from graph.approvals.requests import start_approval
from graph.core.rules import check_version, collect, flush_versioned, snapshot
from graph.crm.accounts import get_account
from graph.marketing.campaigns import linked_campaign
from graph.marketing.campaigns import register_claim_source as register_campaign_claim_source
from graph.notifications.notify import notify
from graph.projects.access import get_project
from graph.projects.costs.costs import register_claim_source
from graph.workday.models import EXPENSE_CATEGORIES, EXPENSE_CLAIM, ExpenseClaim
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.locales import validate_currency
from tenants.permissions import Action, Actor, record_scope_clause
from tenants.validation import money_amount, optional_text

APPROVAL_SUBJECT = "expense_claim"
MAX_AMOUNT = Decimal("1000000")
AUDITED_FIELDS = (
    "category",
    "amount",
    "currency",
    "incurred_on",
    "description",
    "account_id",
    "project_id",
    "campaign_id",
)


def expense_scope(actor: Actor) -> ColumnElement[bool]:
    return (ExpenseClaim.tenant_id == actor.tenant_id) & record_scope_clause(
        actor, EXPENSE_CLAIM, ExpenseClaim.claimant_id
    )


async def get_claim(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID, field: str = "id"
) -> ExpenseClaim:
    actor.require(EXPENSE_CLAIM, Action.READ)
    claim = await session.scalar(
        select(ExpenseClaim).where(expense_scope(actor), ExpenseClaim.id == claim_id)
    )
    if claim is None:
        raise not_found("expense claim", field)
    return claim


def clean_category(value: str | None) -> str:
    if value not in EXPENSE_CATEGORIES:
        raise DomainError(ErrorCode.INVALID, f"Use one of: {', '.join(EXPENSE_CATEGORIES)}.", "category")
    return value


def clean_day(value: date | None) -> date:
    if value is None:
        raise DomainError(ErrorCode.REQUIRED, "When was it spent?", "incurredOn")
    if value > datetime.now(UTC).date():
        raise DomainError(ErrorCode.INVALID, "An expense cannot be in the future.", "incurredOn")
    return value


async def clean_claim(
    session: AsyncSession, actor: Actor, values: Mapping[str, Any], current: ExpenseClaim | None
) -> dict[str, Any]:
    rules: dict[str, Any] = {
        "category": clean_category,
        "currency": lambda v: validate_currency(v, "currency"),
        "incurred_on": clean_day,
        "description": lambda v: optional_text(v, "description", 2_000),
    }
    cleaned = collect(
        {key: (lambda v=value, rule=rules[key]: rule(v)) for key, value in values.items() if key in rules}
    )
    if "amount" in values or "currency" in cleaned:
        currency = cleaned.get("currency", current.currency if current else None)
        raw = values.get("amount", current.amount if current else None)
        if raw is None:
            raise DomainError(ErrorCode.REQUIRED, "How much was spent?", "amount")
        amount = money_amount(raw, currency or "USD", "amount")
        if not Decimal(0) < amount <= MAX_AMOUNT:
            raise DomainError(ErrorCode.INVALID, f"An amount is above 0 and at most {MAX_AMOUNT}.", "amount")
        cleaned["amount"] = amount
    if values.get("account_id") is not None:
        cleaned["account_id"] = (await get_account(session, actor, values["account_id"], "accountId")).id
    elif "account_id" in values:
        cleaned["account_id"] = None
    if values.get("project_id") is not None:
        cleaned["project_id"] = (await get_project(session, actor, values["project_id"], "projectId")).id
    elif "project_id" in values:
        cleaned["project_id"] = None
    campaign = None
    if values.get("campaign_id") is not None:
        campaign = await linked_campaign(session, actor, values["campaign_id"], "campaignId")
        cleaned["campaign_id"] = campaign.id
    elif "campaign_id" in values:
        cleaned["campaign_id"] = None
    elif current is not None and current.campaign_id is not None and "currency" in cleaned:
        campaign = await linked_campaign(session, actor, current.campaign_id, "campaignId")
    if campaign is not None:
        require_campaign_currency(
            campaign.currency, cleaned.get("currency", current.currency if current else None)
        )
    return cleaned


def require_campaign_currency(campaign_currency: str, currency: str | None) -> None:
    """A claim for a campaign is in its currency, so it adds up with the campaign's cost lines."""
    if currency != campaign_currency:
        raise DomainError(
            ErrorCode.INVALID,
            f"A claim for this campaign is in its currency, {campaign_currency}.",
            "currency",
        )


async def create_claim(session: AsyncSession, actor: Actor, values: Mapping[str, Any]) -> ExpenseClaim:
    actor.require(EXPENSE_CLAIM, Action.CREATE)
    cleaned = await clean_claim(session, actor, values, None)
    claim = ExpenseClaim(tenant_id=actor.tenant_id, claimant_id=actor.user_id, status="draft", **cleaned)
    session.add(claim)
    await session.flush()
    changes = audit.diff({}, snapshot(claim, AUDITED_FIELDS))
    await audit.record(session, actor, "expense_claim.create", EXPENSE_CLAIM, claim.id, changes)
    return claim


async def own_draft(session: AsyncSession, actor: Actor, claim_id: uuid.UUID, version: int) -> ExpenseClaim:
    actor.require(EXPENSE_CLAIM, Action.UPDATE)
    claim = await get_claim(session, actor, claim_id)
    check_version(claim, version, "expense claim")
    if claim.claimant_id != actor.user_id:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "Only the claimant changes or submits a claim.")
    if claim.status != "draft":
        raise DomainError(ErrorCode.INVALID_TRANSITION, f"This claim is already {claim.status}.", "id")
    return claim


async def update_claim(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> ExpenseClaim:
    claim = await own_draft(session, actor, claim_id, version)
    cleaned = await clean_claim(session, actor, values, claim)
    before = snapshot(claim, AUDITED_FIELDS)
    for key, value in cleaned.items():
        setattr(claim, key, value)
    await flush_versioned(session, "expense claim")
    changes = audit.diff(before, snapshot(claim, AUDITED_FIELDS))
    await audit.record(session, actor, "expense_claim.update", EXPENSE_CLAIM, claim.id, changes)
    return claim


async def submit_claim(
    session: AsyncSession, actor: Actor, claim_id: uuid.UUID, version: int
) -> ExpenseClaim:
    """draft → submitted, opening a request on the tenant's expense claim chain (INVALID without one)."""
    claim = await own_draft(session, actor, claim_id, version)
    if claim.campaign_id is not None:
        # Locked: the campaign's currency cannot change until this claim counts as pending there.
        campaign = await linked_campaign(session, actor, claim.campaign_id, "campaignId", lock=True)
        require_campaign_currency(campaign.currency, claim.currency)
    title = f"Expense claim: {claim.amount} {claim.currency} {claim.category} on {claim.incurred_on}"
    request = await start_approval(session, actor, APPROVAL_SUBJECT, claim.id, title)
    claim.status, claim.approval_request_id = "submitted", request.id
    claim.submitted_at = datetime.now(UTC)
    await flush_versioned(session, "expense claim")
    await audit.record(
        session, actor, "expense_claim.submit", EXPENSE_CLAIM, claim.id, {"status": ["draft", "submitted"]}
    )
    return claim


async def on_approval_decision(
    session: AsyncSession, actor: Actor, request: ApprovalRequest, comment: str | None
) -> None:
    """The chain's final word becomes the claim's status, and the claimant hears it. Intermediate
    approvals leave the claim submitted (the request shows where it stands)."""
    if request.status not in ("approved", "rejected"):
        return
    claim = await session.scalar(
        select(ExpenseClaim).where(ExpenseClaim.id == request.subject_id).with_for_update()
    )
    assert claim is not None
    claim.status, claim.decided_at = request.status, datetime.now(UTC)
    await flush_versioned(session, "expense claim")
    await audit.record(
        session,
        actor,
        f"expense_claim.{request.status}",
        EXPENSE_CLAIM,
        claim.id,
        {"status": ["submitted", request.status]},
    )
    note = f"{claim.amount} {claim.currency} ({claim.category}, {claim.incurred_on})"
    await notify(
        session,
        claim.tenant_id,
        [claim.claimant_id],
        f"expense_claim.{request.status}",
        f"Your expense claim of {note} was {request.status}",
        comment or "",
        f"/expense-claims/{claim.id}",
        key=f"expense_claim.{request.status}:{claim.id}",
    )


register_approval_subject(APPROVAL_SUBJECT, "Expense claims", "ExpenseClaim", on_approval_decision)


def approved_claims(project_ids: list[uuid.UUID]) -> Select[Any]:
    """Approved claims of these projects as (project_id, amount, currency, day) rows, for their cost."""
    return select(
        ExpenseClaim.project_id.label("project_id"),
        ExpenseClaim.amount.label("amount"),
        ExpenseClaim.currency.label("currency"),
        ExpenseClaim.incurred_on.label("day"),
    ).where(ExpenseClaim.project_id.in_(project_ids), ExpenseClaim.status == "approved")


register_claim_source(approved_claims)


def campaign_claims(pending: bool) -> Select[Any]:
    """Approved claims linked to a campaign (with `pending`, submitted ones too) as (tenant_id,
    campaign_id, amount, currency, day) rows, for the campaign's actual cost and ROI."""
    # No IN list: the compiled read path (graph/compiled) embeds this without expanding parameters.
    counted = ExpenseClaim.status == "approved"
    if pending:
        counted = counted | (ExpenseClaim.status == "submitted")
    return select(
        ExpenseClaim.tenant_id.label("tenant_id"),
        ExpenseClaim.campaign_id.label("campaign_id"),
        ExpenseClaim.amount.label("amount"),
        ExpenseClaim.currency.label("currency"),
        ExpenseClaim.incurred_on.label("day"),
    ).where(ExpenseClaim.campaign_id.is_not(None), counted)


register_campaign_claim_source(campaign_claims)


def claims_statement(
    actor: Actor,
    status: str | None = None,
    project_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
) -> Select[tuple[ExpenseClaim]]:
    actor.require(EXPENSE_CLAIM, Action.READ)
    statement = select(ExpenseClaim).where(expense_scope(actor))
    if status is not None:
        statement = statement.where(ExpenseClaim.status == status)
    if project_id is not None:
        statement = statement.where(ExpenseClaim.project_id == project_id)
    if campaign_id is not None:
        statement = statement.where(ExpenseClaim.campaign_id == campaign_id)
    return statement.order_by(ExpenseClaim.incurred_on.desc(), ExpenseClaim.id.desc())


async def expense_totals(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    campaign_id: uuid.UUID | None = None,
) -> list[tuple[str, Decimal, int]]:
    """Approved claims in the actor's scope for a project, account or campaign: (currency, total, count)."""
    actor.require(EXPENSE_CLAIM, Action.READ)
    statement = (
        select(ExpenseClaim.currency, func.sum(ExpenseClaim.amount), func.count())
        .where(expense_scope(actor), ExpenseClaim.status == "approved")
        .group_by(ExpenseClaim.currency)
        .order_by(ExpenseClaim.currency)
    )
    if project_id is not None:
        statement = statement.where(ExpenseClaim.project_id == project_id)
    if account_id is not None:
        statement = statement.where(ExpenseClaim.account_id == account_id)
    if campaign_id is not None:
        statement = statement.where(ExpenseClaim.campaign_id == campaign_id)
    return [(currency, total, count) for currency, total, count in (await session.execute(statement)).all()]
