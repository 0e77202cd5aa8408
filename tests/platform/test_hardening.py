"""Production-mode hardening: what a production server refuses, and that it refuses before any SQL runs."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import event

from gateway.app import create_app
from graph.core.context import RequestContext
from tenants.db import UnsafeDatabaseRole
from tenants.embedded import DatabaseUrls
from tests.conftest import make_settings
from tests.servers import UvicornServer, free_port

GRJ = "application/graphql-response+json"


@pytest.fixture(scope="module")
async def production_app(database_urls: DatabaseUrls):  # type: ignore[no-untyped-def]
    application = create_app(make_settings(CRM_ENV="production"), database_urls.app)
    assert application.state.services.settings.is_production
    yield application
    await application.state.services.db.dispose()


@pytest.fixture
async def prod(production_app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=production_app, client=("127.0.0.1", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def statements(production_app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Every SQL statement the production app runs during the test."""
    engine = production_app.state.services.db.engine.sync_engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def send(client: httpx.AsyncClient, query: str, **variables: object) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables or None},
        headers={"accept": GRJ},
    )


def error_messages(response: httpx.Response) -> list[str]:
    body = response.json()
    assert body.get("errors"), body
    return [error["message"] for error in body["errors"]]


async def test_statement_listener_sees_sql(prod, statements) -> None:  # type: ignore[no-untyped-def]
    """The listener the refusals below rely on does record the statements a request runs."""
    response = await send(prod, "{ me { user { email } } }")
    assert response.status_code == 200
    await prod.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"authorization": "Bearer crms_unknown"}
    )
    assert statements, "a bearer token is checked in the database"


async def test_introspection_is_refused(prod, statements) -> None:  # type: ignore[no-untyped-def]
    for query in ("{ __schema { types { name } } }", '{ __type(name: "Query") { name } }'):
        response = await send(prod, query)
        assert response.status_code == 400
        assert "data" not in response.json()
        assert any("introspection" in message.lower() for message in error_messages(response))
    assert statements == []


async def test_introspection_works_in_development(client) -> None:  # type: ignore[no-untyped-def]
    assert (await client.execute("{ __schema { queryType { name } } }"))["__schema"]["queryType"][
        "name"
    ] == "Query"


async def test_no_field_suggestions(prod, client, statements) -> None:  # type: ignore[no-untyped-def]
    response = await send(prod, "{ mee { user { email } } }")
    assert response.status_code == 400
    assert not any("Did you mean" in message for message in error_messages(response))
    assert statements == []
    # The same typo in development does get a suggestion, so the check above can fail.
    development = await client.errors("{ mee { user { email } } }")
    assert "Did you mean" in development[0]["message"]


async def test_no_graphiql(prod) -> None:  # type: ignore[no-untyped-def]
    for accept in ("text/html", "text/html,application/xhtml+xml,*/*;q=0.8"):
        response = await prod.get("/graphql", headers={"accept": accept})
        assert not response.headers["content-type"].startswith("text/html")
        assert "graphiql" not in response.text.lower()
        assert response.status_code in (400, 406)


async def test_unexpected_errors_are_masked_and_logged_with_the_request_id(  # type: ignore[no-untyped-def]
    prod, monkeypatch, caplog
) -> None:
    def broken(_self: RequestContext) -> None:
        raise RuntimeError("secret internals: connection string postgres://...")

    monkeypatch.setattr(RequestContext, "actor", property(broken))
    with caplog.at_level(logging.ERROR, logger="crm.graphql"):
        response = await prod.post(
            "/graphql",
            json={"query": "{ me { user { email } } }"},
            headers={"accept": GRJ, "x-request-id": "req-mask-1"},
        )

    assert response.status_code == 200  # a field error: data is present (null)
    body = response.json()
    assert body["data"] == {"me": None}  # root fields are nullable
    assert "secret" not in response.text
    [error] = body["errors"]
    assert error["message"] == "Unexpected error (request id req-mask-1)."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-mask-1"}
    logged = [record for record in caplog.records if "req-mask-1" in record.getMessage()]
    assert logged, caplog.text
    assert logged[0].exc_info and "secret internals" in str(logged[0].exc_info[1])


async def test_generated_request_ids_match_log_and_response(prod, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(RequestContext, "actor", property(lambda _self: 1 / 0))
    with caplog.at_level(logging.ERROR, logger="crm.graphql"):
        response = await send(prod, "{ me { user { email } } }")
    [error] = response.json()["errors"]
    match = re.fullmatch(r"Unexpected error \(request id ([0-9a-f]{32})\)\.", error["message"])
    assert match, error
    assert response.headers["x-request-id"] == match.group(1)
    assert match.group(1) in caplog.text


async def test_no_mutations_over_get(prod, statements) -> None:  # type: ignore[no-untyped-def]
    response = await prod.get(
        "/graphql",
        params={"query": "mutation { logout { errors { code } } }"},
        headers={"accept": GRJ},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert statements == []


async def test_no_form_encoded_operations(prod, statements) -> None:  # type: ignore[no-untyped-def]
    response = await prod.post("/graphql", data={"query": "mutation { logout { errors { code } } }"})
    assert response.status_code == 415
    assert statements == []


async def test_batch_of_100_operations_is_refused(prod, statements) -> None:  # type: ignore[no-untyped-def]
    batch = [{"query": "{ me { user { email } } }"}] * 100
    response = await prod.post(
        "/graphql", content=json.dumps(batch), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Batching" in error_messages(response)[0]
    assert statements == []


async def test_over_deep_query_is_refused(prod, production_app, statements) -> None:  # type: ignore[no-untyped-def]
    depth = production_app.state.services.settings.max_depth + 1
    query = "query Deep " + "{ me " * depth + "{ __typename }" + " }" * depth
    response = await send(prod, query)
    assert response.status_code == 400
    assert f"'Deep' exceeds maximum operation depth of {depth - 1}" in error_messages(response)
    assert statements == []


async def test_depth_counts_through_fragments(prod, production_app, statements) -> None:  # type: ignore[no-untyped-def]
    depth = production_app.state.services.settings.max_depth + 1
    fragments = "".join(f"fragment F{i} on Query {{ me {{ ...F{i + 1} }} }} " for i in range(depth)).replace(
        f"...F{depth}", "__typename"
    )
    response = await send(prod, "query Deep { ...F0 } " + fragments)
    assert response.status_code == 400
    assert any("exceeds maximum operation depth" in message for message in error_messages(response))
    assert statements == []


async def test_circular_fragment_is_refused(prod, statements) -> None:  # type: ignore[no-untyped-def]
    query = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A __typename }"
    response = await asyncio.wait_for(send(prod, query), timeout=10)
    assert response.status_code == 400
    assert any("Cannot spread fragment" in message for message in error_messages(response))
    assert statements == []


async def test_aliases_hidden_in_fragments_are_counted(prod, production_app, statements) -> None:  # type: ignore[no-untyped-def]
    limit = production_app.state.services.settings.max_aliases
    half = limit // 2 + 1
    first = " ".join(f"a{i}: __typename" for i in range(half))
    second = " ".join(f"b{i}: __typename" for i in range(half))
    query = f"query {{ ...A ...B }} fragment A on Query {{ {first} }} fragment B on Query {{ {second} }}"
    response = await send(prod, query)
    assert response.status_code == 400
    assert f"{2 * half} aliases found. Allowed: {limit}" in error_messages(response)
    assert statements == []


async def test_too_many_tokens_are_refused(prod, production_app, statements) -> None:  # type: ignore[no-untyped-def]
    limit = production_app.state.services.settings.max_tokens
    query = "{ " + "__typename " * limit + "}"
    response = await send(prod, query)
    assert response.status_code == 400
    assert any("tokens" in message for message in error_messages(response))
    assert statements == []


async def test_too_many_directives_are_refused(prod, production_app, statements) -> None:  # type: ignore[no-untyped-def]
    limit = production_app.state.services.settings.max_directives
    fields = " ".join(f"f{i}: __typename @include(if: true)" for i in range(limit + 1))
    response = await send(prod, "{ " + fields + " }")
    assert response.status_code == 400
    assert f"More than {limit} directives in one document." in error_messages(response)
    assert statements == []


async def test_limits_leave_ordinary_queries_alone(prod, statements) -> None:  # type: ignore[no-untyped-def]
    fields = " ".join(f"f{i}: __typename @include(if: true)" for i in range(10))
    response = await send(prod, "query { ...A } fragment A on Query { " + fields + " }")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["f9"] == "Query"


async def test_healthz(prod) -> None:  # type: ignore[no-untyped-def]
    response = await prod.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_the_database_answers(prod) -> None:  # type: ignore[no-untyped-def]
    response = await prod.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(caplog) -> None:  # type: ignore[no-untyped-def]
    unreachable = f"postgresql://crm_app:secret@127.0.0.1:{free_port()}/crm"
    application = create_app(make_settings(CRM_ENV="production"), unreachable)
    try:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = await client.get("/readyz")
            healthy = await client.get("/healthz")
    finally:
        await application.state.services.db.dispose()
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "unreachable"}
    assert "secret" not in ready.text
    assert healthy.status_code == 200


async def test_superuser_runtime_role_is_refused(database_urls: DatabaseUrls) -> None:
    application = create_app(make_settings(CRM_ENV="production"), database_urls.admin)
    try:
        with pytest.raises(UnsafeDatabaseRole) as refused:
            await application.state.services.db.verify_runtime_role()
    finally:
        await application.state.services.db.dispose()
    message = str(refused.value)
    assert "superuser=True" in message
    assert "NOSUPERUSER NOBYPASSRLS" in message
    assert "DATABASE_URL" in message and "MIGRATION_DATABASE_URL" in message


def test_server_process_refuses_to_start_as_superuser(database_urls: DatabaseUrls, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = UvicornServer(database_urls.admin, tmp_path / "superuser.log", {"CRM_ENV": "production"})
    try:
        with pytest.raises(RuntimeError, match="exited") as refused:
            server.wait_ready(timeout=30)
    finally:
        server.stop()
    assert "UnsafeDatabaseRole" in str(refused.value)
    assert "NOSUPERUSER NOBYPASSRLS" in str(refused.value)


async def test_live_production_server_hides_the_schema(live_server_production: str) -> None:
    async with httpx.AsyncClient(base_url=live_server_production) as client:
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}, headers={"accept": GRJ}
        )
        ide = await client.get("/graphql", headers={"accept": "text/html"})
        typo = await client.post("/graphql", json={"query": "{ mee { user { email } } }"})
    assert introspection.status_code == 400
    assert ide.status_code == 406 and "graphiql" not in ide.text.lower()
    assert typo.status_code == 200 and "Did you mean" not in typo.text


async def test_refusals_are_answers_not_logged_errors(client, caplog) -> None:  # type: ignore[no-untyped-def]
    """A refused caller (no credential) gets its code; only faults reach the error log."""
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        response = await client.post('mutation { createAccount(input: {name: "Acme"}) { errors { code } } }')

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.json()["data"] == {"createAccount": None}
    assert not [r for r in caplog.records if r.name == "strawberry.execution"], caplog.text
