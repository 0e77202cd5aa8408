"""Receipts: documents link to expense claims the caller may see (the claimant's scope), in one tenant."""

from __future__ import annotations

from tests.documents.support import DOCUMENTS
from tests.documents.test_area_links import link
from tests.workday.documents import create_claim


async def test_receipts_link_to_claims_in_scope_only(local_docs) -> None:
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Receipts")
    rep = await client.add_member(admin, "sales", "rep")
    other_rep = await client.add_member(admin, "sales", "other")
    other_tenant = await client.sign_up("Other")
    claim = await create_claim(client, rep)

    receipt = await docs.upload_document(rep, name="taxi.pdf")
    linked = await link(docs, rep, receipt, claim)
    assert linked["errors"] == [], linked
    assert [entry["targetType"] for entry in linked["document"]["links"]] == ["expense_claim"]
    listed = await client.execute(DOCUMENTS, {"filter": {"linkedTo": claim["id"]}}, admin.token)
    assert listed["documents"]["totalCount"] == 1

    for member in (other_rep, other_tenant):
        theirs = await docs.upload_document(member, name="not-mine.pdf")
        denied = await link(docs, member, theirs, claim)
        assert [(e["field"], e["code"]) for e in denied["errors"]] == [("targetId", "NOT_FOUND")]
