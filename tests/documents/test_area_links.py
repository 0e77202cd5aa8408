"""Documents link to the records of the sales and project areas, inside the caller's scope and tenant."""

from __future__ import annotations

from typing import Any

from tests.documents.support import DOCUMENTS, LINK
from tests.projects.documents import create_project, create_task
from tests.sales.commerce.documents import contract_from_quote, sent_quote
from tests.sales.pipeline.documents import create_opportunity


async def link(
    docs, member, document: dict[str, Any], target: dict[str, Any], role: str = "ATTACHMENT"
) -> dict:
    variables = {"input": {"documentId": document["id"], "targetId": target["id"], "role": role}}
    return (await docs.client.execute(LINK, variables, member.token))["linkDocument"]


async def test_documents_link_to_opportunities_quotes_contracts_projects_and_tasks(local_docs) -> None:
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Linked")
    rep = await client.add_member(admin, "sales")
    other = await client.sign_up("Other")
    project = await create_project(client, admin)
    targets = {
        "Opportunity": await create_opportunity(client, admin),
        "Quote": await sent_quote(client, admin, sku="SKU-2"),
        "Contract": await contract_from_quote(client, admin),
        "Project": project,
        "Task": await create_task(client, admin, project["id"]),
    }
    proposal = await docs.upload_document(admin, name="proposal.pdf")
    for type_name, target in targets.items():
        payload = await link(docs, admin, proposal, target)
        assert payload["errors"] == [], (type_name, payload)
    assert {link["targetType"] for link in payload["document"]["links"]} == {t.lower() for t in targets}

    contract = targets["Contract"]
    signed = await docs.upload_document(admin, name="signed.pdf")
    assert (await link(docs, admin, signed, contract, "SIGNED_COPY"))["errors"] == []
    second = await docs.upload_document(admin, name="signed-again.pdf")
    refused = await link(docs, admin, second, contract, "SIGNED_COPY")
    assert refused["errors"] and refused["errors"][0]["field"] in {"role", "targetId"}
    listed = await client.execute(DOCUMENTS, {"filter": {"linkedTo": contract["id"]}}, admin.token)
    assert listed["documents"]["totalCount"] == 2

    # A rep with scope "own" cannot link to the admin's records; another tenant cannot link to them at all.
    mine = await docs.upload_document(rep, name="mine.pdf")
    theirs = await docs.upload_document(other, name="theirs.pdf")
    for type_name, target in targets.items():
        if type_name in {"Project", "Task"}:
            continue  # the rep is not a member of the project, so these are NOT_FOUND too (checked below)
        denied = await link(docs, rep, mine, target)
        assert [(e["field"], e["code"]) for e in denied["errors"]] == [("targetId", "NOT_FOUND")], type_name
    for target in targets.values():
        foreign = await link(docs, other, theirs, target)
        assert [(e["field"], e["code"]) for e in foreign["errors"]] == [("targetId", "NOT_FOUND")]
    outsider = await link(docs, rep, mine, targets["Task"])
    assert outsider["errors"][0]["code"] == "NOT_FOUND"
