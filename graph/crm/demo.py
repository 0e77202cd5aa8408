"""The CRM part of the demo tenants (`graph/demo/`): generated accounts, contacts and activities,
created through the CRM services so they obey every rule they enforce. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from graph.crm import accounts, activities, contacts
from graph.crm.models import ACTIVITY_KINDS
from tenants.permissions import Actor

PREFIXES = ["North", "Blue", "Granite", "Silver", "Bright", "Summit", "Harbor", "Iron", "Maple", "Quantum"]
NOUNS = [
    "Logistics",
    "Foods",
    "Systems",
    "Energy",
    "Health",
    "Robotics",
    "Textiles",
    "Capital",
    "Labs",
    "Media",
]
INDUSTRIES = ["Retail", "Manufacturing", "Software", "Finance", "Healthcare", "Energy", "Logistics"]
CITIES = [
    ("Berlin", "DE"),
    ("Lyon", "FR"),
    ("Austin", "US"),
    ("Osaka", "JP"),
    ("Leeds", "GB"),
    ("Porto", "PT"),
]
FIRST_NAMES = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger"]
LAST_NAMES = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
]
TAGS = ["vip", "smb", "enterprise", "partner", "churn-risk", "new"]
TITLES = ["CEO", "CTO", "Buyer", "Head of Ops", "Engineer", "CFO"]


async def populate(
    session: AsyncSession, actor: Actor, rng: random.Random, owners: list[uuid.UUID], account_count: int
) -> tuple[int, int, int]:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    account_ids: list[uuid.UUID] = []
    contact_total = activity_total = 0
    for index in range(account_count):
        city, country = rng.choice(CITIES)
        name = f"{rng.choice(PREFIXES)} {rng.choice(NOUNS)} {index + 1}"
        parent = rng.choice(account_ids) if account_ids and rng.random() < 0.2 else None
        account = await accounts.create_account(
            session,
            actor,
            {
                "name": name,
                "domain": f"{name.lower().replace(' ', '-')}.example.com",
                "industry": rng.choice(INDUSTRIES),
                "parent_id": parent,
                "owner_id": rng.choice(owners),
                "tags": rng.sample(TAGS, rng.randint(0, 2)),
                "city": city,
                "country": country,
            },
        )
        account_ids.append(account.id)
        for position in range(rng.randint(0, 4)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            contact = await contacts.create_contact(
                session,
                actor,
                {
                    "first_name": first,
                    "last_name": last,
                    "emails": [f"{first}.{last}.{index}.{position}@example.com".lower()],
                    "owner_id": account.owner_id,
                },
            )
            contact_total += 1
            await contacts.link_contact_to_account(
                session,
                actor,
                contact.id,
                account.id,
                {"title": rng.choice(TITLES), "is_primary": position == 0},
            )
        for _ in range(rng.randint(1, 5)):
            kind = rng.choice(ACTIVITY_KINDS)
            occurred = now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440))
            await activities.create_activity(
                session,
                actor,
                {
                    "kind": kind,
                    "subject": f"{kind.title()} with {name}",
                    "occurred_at": occurred,
                    "due_at": occurred + timedelta(days=7) if kind == "task" else None,
                    "done": kind != "task" or rng.random() < 0.5,
                    "account_id": account.id,
                },
            )
            activity_total += 1
    return account_count, contact_total, activity_total
