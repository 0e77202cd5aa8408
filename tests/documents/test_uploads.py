"""Both upload paths on both backends: what arrives is what is stored, listed and downloaded."""

from __future__ import annotations

import os

from tests.crm.documents import create_account, create_contact
from tests.documents.support import (
    DOCUMENTS,
    PDF,
    PNG,
    REQUEST_UPLOAD,
    TEXT,
    UPLOAD_VERSION,
    codes,
    row_counts,
    sha256,
)


async def test_multipart_upload_stores_links_and_downloads(docs):
    admin = await docs.client.sign_up("Docs")
    account = await create_account(docs.client, admin, name="Globex")
    contact = await create_contact(docs.client, admin, lastName="Simpson")

    document = await docs.upload_document(
        admin,
        PDF,
        name="Master agreement.pdf",
        tags=["legal"],
        links=[{"targetId": account["id"]}, {"targetId": contact["id"], "role": "SIGNED_COPY"}],
    )

    assert document["name"] == "Master agreement.pdf"
    assert (document["contentType"], document["size"], document["sha256"]) == (
        "application/pdf",
        len(PDF),
        sha256(PDF),
    )
    assert document["currentVersion"] == 1 and document["tags"] == ["legal"]
    assert document["owner"]["email"] == admin.email
    assert [(v["number"], v["size"], v["createdBy"]["email"]) for v in document["versions"]] == [
        (1, len(PDF), admin.email)
    ]
    assert {(link["targetType"], link["targetId"], link["role"]) for link in document["links"]} == {
        ("account", account["id"], "ATTACHMENT"),
        ("contact", contact["id"], "SIGNED_COPY"),
    }
    assert await docs.download(admin, document["id"]) == PDF
    listed = (await docs.client.execute(DOCUMENTS, {"filter": {"linkedTo": account["id"]}}, admin.token))[
        "documents"
    ]
    assert [edge["node"]["id"] for edge in listed["edges"]] == [document["id"]]
    keys = await docs.stored_keys(admin.tenant_id)
    assert len(keys) == 1 and keys[0].startswith(f"tenants/{admin.tenant_id}/documents/")


async def test_new_versions_through_either_path_keep_the_old_ones(docs):
    admin = await docs.client.sign_up("Versions")
    document = await docs.upload_document(admin, TEXT, name="notes.txt", content_type="text/plain")
    second = TEXT + b"more\n"
    response = await docs.upload(
        admin,
        second,
        "notes.txt",
        "text/plain",
        query=UPLOAD_VERSION,
        variables={"input": {"documentId": document["id"]}},
    )
    updated = response.json()["data"]["uploadDocumentVersion"]
    assert updated["errors"] == [], updated
    third = second + b"and more\n"
    latest = await docs.presigned_document(
        admin, third, documentId=document["id"], contentType="text/plain", name=None
    )

    assert latest["id"] == document["id"] and latest["currentVersion"] == 3
    assert latest["name"] == "notes.txt" and latest["sha256"] == sha256(third)
    assert [v["number"] for v in latest["versions"]] == [3, 2, 1]
    assert await docs.download(admin, document["id"]) == third
    assert await docs.download(admin, document["id"], 1) == TEXT
    assert await docs.download(admin, document["id"], 2) == second
    assert len(await docs.stored_keys(admin.tenant_id)) == 3


async def test_presigned_upload_is_invisible_until_completed(docs):
    admin = await docs.client.sign_up("Presigned")
    data = b"%PDF-1.5\n" + os.urandom(300_000)
    requested = await docs.request_upload(admin, data, name="Scan.pdf", tags=["scan"])
    assert requested["errors"] == []
    ticket = requested["upload"]

    assert (await docs.client.execute(DOCUMENTS, {}, admin.token))["documents"]["totalCount"] == 0
    early = await docs.complete(admin, ticket["uploadId"])
    assert codes(early) == [("uploadId", "UPLOAD_MISMATCH")]  # nothing arrived yet; the ticket stays

    assert (await docs.post_form(ticket, data)).status_code in (200, 204)
    assert (await docs.client.execute(DOCUMENTS, {}, admin.token))["documents"]["totalCount"] == 0
    completed = await docs.complete(admin, ticket["uploadId"])
    assert completed["errors"] == [], completed
    document = completed["document"]
    assert document["id"] == ticket["documentId"]
    assert (document["name"], document["size"], document["tags"]) == ("Scan.pdf", len(data), ["scan"])
    assert await docs.download(admin, document["id"]) == data
    again = await docs.complete(admin, ticket["uploadId"])
    assert codes(again) == [("uploadId", "NOT_FOUND")]


async def test_upload_input_is_checked(docs, db):
    admin = await docs.client.sign_up("Bad input")
    account = await create_account(docs.client, admin, name="Initech")

    bad_link = await docs.upload(
        admin, PDF, variables={"input": {"name": "x.pdf", "links": [{"targetId": admin.user_id}]}}
    )
    assert codes(bad_link.json()["data"]["uploadDocument"]) == [("links.0.targetId", "INVALID")]
    empty_name = await docs.upload(admin, PDF, variables={"input": {"name": " "}})
    assert codes(empty_name.json()["data"]["uploadDocument"]) == [("name", "REQUIRED")]
    bad_type = await docs.upload(admin, PDF, "x.pdf", "not a type")
    assert codes(bad_type.json()["data"]["uploadDocument"]) == [("contentType", "INVALID")]
    bad_sum = await docs.request_upload(admin, PDF, sha256="abc")
    assert codes(bad_sum) == [("sha256", "INVALID")]
    bad_size = await docs.client.errors(
        REQUEST_UPLOAD,
        {"input": {"name": "x", "contentType": "application/pdf", "size": -1, "sha256": sha256(PDF)}},
        admin.token,
    )
    assert "byte count" in bad_size[0]["message"]
    no_name = await docs.request_upload(admin, PDF, name=None)
    assert codes(no_name) == [("name", "REQUIRED")]
    deleted_target = await docs.request_upload(admin, PDF, links=[{"targetId": account["id"][:-2] + "xx"}])
    assert deleted_target["errors"]

    assert await row_counts(db, admin.tenant_id) == dict.fromkeys(
        ("documents", "document_versions", "document_links", "document_uploads"), 0
    )
    assert await docs.stored_keys(admin.tenant_id) == []


async def test_multipart_needs_the_preflight_header_and_a_well_formed_map(local_docs):
    admin = await local_docs.client.sign_up("Csrf")
    refused = await local_docs.upload(admin, PDF, preflight=False)
    assert refused.status_code == 415
    http = local_docs.client.http
    headers = {"authorization": f"Bearer {admin.token}", "apollo-require-preflight": "1"}
    no_map = await http.post("/graphql", data={"operations": "{}"}, files={"0": ("a", b"x")}, headers=headers)
    assert no_map.status_code == 400
    wrong_part = await http.post(
        "/graphql",
        data={
            "operations": '{"query": "{ __typename }", "variables": {}}',
            "map": '{"1": ["variables.file"]}',
        },
        files={"0": ("a", b"x")},
        headers=headers,
    )
    assert wrong_part.status_code == 400 and "'1'" in wrong_part.text


async def test_multipart_body_over_the_cap_is_413_and_stores_nothing(local_docs):
    from tests.documents.conftest import MULTIPART_CAP

    admin = await local_docs.client.sign_up("Cap")
    response = await local_docs.upload(admin, b"%PDF-1.4\n" + b"0" * MULTIPART_CAP)
    assert response.status_code == 413
    assert await local_docs.stored_keys(admin.tenant_id) == []


async def test_office_and_image_types_pass_the_magic_check(docs):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    admin = await docs.client.sign_up("Types")
    word = await docs.upload_document(admin, buffer.getvalue(), name="letter.docx", content_type=docx)
    image = await docs.upload_document(admin, PNG, name="logo.png", content_type="image/png")
    assert (word["contentType"], image["contentType"]) == (docx, "image/png")


async def test_body_cap_holds_without_a_content_length(local_docs):
    # A chunked body announces no size: the cap is enforced on the bytes as they stream in.
    from tests.documents.conftest import MULTIPART_CAP

    admin = await local_docs.client.sign_up("Chunked")
    boundary = "capboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        '{"query": "mutation($input: UploadDocumentInput!) { uploadDocument(input: $input) { errors { code } } }",'
        ' "variables": {"input": {"name": "x.pdf", "file": null}}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0": ["variables.input.file"]}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="x.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()

    async def body():
        yield head
        for _ in range(MULTIPART_CAP // 65536 + 10):
            yield b"0" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await local_docs.client.http.post(
        "/graphql",
        content=body(),
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            "authorization": f"Bearer {admin.token}",
            "apollo-require-preflight": "1",
        },
    )
    assert response.status_code == 413
    assert await local_docs.stored_keys(admin.tenant_id) == []


async def test_concurrent_versions_of_one_document_get_consecutive_numbers(docs):
    import asyncio

    admin = await docs.client.sign_up("Concurrent versions")
    document = await docs.upload_document(admin, TEXT, name="log.txt", content_type="text/plain")
    bodies = [TEXT + f"version {i}\n".encode() for i in range(3)]
    responses = await asyncio.gather(
        *(
            docs.upload(
                admin,
                body,
                "log.txt",
                "text/plain",
                query=UPLOAD_VERSION,
                variables={"input": {"documentId": document["id"]}},
            )
            for body in bodies
        )
    )
    assert all(r.json()["data"]["uploadDocumentVersion"]["errors"] == [] for r in responses)
    renamed = await docs.presigned_document(
        admin, TEXT, documentId=document["id"], name="renamed.txt", contentType="text/plain"
    )
    assert renamed["name"] == "renamed.txt"
    assert [v["number"] for v in renamed["versions"]] == [5, 4, 3, 2, 1]
    assert sorted(v["sha256"] for v in renamed["versions"][1:4]) == sorted(sha256(b) for b in bodies)
