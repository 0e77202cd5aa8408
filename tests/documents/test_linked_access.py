"""Whoever may see a record sees the documents linked to it, by that record's own scope: a project member
sees the project's and its tasks' documents, an account's owner those on the account. Reading only:
changing a document stays with its owner's scope."""

from __future__ import annotations

from tests.crm.documents import create_account
from tests.documents.support import DOCUMENT, DOCUMENTS, DOWNLOAD_URL, LINK, UPDATE
from tests.projects.documents import add_member, create_project, create_task


async def linked(docs, member, document, target):
    variables = {"input": {"documentId": document["id"], "targetId": target["id"], "role": "ATTACHMENT"}}
    payload = (await docs.client.execute(LINK, variables, member.token))["linkDocument"]
    assert payload["errors"] == [], payload


async def names_linked_to(client, member, target):
    data = await client.execute(DOCUMENTS, {"filter": {"linkedTo": target["id"]}}, member.token)
    return data["documents"]["totalCount"], sorted(e["node"]["name"] for e in data["documents"]["edges"])


async def test_project_members_see_the_documents_linked_to_the_project_and_its_tasks(local_docs):
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Projects")
    member = await client.add_member(admin, "sales", "member")
    outsider = await client.add_member(admin, "sales", "outsider")
    other = await client.sign_up("Other")
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], member)
    task = await create_task(client, admin, project["id"])
    plan = await docs.upload_document(admin, name="plan.pdf")
    spec = await docs.upload_document(admin, name="spec.pdf")
    await linked(docs, admin, plan, project)
    await linked(docs, admin, spec, task)

    by_member = await names_linked_to(client, member, project)
    of_task = await names_linked_to(client, member, task)
    everything = (await client.execute(DOCUMENTS, {}, member.token))["documents"]["totalCount"]
    direct = (await client.execute(DOCUMENT, {"id": plan["id"]}, member.token))["document"]
    url = (await client.execute(DOWNLOAD_URL, {"id": plan["id"]}, member.token))["downloadUrl"]
    rename = await client.execute(
        UPDATE, {"id": plan["id"], "version": plan["version"], "input": {"name": "mine.pdf"}}, member.token
    )
    by_outsider = await names_linked_to(client, outsider, project)
    outsider_direct = (await client.execute(DOCUMENT, {"id": plan["id"]}, outsider.token))["document"]
    by_other_tenant = (await client.execute(DOCUMENTS, {}, other.token))["documents"]["totalCount"]

    assert by_member == (1, ["plan.pdf"])
    assert of_task == (1, ["spec.pdf"])
    assert everything == 2
    assert direct["name"] == "plan.pdf"
    assert url is not None and url["filename"] == "plan.pdf"
    assert await docs.download(member, plan["id"]) == await docs.download(admin, plan["id"])
    assert [(e["field"], e["code"]) for e in rename["updateDocument"]["errors"]] == [("id", "NOT_FOUND")]
    assert by_outsider == (0, [])
    assert outsider_direct is None
    assert by_other_tenant == 0


async def test_an_accounts_owner_sees_its_documents_until_the_account_is_no_longer_theirs(local_docs):
    docs, client = local_docs, local_docs.client
    admin = await client.sign_up("Accounts")
    rep = await client.add_member(admin, "sales", "rep")
    account = await create_account(client, admin, name="Owned", ownerId=rep.user_id)
    brochure = await docs.upload_document(admin, name="brochure.pdf")
    await linked(docs, admin, brochure, account)

    seen = await names_linked_to(client, rep, account)
    moved = await client.execute(
        "mutation($id: ID!, $input: UpdateAccountInput!) { updateAccount(id: $id, version: 1, input: $input)"
        " { errors { code } } }",
        {"id": account["id"], "input": {"ownerId": admin.user_id}},
        admin.token,
    )
    after = (await client.execute(DOCUMENT, {"id": brochure["id"]}, rep.token))["document"]

    assert seen == (1, ["brochure.pdf"])
    assert moved["updateAccount"]["errors"] == []
    assert after is None
