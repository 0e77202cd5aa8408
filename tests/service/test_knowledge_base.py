"""Knowledge base: versions, draft/published/archived, internal/public, text search (Chinese included),
suggested articles for a ticket, helpfulness votes, links to tickets; refusals; the tenant wall."""

from __future__ import annotations

import asyncpg
import pytest

from tests.service.documents import open_ticket
from tests.support import error_pairs, ok

FIELDS = """id title body category audience status currentVersion publishedVersion helpfulCount
  unhelpfulCount version versions { number title }"""
CREATE = f"""
mutation($input: CreateKbArticleInput!) {{
  createKbArticle(input: $input) {{ article {{ {FIELDS} }} errors {{ field code message }} }} }}"""
UPDATE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateKbArticleInput!) {{
  updateKbArticle(id: $id, version: $version, input: $input) {{ article {{ {FIELDS} }} errors {{ field code message }} }} }}"""
PUBLISH = f"""
mutation($id: ID!, $version: Int!) {{
  publishKbArticle(id: $id, version: $version) {{ article {{ {FIELDS} }} errors {{ field code message }} }} }}"""
ARCHIVE = f"""
mutation($id: ID!, $version: Int!) {{
  archiveKbArticle(id: $id, version: $version) {{ article {{ {FIELDS} }} errors {{ field code message }} }} }}"""
VOTE = """
mutation($id: ID!, $helpful: Boolean!) {
  voteKbArticle(id: $id, helpful: $helpful) { article { helpfulCount unhelpfulCount } errors { field code } } }"""
LINK = """
mutation($ticketId: ID!, $articleId: ID!) {
  linkArticleToTicket(ticketId: $ticketId, articleId: $articleId) {
    ticket { id linkedArticles { id title } } errors { field code } } }"""
SEARCH = """
query($filter: KbArticleFilter) { kbArticles(filter: $filter) { nodes { id title status } } }"""
SUGGEST = "query($id: ID!) { ticket(id: $id) { suggestedArticles { title } } }"


async def article(client, member, title, body, **values):  # type: ignore[no-untyped-def]
    created = (
        await ok(
            client, member, CREATE, {"input": {"title": title, "body": body, **values}}, "createKbArticle"
        )
    )["article"]
    published = await ok(
        client, member, PUBLISH, {"id": created["id"], "version": created["version"]}, "publishKbArticle"
    )
    return published["article"]


async def titles(client, member, **filter):  # type: ignore[no-untyped-def]
    data = await client.execute(SEARCH, {"filter": filter}, member.token)
    return sorted(node["title"] for node in data["kbArticles"]["nodes"])


async def test_articles_are_versioned_and_readers_see_only_what_is_published(client):
    admin = await client.sign_up("Desk")
    viewer = await client.add_member(admin, "viewer", "viewer")
    draft = (
        await ok(
            client,
            admin,
            CREATE,
            {"input": {"title": "Reset a printer", "body": "Hold the button."}},
            "createKbArticle",
        )
    )["article"]
    assert draft["status"] == "DRAFT" and draft["currentVersion"] == 1
    assert await titles(client, viewer) == []
    published = (
        await ok(client, admin, PUBLISH, {"id": draft["id"], "version": draft["version"]}, "publishKbArticle")
    )["article"]
    edited = (
        await ok(
            client,
            admin,
            UPDATE,
            {"id": draft["id"], "version": published["version"], "input": {"body": "Hold it 10 s."}},
            "updateKbArticle",
        )
    )["article"]

    assert edited["currentVersion"] == 2 and edited["publishedVersion"] == 1
    assert [v["number"] for v in edited["versions"]] == [1, 2]
    seen = (
        await client.execute(
            f"query($id: ID!) {{ kbArticle(id: $id) {{ {FIELDS} }} }}", {"id": draft["id"]}, viewer.token
        )
    )["kbArticle"]
    assert seen["body"] == "Hold the button." and seen["versions"] == []
    archived = (
        await ok(
            client, admin, ARCHIVE, {"id": draft["id"], "version": edited["version"]}, "archiveKbArticle"
        )
    )["article"]
    assert archived["status"] == "ARCHIVED" and await titles(client, viewer) == []
    again = await client.mutate(
        ARCHIVE, {"id": draft["id"], "version": archived["version"]}, admin.token, "archiveKbArticle"
    )
    assert error_pairs(again) == [("id", "INVALID_TRANSITION")]
    bad = await client.mutate(
        CREATE, {"input": {"title": "", "body": "x", "category": "gossip"}}, admin.token, "createKbArticle"
    )
    assert error_pairs(bad) == [("title", "REQUIRED"), ("category", "INVALID")]
    denied = await client.refused(
        CREATE, {"input": {"title": "t", "body": "b"}}, viewer.token, "createKbArticle"
    )
    assert denied == [(None, "PERMISSION_DENIED")]


async def test_search_finds_chinese_and_english_text(client):
    admin = await client.sign_up("Desk")
    await article(
        client, admin, "打印机卡纸怎么办", "先关闭电源。然后取出卡住的纸张。", category="troubleshooting"
    )
    await article(
        client,
        admin,
        "Refund policy",
        "Refunds are paid within 14 days.",
        category="policy",
        audience="PUBLIC",
    )
    await article(client, admin, "发票抬头修改", "在账户设置中修改发票信息。")

    assert await titles(client, admin, search="卡纸") == ["打印机卡纸怎么办"]
    assert (
        await titles(client, admin, search="取出纸张") == []
    )  # not consecutive in the text: all pairs needed
    assert await titles(client, admin, search="电源") == ["打印机卡纸怎么办"]
    assert await titles(client, admin, search="发票") == ["发票抬头修改"]
    assert await titles(client, admin, search="纸") == ["打印机卡纸怎么办"]
    assert await titles(client, admin, search="REFUNDS paid") == ["Refund policy"]
    assert await titles(client, admin, search="refund days") == ["Refund policy"]  # title and text
    assert await titles(client, admin, search="refunding") == []  # whole words (no stemming)
    assert await titles(client, admin, search="  !!  ") == []
    assert await titles(client, admin, audience="PUBLIC") == ["Refund policy"]


async def test_a_ticket_gets_suggested_articles_links_the_one_that_helped_and_votes(client):
    admin = await client.sign_up("Desk")
    agent = await client.add_member(admin, "sales", "agent")
    jam = await article(client, admin, "打印机卡纸怎么办", "先关闭电源。然后取出卡住的纸张。")
    await article(client, admin, "Refund policy", "Refunds are paid within 14 days.")
    ticket = await open_ticket(client, agent, subject="客户的打印机又卡纸了", description="型号 LX-200")

    suggested = (await client.execute(SUGGEST, {"id": ticket["id"]}, agent.token))["ticket"][
        "suggestedArticles"
    ]
    assert [a["title"] for a in suggested] == ["打印机卡纸怎么办"]
    linked = await ok(
        client, agent, LINK, {"ticketId": ticket["id"], "articleId": jam["id"]}, "linkArticleToTicket"
    )
    await ok(client, agent, LINK, {"ticketId": ticket["id"], "articleId": jam["id"]}, "linkArticleToTicket")
    assert linked["ticket"]["linkedArticles"] == [{"id": jam["id"], "title": "打印机卡纸怎么办"}]

    await ok(client, agent, VOTE, {"id": jam["id"], "helpful": False}, "voteKbArticle")
    changed = await ok(client, agent, VOTE, {"id": jam["id"], "helpful": True}, "voteKbArticle")
    both = await ok(client, admin, VOTE, {"id": jam["id"], "helpful": True}, "voteKbArticle")
    assert changed["article"] == {"helpfulCount": 1, "unhelpfulCount": 0}
    assert both["article"] == {"helpfulCount": 2, "unhelpfulCount": 0}


async def test_another_tenant_finds_no_article(client, db):
    mine = await client.sign_up("Mine")
    theirs = await client.sign_up("Theirs")
    secret = await article(client, mine, "内部流程", "只给员工看。")

    assert await titles(client, theirs, search="内部") == []
    assert (
        await client.execute(
            "query($id: ID!) { kbArticle(id: $id) { id } }", {"id": secret["id"]}, theirs.token
        )
    )["kbArticle"] is None
    voted = await client.mutate(VOTE, {"id": secret["id"], "helpful": True}, theirs.token, "voteKbArticle")
    assert error_pairs(voted) == [("id", "NOT_FOUND")]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        for table in ("kb_articles", "kb_article_versions", "kb_votes", "ticket_articles"):
            assert await connection.fetchval(f"select count(*) from {table}") == 0
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", mine.tenant_id)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):  # versions are append-only
            await connection.execute("update kb_article_versions set body = 'x'")
