"""Documents and helpers of the account-security tests: clients at chosen addresses, TOTP codes."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pyotp

from tests.support import PASSWORD, GraphQLClient, Member, payload_or_refusal

ERRORS = "errors { field code message }"
LOGIN = f"""
mutation Login($input: LoginInput!) {{
  login(input: $input) {{ token tenant {{ id }} mfaChallenge {{ token purpose expiresAt }} {ERRORS} }}
}}"""
ME = "{ me { user { email } tenant { id } } }"
ENROL = f"mutation Enrol($challenge: String) {{ enrolMfa(challenge: $challenge) {{ secret otpauthUri {ERRORS} }} }}"
CONFIRM = f"""
mutation Confirm($input: ConfirmMfaInput!) {{
  confirmMfa(input: $input) {{ recoveryCodes token tenant {{ id }} {ERRORS} }}
}}"""
VERIFY = f"""
mutation Verify($input: VerifyMfaInput!) {{
  verifyMfa(input: $input) {{ token user {{ email }} tenant {{ id }} {ERRORS} }}
}}"""
DISABLE = f"mutation Disable($code: String!) {{ disableMfa(code: $code) {{ ok {ERRORS} }} }}"
REGENERATE = (
    f"mutation Regen($code: String!) {{ regenerateRecoveryCodes(code: $code) {{ recoveryCodes {ERRORS} }} }}"
)
MY_MFA = "{ myMfa { enabled pending enabledAt recoveryCodesLeft } }"
SETTINGS_FIELDS = (
    "ipAllowlist sessionIdleMinutes sessionMaxHours effectiveSessionIdleMinutes effectiveSessionMaxHours "
    "mfaRequired version"
)
SECURITY_SETTINGS = f"{{ securitySettings {{ {SETTINGS_FIELDS} }} }}"
UPDATE_SETTINGS = f"""
mutation Update($version: Int!, $input: UpdateSecuritySettingsInput!) {{
  updateSecuritySettings(version: $version, input: $input) {{ settings {{ {SETTINGS_FIELDS} }} {ERRORS} }}
}}"""
SESSION_FIELDS = "id tenantId createdAt lastSeenAt expiresAt clientAddress userAgent current"
MY_SESSIONS = f"{{ mySessions {{ nodes {{ {SESSION_FIELDS} }} }} }}"
MEMBER_SESSIONS = (
    f"query Member($userId: ID!) {{ memberSessions(userId: $userId) {{ nodes {{ {SESSION_FIELDS} }} }} }}"
)
REVOKE_SESSION = f"mutation Revoke($id: ID!) {{ revokeSession(id: $id) {{ revoked {ERRORS} }} }}"
REVOKE_MINE = f"""
mutation RevokeMine($all: Boolean!) {{ revokeMySessions(includeCurrent: $all) {{ revoked {ERRORS} }} }}"""
REVOKE_MEMBER = f"""
mutation RevokeMember($userId: ID!) {{ revokeMemberSessions(userId: $userId) {{ revoked {ERRORS} }} }}"""
CREATE_KEY = f"""
mutation Key($input: CreateApiKeyInput!) {{ createApiKey(input: $input) {{ secret {ERRORS} }} }}"""


@contextlib.asynccontextmanager
async def client_at(app: Any, address: str) -> AsyncIterator[GraphQLClient]:
    """A client whose requests come from `address` (what the gateway sees as the client's address)."""
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


def code(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of the current 30-second step (or one ahead: a code is accepted once only)."""
    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * steps_ahead))


async def login(client: GraphQLClient, email: str, tenant_id: str | None = None, **headers: str) -> dict:
    variables = {"input": {"email": email, "password": PASSWORD, "tenantId": tenant_id}}
    response = await client.post(LOGIN, variables, None, **headers)
    assert response.status_code == 200, response.text
    return payload_or_refusal(response.json(), "login")  # a refusal (FORBIDDEN_NETWORK...) as a stand-in


async def mutate(client: GraphQLClient, document: str, variables: dict, token: str | None, name: str) -> dict:
    """The payload, or a refusal's stand-in (`GraphQLClient.mutate`)."""
    return await client.mutate(document, variables, token, name)


async def enrolled(client: GraphQLClient, member: Member) -> tuple[str, list[str]]:
    """Turns a second factor on for the member; returns its secret and recovery codes."""
    secret = (await mutate(client, ENROL, {}, member.token, "enrolMfa"))["secret"]
    confirmed = await mutate(client, CONFIRM, {"input": {"code": code(secret)}}, member.token, "confirmMfa")
    assert confirmed["errors"] == [], confirmed
    return secret, confirmed["recoveryCodes"]


async def update_settings(client: GraphQLClient, admin: Member, **values: Any) -> dict:
    current = (await client.execute(SECURITY_SETTINGS, token=admin.token))["securitySettings"]
    return await mutate(
        client,
        UPDATE_SETTINGS,
        {"version": current["version"], "input": values},
        admin.token,
        "updateSecuritySettings",
    )


async def set_session_times(owner_url: str, token: str, **columns: timedelta) -> None:
    """Ages a session (`created_at`, `last_seen_at` moved back by the given amounts), as time passing would."""
    connection = await asyncpg.connect(owner_url)
    try:
        for column, age in columns.items():
            await connection.execute(
                f"update user_sessions set {column} = now() - $2::interval where token_hash = $1",
                hashlib.sha256(token.encode()).digest(),
                age,
            )
    finally:
        await connection.close()
