"""A page of documents with owner, versions, uploaders and links costs the same statements for 3 as for 12."""

from __future__ import annotations

from tests.crm.documents import create_account
from tests.crm.test_no_n_plus_one import counted_statements
from tests.documents.support import TEXT, UPLOAD_VERSION

PAGE = """
query($first: Int!) {
  documents(first: $first, filter: {tag: "page"}) {
    edges { node { name owner { email } versions { number createdBy { email } } links { targetType role } } }
  }
}"""


async def test_statement_count_does_not_grow_with_the_page(local_docs):
    docs = local_docs
    admin = await docs.client.sign_up("Pages")
    rep = await docs.client.add_member(admin, "sales", "rep")
    account = await create_account(docs.client, admin, name="Linked")
    for index in range(12):
        member = rep if index % 2 else admin
        document = await docs.upload_document(
            member,
            TEXT,
            name=f"doc-{index:02d}.txt",
            content_type="text/plain",
            tags=["page"],
            links=[{"targetId": account["id"]}] if member is admin else [],
        )
        if index % 3 == 0:
            response = await docs.upload(
                admin,
                TEXT + b"2",
                "x.txt",
                "text/plain",
                query=UPLOAD_VERSION,
                variables={"input": {"documentId": document["id"]}},
            )
            assert response.json()["data"]["uploadDocumentVersion"]["errors"] == []

    with counted_statements(docs.app) as small:
        few = await docs.client.execute(PAGE, {"first": 3}, admin.token)
    with counted_statements(docs.app) as large:
        many = await docs.client.execute(PAGE, {"first": 12}, admin.token)

    assert len(few["documents"]["edges"]) == 3 and len(many["documents"]["edges"]) == 12
    assert sum(len(e["node"]["versions"]) for e in many["documents"]["edges"]) == 16
    assert len(large) == len(small), (small, large)
    assert len(large) <= 8, large
