"""The generated Python client (clients/python/crm_client, ariadne-codegen from schema.graphql and
clients/python/queries.graphql) against a real server process: an integration's whole first day."""

from __future__ import annotations

from pathlib import Path

import pytest

from clients.python.crm_client import CreateAccountInput, CreateApiKeyInput, CrmClient
from clients.python.crm_client.exceptions import GraphQLClientGraphQLMultiError, GraphQLClientHttpError
from tests.servers import ROOT

QUERIES = ROOT / "clients" / "python" / "queries.graphql"


async def test_an_integration_works_through_the_generated_client(client, server_pair):
    admin = await client.sign_up()
    url = f"{server_pair[0].url}/graphql"
    as_admin = CrmClient(url=url, headers={"Authorization": f"Bearer {admin.token}"})

    created = await as_admin.create_api_key(
        CreateApiKeyInput(name="Sync", roleKey="admin", scopes=["account:read", "account:write"])
    )
    as_key = CrmClient(url=url, headers={"Authorization": f"Bearer {created.create_api_key.secret}"})
    me = await as_key.me()
    account = await as_key.create_account(CreateAccountInput(name="Initech", industry="Software"))
    page = await as_key.accounts(first=10)
    rotated = await as_admin.rotate_api_key(id=created.create_api_key.api_key.id, grace_period_seconds=0)
    with pytest.raises(GraphQLClientHttpError) as refused:
        await as_key.me()  # the old secret, after a rotation without grace
    with pytest.raises(GraphQLClientGraphQLMultiError) as out_of_scope:
        await CrmClient(
            url=url, headers={"Authorization": f"Bearer {rotated.rotate_api_key.secret}"}
        ).create_api_key(CreateApiKeyInput(name="Escalate", roleKey="admin"))

    assert me.me.via_api_key is True and me.me.role.key == "admin"
    assert account.create_account.errors == [] and account.create_account.account.name == "Initech"
    assert [node.name for node in page.accounts.nodes] == ["Initech"]
    assert page.accounts.nodes[0].owner.full_name == "Ada Admin"
    assert rotated.rotate_api_key.api_key.scopes == ["account:read", "account:write"]
    assert refused.value.status_code == 401
    assert [e.extensions["code"] for e in out_of_scope.value.errors] == ["INSUFFICIENT_SCOPE"]


def test_the_generated_client_matches_its_queries():
    """The committed package was generated from the committed queries (regenerate with `make client`)."""
    generated = (ROOT / "clients" / "python" / "crm_client" / "client.py").read_text()
    operations = [
        line.split()[1].split("(")[0]
        for line in QUERIES.read_text().splitlines()
        if line.startswith(("query ", "mutation "))
    ]

    assert operations == ["Me", "Accounts", "CreateAccount", "CreateApiKey", "RotateApiKey"]
    for name in operations:
        assert f'operation_name="{name}"' in generated
    assert Path(ROOT / "schema.graphql").exists()
