"""Attachments of service tickets: documents link to tickets the caller may see, in their tenant only."""

from __future__ import annotations

from tests.documents.support import DOCUMENTS, LINK
from tests.service.documents import open_ticket


async def test_documents_attach_to_visible_tickets_only(local_docs) -> None:
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    colleague = await client.add_member(admin, "sales", "colleague")
    other = await client.sign_up("Other")
    ticket = await open_ticket(client, admin, assigneeId=colleague.user_id)
    photo = await docs.upload_document(admin, name="broken-hinge.pdf")

    linked = await client.execute(
        LINK, {"input": {"documentId": photo["id"], "targetId": ticket["id"]}}, admin.token
    )
    assert linked["linkDocument"]["errors"] == []
    assert linked["linkDocument"]["document"]["links"][0]["targetType"] == "ticket"
    listed = await client.execute(DOCUMENTS, {"filter": {"linkedTo": ticket["id"]}}, admin.token)
    assert listed["documents"]["totalCount"] == 1

    for member in (agent, other):  # outside the agent's scope (assigned to a colleague); another tenant
        own = await docs.upload_document(member, name="mine.pdf")
        denied = await client.execute(
            LINK, {"input": {"documentId": own["id"], "targetId": ticket["id"]}}, member.token
        )
        assert [(e["field"], e["code"]) for e in denied["linkDocument"]["errors"]] == [
            ("targetId", "NOT_FOUND")
        ]
