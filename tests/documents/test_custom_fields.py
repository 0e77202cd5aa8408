"""Custom fields and field rules on documents: values validated on update, on multipart upload (before
any byte is stored) and on requestUpload (carried to completeUpload), filters and custom sort keys,
hidden and read-only fields for a custom role, and tenant isolation of definitions."""

from __future__ import annotations

from tests.admin.documents import VALUES, assign, create_role, define_field, error_pairs
from tests.documents.support import PDF, REQUEST_UPLOAD, UPDATE, row_counts, sha256

UPLOAD_CUSTOM = f"""
mutation Upload($input: UploadDocumentInput!) {{
  uploadDocument(input: $input) {{ document {{ id name version {VALUES} }} errors {{ field code }} }}
}}"""
DOCS = f"""
query($filter: DocumentFilter, $orderBy: [DocumentOrder!]) {{
  documents(filter: $filter, orderBy: $orderBy) {{ edges {{ node {{ name {VALUES} }} }} }} }}"""
ONE = f"query($id: ID!) {{ document(id: $id) {{ name {VALUES} }} }}"
TIERS = {"options": [{"key": "gold", "label": "Gold"}, {"key": "silver", "label": "Silver"}]}
BAD = [
    ({"pages": -1}, [("custom.pages", "INVALID")]),
    ({"pages": "many"}, [("custom.pages", "INVALID")]),
    ({"tier": "bronze"}, [("custom.tier", "INVALID")]),
    ({"colour": "red"}, [("custom.colour", "INVALID")]),
    ({"pages": -1, "tier": "bronze"}, [("custom.pages", "INVALID"), ("custom.tier", "INVALID")]),
]


async def define_document_fields(client, admin):
    await define_field(client, admin, "document", "pages", "INTEGER", validation={"min": 0}, filterable=True)
    await define_field(client, admin, "document", "tier", "SINGLE_SELECT", validation=TIERS, filterable=True)


async def upload(docs, member, name, custom):
    variables = {"input": {"name": name, "custom": custom}}
    response = await docs.upload(member, PDF, name, query=UPLOAD_CUSTOM, variables=variables)
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body["data"]["uploadDocument"]


async def names(client, member, variables):
    edges = (await client.execute(DOCS, variables, member.token))["documents"]["edges"]
    return [edge["node"]["name"] for edge in edges]


async def test_values_are_validated_on_upload_and_update_and_a_bad_one_stores_nothing(local_docs, db):
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Custom docs")
    await define_document_fields(client, admin)
    kept = await upload(docs, admin, "kept.pdf", {"pages": 3, "tier": "gold"})
    assert kept["errors"] == [] and kept["document"]["customFields"] == {"pages": 3, "tier": "gold"}
    assert [(v["key"], v["value"]) for v in kept["document"]["fieldValues"]] == [
        ("pages", {"__typename": "IntegerValue", "integer": 3}),
        ("tier", {"__typename": "OptionValue", "key": "gold", "label": "Gold"}),
    ]
    before_rows, before_keys = await row_counts(db, admin.tenant_id), await docs.stored_keys(admin.tenant_id)
    document = kept["document"]

    for custom, expected in BAD:
        uploaded = await upload(docs, admin, "bad.pdf", custom)
        assert uploaded["document"] is None and error_pairs(uploaded) == expected, custom
        updated = await client.outcome(
            UPDATE,
            {"id": document["id"], "version": 1, "input": {"custom": custom}},
            admin.token,
            "updateDocument",
        )
        assert updated == expected, custom
    # A refused upload left no row and no object behind; refused updates changed nothing.
    assert await row_counts(db, admin.tenant_id) == before_rows
    assert await docs.stored_keys(admin.tenant_id) == before_keys

    updated = (
        await client.execute(
            UPDATE,
            {"id": document["id"], "version": 1, "input": {"custom": {"tier": "silver", "pages": None}}},
            admin.token,
        )
    )["updateDocument"]
    assert updated["errors"] == [] and updated["document"]["version"] == 2
    node = (await client.execute(ONE, {"id": document["id"]}, admin.token))["document"]
    assert node["customFields"] == {"tier": "silver"}


async def test_request_upload_validates_and_complete_upload_applies_the_values(local_docs, db):
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Presigned custom")
    await define_document_fields(client, admin)
    for custom, expected in BAD:
        values = {
            "name": "big.pdf",
            "contentType": "application/pdf",
            "size": len(PDF),
            "sha256": sha256(PDF),
            "custom": custom,
        }
        refused = (await client.execute(REQUEST_UPLOAD, {"input": values}, admin.token))["requestUpload"]
        assert refused["upload"] is None and error_pairs(refused) == expected, custom
    assert (await row_counts(db, admin.tenant_id))["document_uploads"] == 0

    document = await docs.presigned_document(admin, PDF, custom={"pages": 12, "tier": "gold"})
    node = (await client.execute(ONE, {"id": document["id"]}, admin.token))["document"]
    assert node["customFields"] == {"pages": 12, "tier": "gold"}


async def test_filter_and_order_by_custom_fields(local_docs):
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Sorted docs")
    await define_document_fields(client, admin)
    await upload(docs, admin, "a-long.pdf", {"pages": 40, "tier": "gold"})
    await upload(docs, admin, "b-short.pdf", {"pages": 2, "tier": "silver"})
    await upload(docs, admin, "c-none.pdf", {})

    gold = {"filter": {"custom": [{"key": "tier", "equals": "gold"}]}}
    assert await names(client, admin, gold) == ["a-long.pdf"]
    long = {"filter": {"custom": [{"key": "pages", "range": {"min": 10}}]}}
    assert await names(client, admin, long) == ["a-long.pdf"]
    counted = {"custom": [{"key": "pages", "range": {"min": 0}}]}
    by_pages = {"orderBy": [{"customField": "pages"}], "filter": counted}
    assert await names(client, admin, by_pages) == ["b-short.pdf", "a-long.pdf"]
    by_pages_desc = {"orderBy": [{"customField": "pages", "direction": "DESC"}], "filter": counted}
    assert await names(client, admin, by_pages_desc) == ["a-long.pdf", "b-short.pdf"]
    errors = await client.errors(DOCS, {"orderBy": [{"field": "NAME", "customField": "pages"}]}, admin.token)
    assert errors[0]["extensions"]["code"] == "INVALID"


async def test_hidden_field_is_absent_for_a_custom_role_and_read_only_refused(local_docs):
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Doc rules")
    await define_document_fields(client, admin)
    grant = {
        "objectType": "document",
        "actions": ["READ", "CREATE", "UPDATE", "DELETE"],
        "scope": "ALL",
        "fields": [
            {"field": "custom.tier", "access": "HIDDEN"},
            {"field": "custom.pages", "access": "READ_ONLY"},
        ],
    }
    role = await create_role(client, admin, "doc_clerk", grants=[grant])
    clerk = await client.add_member(admin, "sales", "clerk")
    await assign(client, admin, clerk, role)
    document = (await upload(docs, admin, "ruled.pdf", {"pages": 5, "tier": "gold"}))["document"]

    node = (await client.execute(ONE, {"id": document["id"]}, clerk.token))["document"]
    assert node["customFields"] == {"pages": 5}
    assert [v["key"] for v in node["fieldValues"]] == ["pages"]
    errors = await client.errors(
        DOCS, {"filter": {"custom": [{"key": "tier", "equals": "gold"}]}}, clerk.token
    )
    assert errors[0]["extensions"]["code"] == "INVALID"
    for custom, expected in (
        ({"pages": 6}, [("custom.pages", "PERMISSION_DENIED")]),
        ({"tier": "silver"}, [("custom.tier", "INVALID")]),
    ):
        updated = await client.outcome(
            UPDATE,
            {"id": document["id"], "version": 1, "input": {"custom": custom}},
            clerk.token,
            "updateDocument",
        )
        assert updated == expected, custom
    node = (await client.execute(ONE, {"id": document["id"]}, admin.token))["document"]
    assert node["customFields"] == {"pages": 5, "tier": "gold"}


async def test_another_tenants_definitions_are_invisible(local_docs):
    docs, client = local_docs, local_docs.client
    owner = await client.sign_up("Definer")
    other = await client.sign_up("Stranger")
    await define_document_fields(client, owner)
    refused = await upload(docs, other, "x.pdf", {"pages": 1})
    assert refused["document"] is None and error_pairs(refused) == [("custom.pages", "INVALID")]
    plain = await upload(docs, other, "y.pdf", {})
    assert plain["errors"] == [] and plain["document"]["customFields"] == {}
    assert plain["document"]["fieldValues"] == []
