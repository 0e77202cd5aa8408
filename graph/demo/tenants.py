"""The two demo tenants, their logins, and `load_demo` (what `crm demo` runs).

华宇贸易 (Huayu Trading, Shanghai) keeps its books in CNY with 13 % VAT and Chinese names; Northwind
Traders in USD with 20 % VAT. Each gets an admin, a sales rep and a project manager, a few hundred
generated accounts with contacts and activities (`graph/crm/demo.py`), and the story of one customer
(`graph/demo/story.py`). The logins are fixed so the README can list them; `unique=True` adds a random
tag to the addresses, so tests and repeated loads into one database do not collide.
"""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal

from graph.core.context import Services
from graph.crm.demo import populate
from graph.demo.story import Cast, Person, Script, Story, tell_story
from graph.money.service import set_base_currency
from tenants.identity import user_by_email
from tenants.permissions import Actor, builtin_permissions

# Demo data only: never load it into a production database.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed by `crm demo` and listed in the README


@dataclass(frozen=True)
class Company:
    name: str
    logins: tuple[tuple[str, str, str], ...]  # (email, full name, built-in role): admin, rep, manager
    script: Script


COMPANIES = (
    Company(
        "华宇贸易有限公司",
        (
            ("wang.fang@huayu.example", "王芳", "admin"),
            ("li.lei@huayu.example", "李雷", "sales"),
            ("zhao.min@huayu.example", "赵敏", "manager"),
        ),
        Script(
            currency="CNY",
            tax_rate=Decimal("13"),
            customer="华磊科技有限公司",
            customer_domain="hualei.example.cn",
            buyer=Person("伟", "张"),
            pool_leads=(
                ("华磊科技（北京）有限公司", "陈", "+86 138 0013 8000"),  # noqa: RUF001 - a duplicate
                ("东方物流集团", "刘", "021-6552 9988"),
                ("星河电子股份有限公司", "周", "13912345678"),
            ),
            deals=(
                ("华磊科技有限公司", "Negotiation", Decimal("180000")),
                ("远航船务", "Prospecting", Decimal("60000")),
                ("金桥建材", "Qualification", Decimal("95000")),
                ("青松食品", "Proposal", Decimal("42000")),
                ("长江纺织", "Negotiation", Decimal("88000")),
                ("明德教育", "Won", Decimal("30000")),
                ("海川化工", "Lost", Decimal("75000")),
            ),
            products=(
                ("HY-PUMP-01", "工业水泵", "台", Decimal("8800")),
                ("HY-VALVE-02", "不锈钢阀门", "件", Decimal("1200")),
                ("HY-SVC-03", "安装服务", "小时", Decimal("450")),
            ),
            project="华磊科技产线升级",
            milestones=("设备到货", "试运行"),
            task_titles=("现场勘查", "设备安装", "操作培训"),
            risk="设备清关延误",
            change="上线时间推迟两周",
        ),
    ),
    Company(
        "Northwind Traders Ltd",
        (
            ("alice@northwind.example", "Alice Admin", "admin"),
            ("bob@northwind.example", "Bob Sales", "sales"),
            ("carol@northwind.example", "Carol Projects", "manager"),
        ),
        Script(
            currency="USD",
            tax_rate=Decimal("20"),
            customer="Contoso Manufacturing Inc",
            customer_domain="contoso.example.com",
            buyer=Person("Grace", "Hopper"),
            pool_leads=(
                ("Contoso Manufacturing (Europe) Ltd", "Turing", "+1 415 555 0100"),
                ("Fabrikam Foods", "Liskov", "(415) 555-0199"),
                ("Tailspin Toys LLC", "Ritchie", "+44 20 7946 0958"),
            ),
            deals=(
                ("Contoso Manufacturing Inc", "Negotiation", Decimal("25000")),
                ("Adventure Works", "Prospecting", Decimal("8000")),
                ("Wide World Importers", "Qualification", Decimal("12000")),
                ("Litware", "Proposal", Decimal("6400")),
                ("Coho Winery", "Negotiation", Decimal("15500")),
                ("Proseware", "Won", Decimal("4200")),
                ("Lucerne Publishing", "Lost", Decimal("9900")),
            ),
            products=(
                ("NW-PUMP-01", "Industrial pump", "piece", Decimal("1250")),
                ("NW-VALVE-02", "Steel valve", "piece", Decimal("180")),
                ("NW-SVC-03", "Installation", "hour", Decimal("95")),
            ),
            project="Contoso line upgrade",
            milestones=("Equipment delivered", "Trial run"),
            task_titles=("Site survey", "Install equipment", "Operator training"),
            risk="Customs delay on the pumps",
            change="Go-live two weeks later",
        ),
    ),
)


@dataclass(frozen=True)
class DemoTenant:
    tenant_id: uuid.UUID
    name: str
    logins: tuple[str, ...]  # admin, sales rep, project manager
    password: str
    accounts: int
    contacts: int
    activities: int
    story: Story


def login_of(email: str, tag: str | None) -> str:
    local, domain = email.split("@")
    return f"{local}+{tag}@{domain}" if tag else email


async def load_company(
    services: Services, company: Company, seed: int, account_count: int, tag: str | None
) -> DemoTenant:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    (admin_email, admin_name, _), *members = company.logins
    async with services.db.transaction() as session:
        grant = await services.identity.sign_up(
            session, company.name, login_of(admin_email, tag), DEMO_PASSWORD, admin_name, None
        )
        tenant_id = grant.tenant.id
        actors = [Actor(tenant_id, grant.user.id, builtin_permissions("admin"), role_key="admin")]
        for email, full_name, role in members:
            user = await services.identity.add_member(
                session, tenant_id, login_of(email, tag), full_name, DEMO_PASSWORD, role
            )
            actors.append(Actor(tenant_id, user.id, builtin_permissions(role), role_key=role))
        admin, rep, manager = actors
        await set_base_currency(session, admin, company.script.currency)
        counts = await populate(session, admin, rng, [actor.user_id for actor in actors], account_count)
        story = await tell_story(session, services, Cast(admin, rep, manager), company.script)
    logins = tuple(login_of(email, tag) for email, _, _ in company.logins)
    return DemoTenant(tenant_id, company.name, logins, DEMO_PASSWORD, *counts, story)


async def load_demo(
    services: Services, *, seed: int = 42, account_count: int = 300, unique: bool = False
) -> list[DemoTenant]:
    """Both demo tenants, each in one transaction. With fixed logins (the default) a second load fails
    on the taken email addresses; `demo_loaded` tells beforehand."""
    tag = secrets.token_hex(4) if unique else None
    return [await load_company(services, company, seed, account_count, tag) for company in COMPANIES]


async def demo_loaded(services: Services) -> bool:
    """Whether the fixed demo logins exist already (`users` is a global table, read before any tenant)."""
    async with services.db.transaction() as session:
        return await user_by_email(session, COMPANIES[0].logins[0][0]) is not None
