"""GraphQL documents of the public pool tests."""

from __future__ import annotations

from tests.crm.documents import ERRORS

PUBLIC_POOL = """
query($filter: PublicPoolFilter, $first: Int, $after: String) {
  publicPool(filter: $filter, first: $first, after: $after) {
    totalCount edges { node { id name owner { id } } } pageInfo { hasNextPage endCursor }
  }
}"""
CLAIM_ACCOUNT = f"""
mutation($id: ID!) {{ claimAccount(id: $id) {{ account {{ id version owner {{ id }} }} {ERRORS} }} }}"""
RELEASE_ACCOUNT = f"""
mutation($id: ID!, $reason: String!) {{
  releaseAccount(id: $id, reason: $reason) {{ account {{ id version owner {{ id }} }} {ERRORS} }}
}}"""
POOL_HISTORY = """
query($accountId: ID!) {
  poolHistory(accountId: $accountId) {
    edges { node { kind reason deadline occurredAt owner { id } actor { id } } }
  }
}"""
POOL_SETTINGS = """{ poolSettings {
  maxAccountsPerRep reclaimInactiveDays reclaimNoOpportunityDays warningDays version } }"""
UPDATE_POOL_SETTINGS = f"""
mutation($version: Int!, $input: UpdatePoolSettingsInput!) {{
  updatePoolSettings(version: $version, input: $input) {{
    settings {{ maxAccountsPerRep reclaimInactiveDays reclaimNoOpportunityDays warningDays version }} {ERRORS}
  }}
}}"""


async def set_pool_settings(client, admin, **values) -> None:
    version = (await client.execute(POOL_SETTINGS, {}, admin.token))["poolSettings"]["version"]
    payload = (
        await client.execute(UPDATE_POOL_SETTINGS, {"version": version, "input": values}, admin.token)
    )["updatePoolSettings"]
    assert payload["errors"] == [], payload
