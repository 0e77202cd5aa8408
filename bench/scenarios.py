"""The measured operations, as GraphQL documents with per-request variables and an answer check."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass
from typing import Any

from strawberry import relay

from bench.load import Scenario

ME = "query Me { me { user { email } } }"

CONTACT = """
query Contact($id: ID!) {
  contact(id: $id) { firstName lastName primaryAccount { name } }
}"""

ACCOUNTS_BY_NAME = """
query AccountsByName {
  accounts(first: 50, orderBy: [{field: NAME, direction: ASC}]) {
    edges { node { name owner { fullName } contactCount } }
  }
}"""

SEARCH = """
query SearchAccounts($search: String!) {
  accounts(filter: {search: $search}, first: 20) { edges { node { name } } }
}"""

CREATE_ACCOUNT = """
mutation CreateAccount($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id } errors { code } }
}"""


def global_id(type_name: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(type_name, str(value)))


@dataclass(frozen=True)
class TenantData:
    """What the variables are drawn from, sampled from the tenant's own rows."""

    label: str
    contact_ids: list[uuid.UUID]
    search_terms: list[str]
    accounts: int


def search_terms(names: list[str]) -> list[str]:
    """Search terms as users type them: the start of a word of an existing name (4 to 6 letters)."""
    chooser = random.Random(7)
    terms = []
    for name in names:
        word = chooser.choice(name.split()[:2])
        terms.append(word[: chooser.randint(4, 6)].lower())
    return terms


def no_problem(_data: dict[str, Any]) -> str | None:
    return None


def me_scenario() -> Scenario:
    return Scenario("me (baseline)", ME, dict, lambda data: None if data.get("me") else "no me")


def crm_scenarios(tenant: TenantData) -> list[Scenario]:
    contact_ids = itertools.cycle([global_id("Contact", value) for value in tenant.contact_ids])
    terms = itertools.cycle(tenant.search_terms)
    counter = itertools.count()
    page = min(50, tenant.accounts)

    def contact_check(data: dict[str, Any]) -> str | None:
        contact = data.get("contact")
        if not contact or not contact.get("primaryAccount"):
            return f"contact without its primary account: {contact}"
        return None

    def list_check(data: dict[str, Any]) -> str | None:
        edges = (data.get("accounts") or {}).get("edges") or []
        if len(edges) < page:
            return f"expected {page} accounts, got {len(edges)}"
        return None

    def create_check(data: dict[str, Any]) -> str | None:
        payload = data.get("createAccount") or {}
        if payload.get("errors") or not payload.get("account"):
            return f"createAccount failed: {payload}"
        return None

    return [
        Scenario("contact by id + account", CONTACT, lambda: {"id": next(contact_ids)}, contact_check),
        Scenario("first 50 accounts by name + owner + contactCount", ACCOUNTS_BY_NAME, dict, list_check),
        Scenario("account text search (first 20)", SEARCH, lambda: {"search": next(terms)}, no_problem),
        Scenario(
            "create account",
            CREATE_ACCOUNT,
            lambda: {"input": {"name": f"Bench Created {tenant.label} {next(counter)}"}},
            create_check,
        ),
    ]
