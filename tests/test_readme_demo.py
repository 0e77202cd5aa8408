"""The README's demo section runs: its login table is the demo's, and each example query, taken from
README.md itself (so the two cannot drift), answers with the story against a freshly loaded demo."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from graph.demo.tenants import COMPANIES, DEMO_PASSWORD, load_demo

README = Path(__file__).resolve().parents[1] / "README.md"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token errors { code } } }"


def demo_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Demo\n")
    return text[start : text.index("\n## ", start + 1)]


def example_queries() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", demo_section(), flags=re.DOTALL)


def test_the_readme_lists_the_demo_logins_and_password():
    section = demo_section()
    for company in COMPANIES:
        row = next(line for line in section.splitlines() if line.startswith(f"| {company.name} "))
        assert re.findall(r"`([^`]+)`", row) == [email for email, _, _ in company.logins]
    assert f"`{DEMO_PASSWORD}`" in section


async def test_the_readme_example_queries_tell_the_story_in_both_demo_tenants(services, client):
    queries = example_queries()
    assert len(queries) == 5
    tenants = await load_demo(services, seed=5, account_count=3, unique=True)

    for tenant in tenants:
        login = await client.execute(LOGIN, {"i": {"email": tenant.logins[0], "password": tenant.password}})
        token = login["login"]["token"]
        pool, board, quotes, contracts, projects = [await client.execute(q, {}, token) for q in queries]

        assert pool["leads"]["totalCount"] == 3, tenant.name
        assert all(edge["node"]["inPool"] for edge in pool["leads"]["edges"])

        columns = {c["stage"]["name"]: c["count"] for c in board["pipelineBoard"]["columns"]}
        assert all(count >= 1 for count in columns.values()), columns
        assert columns["Won"] == 2  # the customer's deal, won when its quote was accepted
        assert board["pipelineBoard"]["currency"] == COMPANIES[tenants.index(tenant)].script.currency

        quote = quotes["quotes"]["edges"][0]["node"]
        first_line = quote["lines"][0]
        assert quote["status"] == "ACCEPTED"
        assert Decimal(first_line["discountPercent"]) == 5 and Decimal(first_line["customerTypePercent"]) == 3
        assert Decimal(first_line["cashPercent"]) == 2 and Decimal(quote["taxTotal"]) > 0
        assert Decimal(quote["discountTotal"]) > 0
        assert quote["account"]["customFields"] == {"tier": "gold"}

        contract = contracts["contracts"]["edges"][0]["node"]
        assert contract["status"] == "ACTIVE" and len(contract["installments"]) == 3
        assert Decimal(contract["overdueAmount"]) == Decimal(contract["installments"][1]["amount"]) > 0
        assert Decimal(contract["paidAmount"]) == Decimal(contract["installments"][0]["amount"])
        assert [d["status"] for d in contract["deliveries"]] == ["DELIVERED"]
        assert contract["signatory"]["fullName"] in {"张伟", "Grace Hopper"}
        signed = contracts["documents"]["edges"][0]["node"]
        assert signed["links"] == [{"targetType": "contract", "role": "SIGNED_COPY"}]

        project = projects["projects"]["edges"][0]["node"]
        assert len(project["milestones"]) == 2 and project["tasks"]["totalCount"] == 3
        assert project["risks"][0]["score"] == 12
        assert [(c["kind"], c["status"]) for c in project["changeRequests"]] == [("SCHEDULE", "SUBMITTED")]
        awaiting = [edge["node"]["title"] for edge in projects["myApprovals"]["edges"]]
        assert awaiting == [project["changeRequests"][0]["title"]]
