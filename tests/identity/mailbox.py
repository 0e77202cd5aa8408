"""A real SMTP inbox (aiosmtpd) for identity mail, and signing up in production through it."""

from __future__ import annotations

import asyncio
import re
from email import message_from_bytes
from email.message import Message

from tests.support import PASSWORD, SIGN_UP, GraphQLClient, Member, unique_email

SIGN_UP_TOKEN = re.compile(r"crmsu_[A-Za-z0-9_-]+")

CONFIRM_SIGN_UP = """
mutation Confirm($token: String!) {
  confirmSignUp(token: $token) { token user { id email } tenant { id name } errors { field code message } }
}"""


class Inbox:
    """aiosmtpd handler keeping every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    async def wait_for(self, to: str, subject_part: str) -> Message:
        for _ in range(200):
            for message in self.messages:
                if message["To"] == to and subject_part in message["Subject"]:
                    return message
            await asyncio.sleep(0.02)
        raise AssertionError(
            f"no mail to {to} about {subject_part!r}: {[m['Subject'] for m in self.messages]}"
        )


def body(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def sign_up_input(tenant_name: str = "Acme", email: str | None = None) -> dict[str, str]:
    return {
        "tenantName": tenant_name,
        "email": email or unique_email("admin"),
        "password": PASSWORD,
        "fullName": "Ada Admin",
    }


async def confirmation_token(client: GraphQLClient, inbox: Inbox, values: dict[str, str]) -> str:
    """signUp in production, and the token of the confirmation mail it sends."""
    answer = (await client.execute(SIGN_UP, {"input": values}))["signUp"]
    assert answer == {"token": None, "user": None, "tenant": None, "errors": []}, answer
    return SIGN_UP_TOKEN.search(body(await inbox.wait_for(values["email"], "Confirm your sign-up"))).group(0)


async def sign_up_by_mail(client: GraphQLClient, inbox: Inbox, tenant_name: str = "Acme") -> Member:
    """A new tenant and admin in production: signUp, then confirmSignUp with the mailed token."""
    values = sign_up_input(tenant_name)
    token = await confirmation_token(client, inbox, values)
    payload = (await client.execute(CONFIRM_SIGN_UP, {"token": token}))["confirmSignUp"]
    assert payload["errors"] == [] and payload["token"], payload
    return Member(payload["token"], payload["user"]["id"], values["email"], payload["tenant"]["id"])
