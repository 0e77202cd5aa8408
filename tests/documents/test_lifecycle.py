"""Renaming, links and the signed-copy slot, soft delete, restore and purge, the audit trail."""

from __future__ import annotations

from tests.crm.documents import DELETE_ACCOUNT, create_account, create_contact
from tests.documents.support import (
    DELETE,
    DOCUMENT,
    DOCUMENTS,
    DOWNLOAD_URL,
    LINK,
    PDF,
    PURGE,
    RESTORE,
    TEXT,
    UNLINK,
    UPDATE,
    codes,
    row_counts,
)

AUDIT = """
query Audit($id: ID!) {
  auditLog(filter: {objectId: $id}, first: 50) { edges { node { action objectType objectId changes } } }
}"""


async def test_rename_and_retag_with_optimistic_versions(docs):
    admin = await docs.client.sign_up("Rename")
    document = await docs.upload_document(admin, PDF, tags=["a"])
    renamed = (
        await docs.client.execute(
            UPDATE,
            {"id": document["id"], "version": 1, "input": {"name": "Signed.pdf", "tags": ["b", "B", "c"]}},
            admin.token,
        )
    )["updateDocument"]
    assert renamed["errors"] == []
    assert (renamed["document"]["name"], renamed["document"]["tags"], renamed["document"]["version"]) == (
        "Signed.pdf",
        ["b", "c"],
        2,
    )
    stale = await docs.client.execute(
        UPDATE, {"id": document["id"], "version": 1, "input": {"name": "x"}}, admin.token
    )
    assert codes(stale["updateDocument"]) == [("version", "CONFLICT")]
    blank = await docs.client.execute(
        UPDATE, {"id": document["id"], "version": 2, "input": {"name": ""}}, admin.token
    )
    assert codes(blank["updateDocument"]) == [("name", "REQUIRED")]
    listed = await docs.client.execute(
        DOCUMENTS, {"filter": {"tag": "c", "nameContains": "sign"}}, admin.token
    )
    assert listed["documents"]["totalCount"] == 1


async def test_links_and_the_signed_copy_slot(docs):
    admin = await docs.client.sign_up("Links")
    account = await create_account(docs.client, admin, name="Contracted")
    contact = await create_contact(docs.client, admin)
    first = await docs.upload_document(admin, PDF, name="signed-1.pdf")
    second = await docs.upload_document(admin, PDF, name="signed-2.pdf")

    async def link(query, document, target, role="ATTACHMENT"):
        variables = {"input": {"documentId": document["id"], "targetId": target["id"], "role": role}}
        data = await docs.client.execute(query, variables, admin.token)
        return data["linkDocument" if query is LINK else "unlinkDocument"]

    assert (await link(LINK, first, account, "SIGNED_COPY"))["errors"] == []
    assert (await link(LINK, first, account, "SIGNED_COPY"))["errors"] == []  # idempotent
    taken = await link(LINK, second, account, "SIGNED_COPY")
    assert codes(taken) == [("targetId", "DUPLICATE")]
    assert (await link(LINK, second, account))["errors"] == []
    assert (await link(LINK, second, contact))["errors"] == []

    signed = await docs.client.execute(
        DOCUMENTS, {"filter": {"linkedTo": account["id"], "role": "SIGNED_COPY"}}, admin.token
    )
    assert [e["node"]["name"] for e in signed["documents"]["edges"]] == ["signed-1.pdf"]
    attached = await docs.client.execute(DOCUMENTS, {"filter": {"linkedTo": account["id"]}}, admin.token)
    assert [e["node"]["name"] for e in attached["documents"]["edges"]] == ["signed-1.pdf", "signed-2.pdf"]

    assert (await link(UNLINK, first, account, "SIGNED_COPY"))["errors"] == []
    assert codes(await link(UNLINK, first, account, "SIGNED_COPY")) == [("targetId", "NOT_FOUND")]
    assert (await link(LINK, second, account, "SIGNED_COPY"))["errors"] == []

    # A deleted record cannot be linked; an unknown kind of record is named in the error.
    gone = await create_account(docs.client, admin, name="Gone")
    await docs.client.execute(DELETE_ACCOUNT, {"id": gone["id"], "version": 1}, admin.token)
    assert codes(await link(LINK, first, gone)) == [("targetId", "NOT_FOUND")]
    wrong_kind = await link(LINK, first, {"id": first["id"]})
    assert codes(wrong_kind) == [("targetId", "INVALID")]
    assert "Account" in wrong_kind["errors"][0]["message"]
    bad_filter = await docs.client.errors(DOCUMENTS, {"filter": {"linkedTo": first["id"]}}, admin.token)
    assert bad_filter[0]["extensions"]["code"] == "INVALID"


async def test_soft_delete_restore_and_purge(docs, db):
    admin = await docs.client.sign_up("Trash")
    document = await docs.upload_document(admin, TEXT, name="a.txt", content_type="text/plain")
    await docs.presigned_document(
        admin, TEXT + b"v2", documentId=document["id"], contentType="text/plain", name=None
    )
    assert len(await docs.stored_keys(admin.tenant_id)) == 2

    stale = (await docs.client.execute(DELETE, {"id": document["id"], "version": 1}, admin.token))[
        "deleteDocument"
    ]
    assert codes(stale) == [("version", "CONFLICT")]
    early_purge = (await docs.client.execute(PURGE, {"id": document["id"]}, admin.token))["purgeDocument"]
    assert codes(early_purge) == [("id", "INVALID_TRANSITION")]
    deleted = (await docs.client.execute(DELETE, {"id": document["id"], "version": 2}, admin.token))[
        "deleteDocument"
    ]
    assert deleted["errors"] == [] and deleted["document"]["deletedAt"]
    assert (await docs.client.execute(DOCUMENTS, {}, admin.token))["documents"]["totalCount"] == 0
    assert (await docs.client.execute(DOCUMENTS, {"filter": {"deleted": True}}, admin.token))["documents"][
        "totalCount"
    ] == 1
    assert (await docs.client.execute(DOWNLOAD_URL, {"id": document["id"]}, admin.token))[
        "downloadUrl"
    ] is None

    restored = (await docs.client.execute(RESTORE, {"id": document["id"]}, admin.token))["restoreDocument"]
    assert restored["errors"] == [] and restored["document"]["deletedAt"] is None
    assert codes(
        (await docs.client.execute(RESTORE, {"id": document["id"]}, admin.token))["restoreDocument"]
    ) == [("id", "NOT_FOUND")]
    assert await docs.download(admin, document["id"], 1) == TEXT

    await docs.client.execute(DELETE, {"id": document["id"], "version": 4}, admin.token)
    purged = (await docs.client.execute(PURGE, {"id": document["id"]}, admin.token))["purgeDocument"]
    assert purged["errors"] == []
    assert await docs.stored_keys(admin.tenant_id) == []
    assert await row_counts(db, admin.tenant_id) == dict.fromkeys(
        ("documents", "document_versions", "document_links", "document_uploads"), 0
    )
    assert (await docs.client.execute(DOCUMENT, {"id": document["id"]}, admin.token))["document"] is None
    assert codes(
        (await docs.client.execute(PURGE, {"id": document["id"]}, admin.token))["purgeDocument"]
    ) == [("id", "NOT_FOUND")]


async def test_every_change_is_audited(docs):
    admin = await docs.client.sign_up("Audit")
    account = await create_account(docs.client, admin)
    document = await docs.upload_document(admin, PDF, links=[{"targetId": account["id"]}])
    await docs.presigned_document(admin, PDF, documentId=document["id"], name=None)
    await docs.client.execute(
        UPDATE, {"id": document["id"], "version": 2, "input": {"name": "b.pdf"}}, admin.token
    )
    await docs.client.execute(DELETE, {"id": document["id"], "version": 3}, admin.token)
    entries = (await docs.client.execute(AUDIT, {"id": document["id"]}, admin.token))["auditLog"]["edges"]
    actions = [edge["node"]["action"] for edge in reversed(entries)]
    assert actions == [
        "document.create",
        "document.link",
        "document.upload_request",
        "document.add_version",
        "document.update",
        "document.delete",
    ]
    assert all(edge["node"]["objectId"] == document["id"] for edge in entries)
    assert entries[2]["node"]["changes"]["version"] == [1, 2]
