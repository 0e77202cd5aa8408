"""Document names cannot break a download: control characters are refused, headers always encoded."""

from __future__ import annotations

from storage.s3 import content_disposition
from tests.documents.support import DOWNLOAD_URL, PDF, UPDATE, raw
from tests.support import error_pairs


async def test_names_with_line_breaks_or_control_characters_are_refused(local_docs):
    admin = await local_docs.client.sign_up("Names")
    document = await local_docs.upload_document(admin, PDF)

    for name in ("a\r\nSet-Cookie: x=1.pdf", "tab\there.pdf", "bell\x07.pdf", "rtl\u202egpj.exe"):
        renamed = (
            await local_docs.client.execute(
                UPDATE, {"id": document["id"], "version": 1, "input": {"name": name}}, admin.token
            )
        )["updateDocument"]
        assert error_pairs(renamed) == [("name", "INVALID")], name
        assert (
            renamed["errors"][0]["message"]
            == "A name may not contain control characters (line breaks, tabs)."
        )
    requested = await local_docs.request_upload(admin, PDF, name="big\n.pdf")
    assert error_pairs(requested) == [("name", "INVALID")]


async def test_a_stored_name_with_line_breaks_still_downloads(local_docs, db):
    admin = await local_docs.client.sign_up("Old names")
    document = await local_docs.upload_document(admin, PDF)
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", str(raw(admin.tenant_id)))
        await connection.execute(
            "update documents set name = $1 where id = $2",
            "r\u00e9sum\u00e9\r\nX-Evil: 1.pdf",
            raw(document["id"]),
        )

    found = (await local_docs.client.execute(DOWNLOAD_URL, {"id": document["id"]}, admin.token))[
        "downloadUrl"
    ]
    answer = await local_docs.client.http.get(found["url"])

    assert answer.status_code == 200 and answer.content == PDF
    assert "x-evil" not in answer.headers
    assert answer.headers["content-disposition"] == (
        "attachment; filename=\"r_sum___X-Evil: 1.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9__X-Evil%3A%201.pdf"
    )


def test_content_disposition_is_rfc_6266():
    assert content_disposition('a "quoted"\\name;.pdf') == (
        "attachment; filename=\"a _quoted__name_.pdf\"; filename*=UTF-8''a%20%22quoted%22%5Cname%3B.pdf"
    )
    assert (
        content_disposition("\u5408\u540c.pdf")
        == "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"
    )
    assert content_disposition("\r\n") == "attachment; filename=\"download\"; filename*=UTF-8''download"
