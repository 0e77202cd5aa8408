"""The HTTP transport of /graphql, error path by error path (GraphQL over HTTP)."""

from __future__ import annotations

import json

import httpx
import pytest

from gateway.graphql_http import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, negotiate

GRJ = GRAPHQL_RESPONSE_JSON


@pytest.fixture
async def http(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def post(http: httpx.AsyncClient, body: object, accept: str | None = GRJ, **headers: str):  # type: ignore[no-untyped-def]
    headers = {"content-type": "application/json", **headers}
    if accept is not None:
        headers["accept"] = accept
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    return http.post("/graphql", content=content, headers=headers)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def only_error(response: httpx.Response) -> str:
    body = response.json()
    assert "data" not in body, body
    assert len(body["errors"]) == 1, body
    return body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, APPLICATION_JSON),
        ("", APPLICATION_JSON),
        ("*/*", APPLICATION_JSON),
        ("application/*", APPLICATION_JSON),
        ("application/json", APPLICATION_JSON),
        (GRJ, GRJ),
        (f"{GRJ}; charset=utf-8", GRJ),
        (f"{GRJ}, application/json;q=0.9", GRJ),
        (f"application/json, {GRJ}", GRJ),
        (f"application/json, {GRJ};q=0.5", APPLICATION_JSON),
        (f"{GRJ}, */*;q=0.1", GRJ),
        ("text/html,application/xhtml+xml,*/*;q=0.8", APPLICATION_JSON),
        ("text/html", None),
        ("application/xml, text/plain", None),
        ("application/json;q=0", None),
        (f"*/*, {GRJ};q=0, application/json;q=0", None),
        ("application/json;q=oops", None),
    ],
)
def test_accept_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


async def test_graphql_response_json_success_is_200(http) -> None:  # type: ignore[no-untyped-def]
    response = await post(http, {"query": "{ __typename }"})
    assert response.status_code == 200
    assert media_type(response) == GRJ
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["x-request-id"]
    assert "accept" in response.headers["vary"].lower()


async def test_request_id_header_is_echoed(http) -> None:  # type: ignore[no-untyped-def]
    response = await post(http, {"query": "{ __typename }"}, **{"x-request-id": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"query": "{"}, "Syntax Error"),
        ({"query": "{ noSuchField }"}, "Cannot query field"),
        ({"query": "query Q($id: ID!) { __typename }", "variables": {"id": None}}, "$id"),
        ({"query": "query A { __typename }", "operationName": "B"}, "B"),
        ({"query": "subscription { x }"}, "WebSocket"),
    ],
)
async def test_request_errors_are_400_without_data_for_graphql_response_json(http, body, fragment) -> None:  # type: ignore[no-untyped-def]
    response = await post(http, body)
    assert response.status_code == 400, response.text
    assert media_type(response) == GRJ
    assert fragment in only_error(response)


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{"},
        {"query": "{ noSuchField }"},
        {"query": "query Q($id: ID!) { __typename }", "variables": {"id": None}},
    ],
)
async def test_request_errors_are_200_without_data_for_application_json(http, body) -> None:  # type: ignore[no-untyped-def]
    for accept in ("application/json", None, "*/*"):
        response = await post(http, body, accept=accept)
        assert response.status_code == 200, response.text
        assert media_type(response) == APPLICATION_JSON
        only_error(response)


async def test_field_error_with_data_is_200(http) -> None:  # type: ignore[no-untyped-def]
    # Root fields are nullable, so a failing root field is null in `data` (graph/schema.py).
    response = await post(http, {"query": "{ me { user { email } } }"})
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"] == {"me": None}
    assert body["errors"][0]["path"] == ["me"]
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
async def test_unacceptable_accept_is_406(http, accept: str) -> None:  # type: ignore[no-untyped-def]
    response = await post(http, {"query": "{ __typename }"}, accept=accept)
    assert response.status_code == 406
    assert "Accept" in only_error(response)


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "application/json; charset=latin-1",
        "application/jsonx",
    ],
)
async def test_other_content_types_are_415(http, content_type: str | None) -> None:  # type: ignore[no-untyped-def]
    headers = {"accept": GRJ}
    if content_type is not None:
        headers["content-type"] = content_type
    response = await http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415, response.text
    assert "application/json" in only_error(response)


async def test_form_encoded_mutation_is_not_executed(http, app) -> None:  # type: ignore[no-untyped-def]
    response = await http.post("/graphql", data={"query": "mutation { __typename }"})
    assert response.status_code == 415


async def test_json_with_explicit_utf8_charset_is_accepted(http) -> None:  # type: ignore[no-untyped-def]
    response = await post(
        http, {"query": "{ __typename }"}, **{"content-type": "application/json; charset=UTF-8"}
    )
    assert response.status_code == 200


async def test_body_over_the_limit_is_413(http, app) -> None:  # type: ignore[no-untyped-def]
    limit = app.state.services.settings.max_body_bytes
    padding = " " * (limit + 1)
    response = await post(http, '{"query": "{ __typename }"' + padding + "}")
    assert response.status_code == 413
    assert str(limit) in only_error(response)


async def test_chunked_body_over_the_limit_is_413(http, app) -> None:  # type: ignore[no-untyped-def]
    limit = app.state.services.settings.max_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"query": "{ __typename }"'
        for _ in range(limit // 65_536 + 2):
            yield b" " * 65_536
        yield b"}"

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json", "accept": GRJ}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{ "not a JSON', "not valid JSON"),
        ("", "empty"),
        (b"\xff\xfe{}", "UTF-8"),
        ("[1, 2]", "Batching"),
        ([{"query": "{ __typename }"}, {"query": "{ __typename }"}], "Batching"),
        ('"query"', "JSON object"),
        ({"notquery": "{ __typename }"}, "`query`"),
        ({"query": None}, "`query`"),
        ({"query": 0}, "`query`"),
        ({"query": ["{ __typename }"]}, "`query`"),
        ({"query": "{ __typename }", "operationName": 1}, "`operationName`"),
        ({"query": "{ __typename }", "variables": "{}"}, "`variables`"),
        ({"query": "{ __typename }", "variables": []}, "`variables`"),
        ({"query": "{ __typename }", "extensions": False}, "`extensions`"),
        ({"query": ""}, "`query`"),
    ],
)
async def test_malformed_requests_are_400(http, body, fragment) -> None:  # type: ignore[no-untyped-def]
    for accept in (GRJ, "application/json"):
        response = await post(http, body, accept=accept)
        assert response.status_code == 400, response.text
        assert fragment in only_error(response)


async def test_get_runs_queries_with_json_variables(http) -> None:  # type: ignore[no-untyped-def]
    response = await http.get(
        "/graphql",
        params={"query": "query Q($n: String!) { __type(name: $n) { name } }", "variables": '{"n": "Query"}'},
        headers={"accept": GRJ},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"__type": {"name": "Query"}}}


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"query": "{ __typename }", "variables": "{oops"}, "`variables`"),
        ({"query": "{ __typename }", "extensions": "[1]"}, "`extensions`"),
        ({"variables": "{}"}, "`query`"),
    ],
)
async def test_malformed_get_requests_are_400(http, params, fragment) -> None:  # type: ignore[no-untyped-def]
    response = await http.get("/graphql", params=params, headers={"accept": GRJ})
    assert response.status_code == 400
    assert fragment in only_error(response)


async def test_mutation_over_get_is_405_allow_post(http) -> None:  # type: ignore[no-untyped-def]
    response = await http.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers={"accept": GRJ}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "POST" in only_error(response)


async def test_other_methods_are_405(http) -> None:  # type: ignore[no-untyped-def]
    for method in ("PUT", "PATCH", "DELETE"):
        response = await http.request(method, "/graphql", json={"query": "{ __typename }"})
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"
        assert "GET and POST" in only_error(response)


@pytest.mark.parametrize("authorization", ["Bearer nonsense", "Basic abc", "Bearer crm_s_" + "0" * 43])
async def test_bad_bearer_token_is_401_with_a_graphql_error(http, authorization: str) -> None:  # type: ignore[no-untyped-def]
    for accept in (GRJ, "application/json"):
        response = await post(http, {"query": "{ __typename }"}, accept=accept, authorization=authorization)
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
        assert media_type(response) == (accept or APPLICATION_JSON)
        only_error(response)
        assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_development_serves_graphiql_to_browsers(http) -> None:  # type: ignore[no-untyped-def]
    response = await http.get("/graphql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "graphiql" in response.text.lower()


async def test_get_without_query_from_an_api_client_is_400(http) -> None:  # type: ignore[no-untyped-def]
    response = await http.get("/graphql", headers={"accept": GRJ})
    assert response.status_code == 400
