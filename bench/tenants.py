"""Bench tenants and users, created through the real identity service (real argon2 hashes, roles, audit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from config.settings import Settings
from gateway.services import Services
from tenants.models import User

PASSWORD = "bench horse battery staple"
LARGE = "large"


@dataclass(frozen=True)
class BenchTenant:
    label: str  # "large" or "small-<n>"
    name: str
    admin_email: str
    id: uuid.UUID
    member_ids: list[uuid.UUID]  # admin first, then the sales users; they own the seeded records


def admin_email(label: str) -> str:
    return f"bench-{label}-admin@example.com"


def production_settings() -> Settings:
    return Settings(_env_file=None, CRM_ENV="production")  # type: ignore[call-arg]


async def create_tenant(services: Services, label: str, members: int) -> BenchTenant:
    """Sign up an admin with a new tenant, then add `members` sales users."""
    name = f"Bench {label.title()} Co"
    async with services.db.transaction() as session:
        grant = await services.identity.sign_up(
            session, name, admin_email(label), PASSWORD, f"{label.title()} Admin", None
        )
        tenant_id, member_ids = grant.tenant.id, [grant.user.id]
    for index in range(members):
        async with services.db.transaction() as session:
            user: User = await services.identity.add_member(
                session,
                tenant_id,
                f"bench-{label}-sales-{index}@example.com",
                f"Sales Person {index} ({label})",
                PASSWORD,
                "sales",
            )
            member_ids.append(user.id)
    return BenchTenant(label, name, admin_email(label), tenant_id, member_ids)


async def create_tenants(app_url: str, small_tenants: int, large_members: int) -> list[BenchTenant]:
    services = Services.build(production_settings(), app_url)
    try:
        created = [await create_tenant(services, LARGE, large_members)]
        for number in range(1, small_tenants + 1):
            created.append(await create_tenant(services, f"small-{number}", 2))
        return created
    finally:
        await services.db.dispose()
