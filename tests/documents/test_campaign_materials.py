"""Campaign materials: documents linked to a campaign are read by whoever sees the campaign."""

from __future__ import annotations

from tests.documents.support import DOCUMENTS, LINK
from tests.marketing.documents import create_campaign


async def test_materials_are_linked_to_campaigns_and_read_by_whoever_sees_the_campaign(local_docs) -> None:
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Materials")
    rep = await client.add_member(admin, "sales", "rep")
    outsider = await client.add_member(admin, "sales", "outsider")
    other_tenant = await client.sign_up("Other")
    campaign = await create_campaign(client, rep, name="Trade fair")
    brochure = await docs.upload_document(admin, name="brochure.pdf")

    variables = {"input": {"documentId": brochure["id"], "targetId": campaign["id"], "role": "ATTACHMENT"}}
    linked = (await client.execute(LINK, variables, admin.token))["linkDocument"]

    assert linked["errors"] == []
    assert linked["document"]["links"][0]["targetType"] == "campaign"
    materials = {"filter": {"linkedTo": campaign["id"]}}
    seen_by_rep = (await client.execute(DOCUMENTS, materials, rep.token))["documents"]
    assert [edge["node"]["name"] for edge in seen_by_rep["edges"]] == ["brochure.pdf"]
    assert await docs.download(rep, brochure["id"]) == await docs.download(admin, brochure["id"])
    assert (await client.execute(DOCUMENTS, materials, outsider.token))["documents"]["totalCount"] == 0

    theirs = await docs.upload_document(other_tenant, name="theirs.pdf")
    foreign = {"input": {"documentId": theirs["id"], "targetId": campaign["id"], "role": "ATTACHMENT"}}
    refused = (await client.execute(LINK, foreign, other_tenant.token))["linkDocument"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("targetId", "NOT_FOUND")]
