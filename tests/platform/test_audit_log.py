from __future__ import annotations

AUDIT_LOG = """
query Audit($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { action objectType objectId changes viaApiKey actor { email } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } errors { code } } }"""


async def test_admin_reads_the_audit_log_newest_first_with_diffs(client):
    admin = await client.sign_up("Audited")
    key = await client.execute(CREATE_KEY, {"input": {"name": "ETL", "roleKey": "viewer"}}, admin.token)

    edges = (await client.execute(AUDIT_LOG, token=admin.token))["auditLog"]["edges"]

    actions = [edge["node"]["action"] for edge in edges]
    assert actions == ["api_key.create", "tenant.create"]
    newest = edges[0]["node"]
    assert newest["objectId"] == key["createApiKey"]["apiKey"]["id"]
    assert newest["changes"] == {"name": [None, "ETL"], "role": [None, "viewer"]}
    assert newest["actor"] == {"email": admin.email} and newest["viaApiKey"] is False


async def test_audit_log_filters_and_pages(client):
    admin = await client.sign_up()
    for name in ["one", "two", "three"]:
        await client.execute(CREATE_KEY, {"input": {"name": name, "roleKey": "viewer"}}, admin.token)

    first = (
        await client.execute(
            AUDIT_LOG, {"filter": {"action": "api_key.create"}, "first": 2}, token=admin.token
        )
    )["auditLog"]
    rest = (
        await client.execute(
            AUDIT_LOG,
            {"filter": {"action": "api_key.create"}, "first": 2, "after": first["pageInfo"]["endCursor"]},
            token=admin.token,
        )
    )["auditLog"]

    assert [e["node"]["changes"]["name"][1] for e in first["edges"]] == ["three", "two"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["changes"]["name"][1] for e in rest["edges"]] == ["one"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_audit_log_needs_the_capability_and_stays_in_its_tenant(client):
    admin = await client.sign_up("A")
    sales = await client.add_member(admin, "sales")
    stranger = await client.sign_up("B")

    denied = await client.errors(AUDIT_LOG, token=sales.token)
    foreign = (await client.execute(AUDIT_LOG, token=stranger.token))["auditLog"]["edges"]

    assert denied[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert [e["node"]["action"] for e in foreign] == ["tenant.create"]


async def test_bad_cursor_and_page_size_are_refused(client):
    admin = await client.sign_up()

    too_many = await client.errors(AUDIT_LOG, {"first": 101}, token=admin.token)
    bad_cursor = await client.errors(AUDIT_LOG, {"after": "not-a-cursor"}, token=admin.token)

    assert too_many[0]["extensions"] == {"code": "INVALID", "field": "first"}
    assert bad_cursor[0]["extensions"] == {"code": "INVALID", "field": "after"}
