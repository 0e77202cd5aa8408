"""The demo's story, one customer from lead to project, seeded through each area's services.

Every record goes through the same service functions the API calls (validation, permissions, numbering,
audit, events), as the member who would do it in real life: the admin sets up the catalogue, fields and
approval chain, the sales rep works the deal, the project manager runs the delivery project. Dates are
relative to the day the demo is loaded, so the overdue installment is overdue whenever it is loaded.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from graph.approvals import chains
from graph.core.context import Services
from graph.crm import accounts, activities, contacts
from graph.documents import limits, uploads
from graph.money.service import quantize
from graph.projects.changes import change_requests, risks
from graph.projects.changes.change_requests import APPROVAL_SUBJECT
from graph.projects.planning import tasks
from graph.projects.projects import projects
from graph.sales.commerce import catalog, contracts, payments, quotes
from graph.sales.leads import intake
from graph.sales.pipeline import moves, opportunities
from graph.sales.pipeline.models import Pipeline, PipelineStage
from tenants.fields import definitions
from tenants.permissions import Actor

# A one-page PDF: enough for the upload checks (the magic number says PDF).
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


@dataclass(frozen=True)
class Person:
    given: str
    family: str


@dataclass(frozen=True)
class Script:
    """What one tenant's story is made of, in its own language and currency."""

    currency: str
    tax_rate: Decimal
    customer: str
    customer_domain: str
    buyer: Person
    pool_leads: tuple[tuple[str, str, str], ...]  # (company, family name, phone)
    deals: tuple[tuple[str, str, Decimal], ...]  # (account, stage name, amount)
    products: tuple[tuple[str, str, str, Decimal], ...]  # (sku, name, unit, list price)
    project: str
    milestones: tuple[str, str]
    task_titles: tuple[str, str, str]
    risk: str
    change: str


@dataclass(frozen=True)
class Cast:
    admin: Actor
    rep: Actor
    manager: Actor


@dataclass(frozen=True)
class Story:
    customer_id: uuid.UUID
    contract_id: uuid.UUID
    project_id: uuid.UUID


async def define_fields(session: AsyncSession, admin: Actor) -> None:
    await definitions.create_definition(
        session,
        admin,
        "account",
        {
            "key": "tier",
            "label": "Customer tier",
            "field_type": "single_select",
            "filterable": True,
            "validation": {"options": [{"key": k, "label": k.title()} for k in ("gold", "silver", "bronze")]},
        },
    )
    await definitions.create_definition(
        session, admin, "opportunity", {"key": "campaign", "label": "Campaign", "field_type": "text"}
    )


async def seed_pool_leads(session: AsyncSession, cast: Cast, script: Script) -> None:
    """Leads nobody owns yet (no assignment rule matches): the lead pool reps claim from."""
    for company, family, phone in script.pool_leads:
        await intake.create_lead(
            session,
            cast.admin,
            {"source": "web", "company_name": company, "last_name": family, "phone": phone},
        )


async def stages(session: AsyncSession, actor: Actor) -> dict[str, PipelineStage]:
    """The stages of the tenant's default pipeline (created with the tenant), by name."""
    tenant = actor.tenant_id
    pipeline = select(Pipeline.id).where(Pipeline.tenant_id == tenant, Pipeline.is_default.is_(True))
    rows = await session.scalars(
        select(PipelineStage).where(
            PipelineStage.tenant_id == tenant, PipelineStage.pipeline_id == pipeline.scalar_subquery()
        )
    )
    return {stage.name: stage for stage in rows}


async def seed_pipeline(
    session: AsyncSession, cast: Cast, script: Script, customer_id: uuid.UUID
) -> uuid.UUID:
    """Deals in every stage of the default pipeline; returns the customer's deal (in Negotiation)."""
    by_name = await stages(session, cast.rep)
    customer_deal = None
    for index, (account_name, stage_name, amount) in enumerate(script.deals):
        if index == 0:
            account_id = customer_id
        else:
            account = await accounts.create_account(
                session, cast.rep, {"name": account_name, "owner_id": cast.rep.user_id}
            )
            account_id = account.id
        deal = await opportunities.create_opportunity(
            session,
            cast.rep,
            {
                "name": f"{account_name} {index + 1}",
                "account_id": account_id,
                "amount": amount,
                "currency": script.currency,
                "expected_close_on": date.today() + timedelta(days=30 + 15 * index),
                "custom": {"campaign": "Spring expo"},
            },
        )
        if index == 0:
            customer_deal = deal.id
        stage = by_name[stage_name]
        if deal.stage_id != stage.id:
            lost_reason = "price" if stage.kind == "lost" else None
            await moves.move_opportunity(session, cast.rep, deal.id, deal.version, stage.id, lost_reason)
    assert customer_deal is not None
    return customer_deal


async def seed_catalogue(session: AsyncSession, admin: Actor, script: Script) -> list[uuid.UUID]:
    """A product line, products with the country's VAT rate, a price list and a wholesale discount."""
    line = await catalog.create_product_line(session, admin, {"name": "Core range"})
    product_ids = []
    for sku, name, unit, price in script.products:
        product = await catalog.create_product(
            session,
            admin,
            {
                "sku": sku,
                "name": name,
                "unit": unit,
                "list_price": price,
                "currency": script.currency,
                "tax_rate": script.tax_rate,
                "product_line_id": line.id,
            },
        )
        product_ids.append(product.id)
    price_list = await catalog.create_price_list(
        session, admin, {"name": "Standard prices", "currency": script.currency, "valid_from": date.today()}
    )
    prices = [
        (product_id, quantize(price * Decimal("0.95"), script.currency))
        for product_id, (*_, price) in zip(product_ids, script.products, strict=True)
    ]
    await catalog.set_price_list_prices(session, admin, price_list.id, price_list.version, prices)
    await catalog.set_customer_type_discount(session, admin, "wholesale", Decimal("3"))
    return product_ids


async def seed_contract(
    session: AsyncSession,
    cast: Cast,
    script: Script,
    customer_id: uuid.UUID,
    buyer_id: uuid.UUID,
    deal_id: uuid.UUID,
    product_ids: list[uuid.UUID],
) -> uuid.UUID:
    """A quote with line, wholesale and cash discounts and tax, accepted 60 days ago into a contract
    with a payment plan: the first installment paid, the second overdue, the third still to come; half
    of the first line delivered."""
    quote = await quotes.create_quote(
        session,
        cast.rep,
        {
            "account_id": customer_id,
            "opportunity_id": deal_id,
            "currency": script.currency,
            "customer_type": "wholesale",
            "cash_discount_percent": Decimal("2"),
            "terms": "30 days net",
        },
        [
            {"product_id": product_ids[0], "quantity": Decimal("10"), "line_discount_percent": Decimal("5")},
            {"product_id": product_ids[1], "quantity": Decimal("4")},
        ],
    )
    quote = await quotes.send_quote(session, cast.rep, quote.id, quote.version)
    today = date.today()
    start = today - timedelta(days=60)
    contract = await contracts.accept_quote(
        session, cast.rep, quote.id, quote.version, {"start_date": start, "signatory_contact_id": buyer_id}
    )
    contract = await contracts.activate_contract(session, cast.rep, contract.id, contract.version)
    first = quantize(contract.amount * Decimal("0.3"), script.currency)
    plan = [
        (start, first),
        (today - timedelta(days=20), first),
        (today + timedelta(days=40), contract.amount - 2 * first),
    ]
    contract = await payments.set_payment_plan(session, cast.rep, contract.id, contract.version, plan)
    await payments.record_payment(
        session,
        cast.rep,
        contract.id,
        {
            "received_on": start + timedelta(days=5),
            "amount": first,
            "method": "bank_transfer",
            "reference": "1st",
        },
    )
    line = (await contracts.contract_lines(session, contract.id))[0]
    await payments.record_delivery(
        session,
        cast.rep,
        line.id,
        {"quantity": line.quantity / 2, "delivered_on": today - timedelta(days=30), "status": "delivered"},
    )
    return contract.id


async def seed_project(
    session: AsyncSession,
    cast: Cast,
    script: Script,
    customer_id: uuid.UUID,
    contract_id: uuid.UUID,
) -> uuid.UUID:
    """The delivery project: milestones, tasks, a risk and a schedule change waiting for the admin."""
    today = date.today()
    await chains.define_approval_chain(
        session,
        cast.admin,
        "Change board",
        APPROVAL_SUBJECT,
        [{"name": "Management", "rule": "all", "user_ids": [], "role_key": "admin"}],
    )
    project = await projects.create_project(
        session,
        cast.admin,
        {
            "name": script.project,
            "account_id": customer_id,
            "contract_id": contract_id,
            "manager_id": cast.manager.user_id,
            "planned_start": today - timedelta(days=45),
            "planned_end": today + timedelta(days=75),
            "budget": Decimal("50000"),
            "currency": script.currency,
        },
    )
    await projects.add_project_member(session, cast.admin, project.id, cast.rep.user_id, "contributor")
    milestones = [
        await projects.create_milestone(
            session,
            cast.manager,
            project.id,
            {"name": name, "due_date": today + timedelta(days=30 * (i + 1))},
        )
        for i, name in enumerate(script.milestones)
    ]
    for index, title in enumerate(script.task_titles):
        await tasks.create_task(
            session,
            cast.manager,
            project.id,
            {
                "title": title,
                "priority": "high" if index == 0 else "medium",
                "assignee_id": cast.rep.user_id if index == 1 else cast.manager.user_id,
                "milestone_id": milestones[min(index, 1)].id,
                "estimate_hours": Decimal(8 * (index + 1)),
                "due_date": today + timedelta(days=10 * (index + 1)),
            },
        )
    await risks.create_risk(
        session,
        cast.manager,
        project.id,
        {"title": script.risk, "category": "schedule", "probability": 4, "impact": 3, "response": "mitigate"},
    )
    change = await change_requests.create_change_request(
        session,
        cast.manager,
        project.id,
        {
            "title": script.change,
            "kind": "schedule",
            "reason": "The customer asked for a later go-live.",
            "new_planned_end": today + timedelta(days=105),
        },
    )
    await change_requests.submit_change_request(session, cast.manager, change.id, change.version, None)
    return project.id


async def seed_documents(
    session: AsyncSession, services: Services, cast: Cast, contract_id: uuid.UUID, project_id: uuid.UUID
) -> None:
    """The signed contract (its SIGNED_COPY) and the project plan, stored in the configured blob store."""
    settings = services.settings
    config = uploads.UploadConfig(
        blobs=services.blobs,
        default_limits=limits.default_limits(settings.document_max_file_bytes, settings.document_quota_bytes),
        upload_url_minutes=settings.upload_url_minutes,
    )
    files = [
        (cast.rep, "signed-contract.pdf", relay.GlobalID("Contract", str(contract_id)), "signed_copy"),
        (cast.manager, "project-plan.pdf", relay.GlobalID("Project", str(project_id)), "attachment"),
    ]
    for actor, name, target, role in files:
        stream = io.BytesIO(PDF)

        async def read(size: int, stream: io.BytesIO = stream) -> bytes:
            return stream.read(size)

        new = uploads.NewFile(name=name, content_type="application/pdf", links=[(target, role)])
        await uploads.upload_file(session, actor, config, new, read, len(PDF), datetime.now(UTC))


async def tell_story(session: AsyncSession, services: Services, cast: Cast, script: Script) -> Story:
    await define_fields(session, cast.admin)
    await seed_pool_leads(session, cast, script)
    customer = await accounts.create_account(
        session,
        cast.admin,
        {
            "name": script.customer,
            "domain": script.customer_domain,
            "owner_id": cast.rep.user_id,
            "custom": {"tier": "gold"},
        },
    )
    buyer = await contacts.create_contact(
        session,
        cast.rep,
        {"first_name": script.buyer.given, "last_name": script.buyer.family, "owner_id": cast.rep.user_id},
    )
    await contacts.link_contact_to_account(
        session, cast.rep, buyer.id, customer.id, {"title": "Purchasing", "is_primary": True}
    )
    await activities.create_activity(
        session,
        cast.rep,
        {"kind": "meeting", "subject": "Kick-off", "account_id": customer.id, "contact_id": buyer.id},
    )
    await activities.create_activity(
        session,
        cast.rep,
        {
            "kind": "call",
            "subject": "Follow-up on delivery",
            "account_id": customer.id,
            "occurred_at": datetime.now(UTC) + timedelta(days=7),
        },
    )
    deal_id = await seed_pipeline(session, cast, script, customer.id)
    product_ids = await seed_catalogue(session, cast.admin, script)
    contract_id = await seed_contract(session, cast, script, customer.id, buyer.id, deal_id, product_ids)
    project_id = await seed_project(session, cast, script, customer.id, contract_id)
    await seed_documents(session, services, cast, contract_id, project_id)
    return Story(customer.id, contract_id, project_id)
