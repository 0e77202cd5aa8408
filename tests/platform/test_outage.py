"""A database outage is answered as a GraphQL error with code UNAVAILABLE and HTTP 503, never a plain 500."""

from __future__ import annotations

import socket

import httpx
from sqlalchemy.engine import make_url

from gateway.app import create_app
from tests.conftest import make_settings

LOGIN = """mutation { login(input: {email: "a@example.com", password: "correct horse battery staple"}) {
  token errors { code } } }"""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


async def test_database_outage_is_503_unavailable(database_urls):
    url = make_url(database_urls.app).set(host="127.0.0.1", port=closed_port(), query={})
    app = create_app(make_settings(), url.render_as_string(hide_password=False))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            headers = {"content-type": "application/json"}
            authenticated = await http.post(
                "/graphql", json={"query": "{ me { user { email } } }"},
                headers={**headers, "authorization": "Bearer crm_00000000-0000-0000-0000-000000000000_x_y"},
            )  # fmt: skip
            anonymous = await http.post("/graphql", json={"query": LOGIN}, headers=headers)
    finally:
        await app.state.services.db.dispose()

    for response in (authenticated, anonymous):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["retry-after"] == "5"
        body = response.json()
        assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAVAILABLE"], body
        assert body["errors"][0]["message"] == "The database is not answering; try again in a few seconds."


async def test_an_embedded_server_gone_is_503_unavailable(database_urls, tmp_path):
    # The embedded server listens on a Unix socket: stopped, its socket file is gone (ENOENT).
    url = make_url(database_urls.app).set(host=None, port=None, query={"host": str(tmp_path)})
    app = create_app(make_settings(), url.render_as_string(hide_password=False))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                "/graphql", json={"query": LOGIN}, headers={"content-type": "application/json"}
            )
    finally:
        await app.state.services.db.dispose()

    assert response.status_code == 503, response.text
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == ["UNAVAILABLE"]


def test_other_os_errors_are_not_outages():
    from graph.core.errors import database_unavailable

    assert not database_unavailable(FileNotFoundError(2, "No such file or directory", "/blobs/x"))
    assert database_unavailable(ConnectionRefusedError(111, "Connection refused"))
