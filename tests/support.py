"""Helpers shared by the tests: a small GraphQL client and tenant factories."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from tenants.embedded import DatabaseUrls

PASSWORD = "correct horse battery staple"

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token user { id email } tenant { id name } errors { field code message } }
}"""

INVITE = """
mutation Invite($input: InviteUserInput!) {
  inviteUser(input: $input) { token invitation { id email roleKey } errors { field code message } }
}"""

ACCEPT = """
mutation Accept($input: AcceptInviteInput!) {
  acceptInvite(input: $input) { token user { id email } tenant { id } errors { field code message } }
}"""


def unique_email(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


@dataclass
class Member:
    token: str
    user_id: str  # global id
    email: str
    tenant_node_id: str  # the Tenant's global id, as the API takes and returns it

    @property
    def tenant_id(self) -> str:
        """The tenant's UUID, as SQL (RLS settings, tenant_id columns) and the CLI take it."""
        return relay_uuid(self.tenant_node_id)


def relay_uuid(global_id: str) -> str:
    """The UUID inside a global id (`base64("Type:uuid")`)."""
    return base64.b64decode(global_id).decode().split(":", 1)[1]


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    headers: dict[str, str] = field(default_factory=dict)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        **extra_headers: str,
    ) -> httpx.Response:
        headers = {"content-type": "application/json", **extra_headers}
        if token:
            headers["authorization"] = f"Bearer {token}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Runs an operation that must succeed without GraphQL errors; returns `data`."""
        response = await self.post(query, variables, token)
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> list[dict[str, Any]]:
        """Runs an operation expected to fail; returns its GraphQL errors."""
        response = await self.post(query, variables, token)
        body = response.json()
        assert body.get("errors"), body
        return body["errors"]

    async def outcome(
        self, query: str, variables: dict[str, Any] | None, token: str | None, name: str
    ) -> list[tuple[str | None, str]]:
        """The (field, code) pairs of mutation `name`'s errors, wherever docs/errors.md puts them: a refusal
        of the caller at top level (the field null, the error at its path, `extensions.code`), an input
        error in the payload's `errors`. Fails when an error arrives in the other place."""
        response = await self.post(query, variables, token)
        return mutation_outcome(response.json(), name)

    async def refused(
        self, query: str, variables: dict[str, Any] | None, token: str | None, name: str
    ) -> list[tuple[str | None, str]]:
        """`outcome` of a mutation that must be refused at top level (PERMISSION_DENIED, THROTTLED...)."""
        pairs = await self.outcome(query, variables, token, name)
        assert pairs and all(code in REFUSALS for _, code in pairs), pairs
        return pairs

    async def mutate(self, query: str, variables: dict[str, Any] | None, token: str | None, name: str) -> Any:
        """Mutation `name`'s payload, or for a refusal of the caller (checked as in `outcome`: top-level,
        the field null) a stand-in `{"refused": True, "errors": [...]}`, so `error_pairs` reads both."""
        return payload_or_refusal((await self.post(query, variables, token)).json(), name)

    async def sign_up(self, tenant_name: str = "Acme", **regional: str) -> Member:
        """`regional`: `locale` and/or `baseCurrency` of the new tenant."""
        email = unique_email("admin")
        data = await self.execute(
            SIGN_UP,
            {
                "input": {
                    "tenantName": tenant_name,
                    "email": email,
                    "password": PASSWORD,
                    "fullName": "Ada Admin",
                    **regional,
                }
            },
        )
        payload = data["signUp"]
        assert payload["errors"] == [], payload
        return Member(payload["token"], payload["user"]["id"], email, payload["tenant"]["id"])

    async def join_tenant(self, admin: Member, member: Member, role_key: str) -> None:
        """An existing user (`member`) accepts `admin`'s invitation into admin's tenant, signed in as
        themselves; their session stays in the tenant it was in."""
        invite = await self.execute(
            "mutation($i: InviteUserInput!) { inviteUser(input: $i) { token errors { code } } }",
            {"i": {"email": member.email, "roleKey": role_key}},
            admin.token,
        )
        await self.execute(
            "mutation($i: AcceptInviteInput!) { acceptInvite(input: $i) { tenant { id } errors { code } } }",
            {"i": {"token": invite["inviteUser"]["token"]}},
            member.token,
        )

    async def add_member(self, admin: Member, role_key: str, label: str = "member") -> Member:
        email = unique_email(label)
        invited = await self.execute(INVITE, {"input": {"email": email, "roleKey": role_key}}, admin.token)
        assert invited["inviteUser"]["errors"] == [], invited
        accepted = await self.execute(
            ACCEPT,
            {
                "input": {
                    "token": invited["inviteUser"]["token"],
                    "password": PASSWORD,
                    "fullName": label.title(),
                }
            },
        )
        payload = accepted["acceptInvite"]
        assert payload["errors"] == [], payload
        return Member(payload["token"], payload["user"]["id"], email, payload["tenant"]["id"])


class TestDatabase:
    """asyncpg connections as the application role, for SQL-level tests of the RLS wall."""

    __test__ = False

    def __init__(self, urls: DatabaseUrls) -> None:
        self.urls = urls
        self.connections: list[asyncpg.Connection] = []

    async def connect(self) -> asyncpg.Connection:
        connection = await asyncpg.connect(self.urls.app)
        self.connections.append(connection)
        return connection

    async def close(self) -> None:
        for connection in self.connections:
            await connection.close()


# The codes a mutation reports at top level (graph/core/errors.py REFUSALS, docs/errors.md).
REFUSALS = {
    "UNAUTHENTICATED",
    "PERMISSION_DENIED",
    "FORBIDDEN_NETWORK",
    "THROTTLED",
    "OVERLOADED",
    "UNAVAILABLE",
    "INSUFFICIENT_SCOPE",
    "RATE_LIMITED",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_REQUIRED",
}


def mutation_outcome(body: dict[str, Any], name: str) -> list[tuple[str | None, str]]:
    """See `GraphQLClient.outcome`; `body` is the whole response, `name` the field's response key."""
    top = [error for error in body.get("errors") or [] if error.get("path") == [name]]
    payload = (body.get("data") or {}).get(name)
    if top:
        assert payload is None and len(top) == 1, body
        extensions = top[0]["extensions"]
        pairs = [(e["field"], e["code"]) for e in extensions.get("errors") or [extensions]]
        assert all(code in REFUSALS for _, code in pairs), body
        return pairs
    # No error of the request itself (errors without a path); other fields' errors are theirs.
    assert payload is not None and all(error.get("path") for error in body.get("errors") or []), body
    pairs = error_pairs(payload)
    assert not any(code in REFUSALS for _, code in pairs), body
    return pairs


def payload_or_refusal(body: dict[str, Any], name: str) -> Any:
    """See `GraphQLClient.mutate`; `body` is the whole response."""
    mutation_outcome(body, name)
    payload = body["data"][name]
    if payload is not None:
        return payload
    error = body["errors"][0]
    extensions = error["extensions"]
    entries = extensions.get("errors") or [
        {"field": extensions["field"], "code": extensions["code"], "message": error["message"]}
    ]
    return {"refused": True, "errors": entries}


def error_pairs(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    """A mutation payload's errors as (field, code) pairs."""
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def ok(
    client: GraphQLClient, member: Member, document: str, variables: dict[str, Any], name: str
) -> Any:
    """Runs a mutation that must succeed and returns its payload."""
    payload = (await client.execute(document, variables, member.token))[name]
    assert payload["errors"] == [], payload
    return payload


async def listen_to_tenant(connection: asyncpg.Connection, tenant_id: str, callback: Any) -> None:
    """A bare LISTEN on `crm_events` that hears `tenant_id`'s events: events are only notified for
    tenants a listener watches (migration 0302), so this registers a watch as a server process would."""
    await connection.execute(
        "select crm_live_listen($1, $2::uuid[], '{}', 600)", uuid.uuid4(), [uuid.UUID(tenant_id)]
    )
    await connection.add_listener("crm_events", callback)
