"""A production app whose identity mail reaches a real SMTP server (aiosmtpd) in the test process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from aiosmtpd.controller import Controller

from gateway.app import create_app
from tenants.embedded import DatabaseUrls
from tests.conftest import make_settings
from tests.identity.mailbox import Inbox
from tests.servers import free_port
from tests.support import GraphQLClient


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
async def production_app(database_urls: DatabaseUrls, smtp):  # type: ignore[no-untyped-def]
    settings = make_settings(
        CRM_ENV="production",
        CRM_SMTP_HOST="127.0.0.1",
        CRM_SMTP_PORT=smtp[1],
        CRM_SMTP_SECURITY="none",
        CRM_MAIL_FROM="CRM <crm@example.com>",
        CRM_INVITE_URL="https://app.example.com/join?token={token}",
        CRM_SIGNUP_URL="https://app.example.com/confirm?token={token}",
    )
    application = create_app(settings, database_urls.app)
    yield application
    await application.state.services.db.dispose()


@pytest.fixture
async def prod(production_app) -> AsyncIterator[GraphQLClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=production_app, client=("10.9.8.7", 50003))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)
