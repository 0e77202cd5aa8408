"""The public knowledge base: published public articles only, read and searched without a login by the
tenant's key, small pages, one helpfulness vote per visitor token; drafts, internal articles and other
tenants' articles unreachable; the key rotated and closed; the votes table behind the tenant wall."""

from __future__ import annotations

import uuid

import asyncpg

from tests.service.test_knowledge_base import CREATE, VOTE, article
from tests.support import error_pairs, ok

ENABLE = "mutation { enablePublicKnowledgeBase { key errors { field code message } } }"
DISABLE = "mutation { disablePublicKnowledgeBase { key errors { field code message } } }"
LIST = """
query($key: String!, $search: String, $category: String, $first: Int, $after: ID) {
  publicKbArticles(key: $key, search: $search, category: $category, first: $first, after: $after) {
    hasNextPage articles { articleId title body category helpfulCount unhelpfulCount } } }"""
READ = "query($key: String!, $id: ID!) { publicKbArticle(key: $key, id: $id) { articleId title body } }"
PUBLIC_VOTE = """
mutation($input: VotePublicKbArticleInput!) { votePublicKbArticle(input: $input) {
  article { helpfulCount unhelpfulCount } errors { field code message } } }"""
VISITOR = "visitor-0123456789abcdef"


async def enable(client, admin) -> str:  # type: ignore[no-untyped-def]
    return (await ok(client, admin, ENABLE, {}, "enablePublicKnowledgeBase"))["key"]


async def listed(client, key, **arguments):  # type: ignore[no-untyped-def]
    return (await client.execute(LIST, {"key": key, **arguments}))["publicKbArticles"]


def codes(errors):  # type: ignore[no-untyped-def]
    return [(error["extensions"].get("field"), error["extensions"]["code"]) for error in errors]


async def test_customers_read_search_and_vote_on_public_articles_only(client):
    admin = await client.sign_up("Help Co")
    key = await enable(client, admin)
    assert key.startswith("crmk_")
    reset = await article(client, admin, "Reset the printer", "Hold the power button.", audience="PUBLIC")
    await article(
        client, admin, "打印机卡纸怎么办", "打开后盖 取出纸张。", audience="PUBLIC", category="faq"
    )
    await article(client, admin, "Escalation playbook", "Call the manager.", audience="INTERNAL")
    draft = (await ok(client, admin, CREATE, {"input": {"title": "Draft", "body": "x", "audience": "PUBLIC"}},
                      "createKbArticle"))["article"]  # fmt: skip

    page = await listed(client, key, first=1)
    assert page["hasNextPage"] is True and [a["title"] for a in page["articles"]] == ["打印机卡纸怎么办"]
    rest = await listed(client, key, first=1, after=page["articles"][0]["articleId"])
    assert rest["hasNextPage"] is False and [a["title"] for a in rest["articles"]] == ["Reset the printer"]
    assert [a["title"] for a in (await listed(client, key, search="卡纸"))["articles"]] == [
        "打印机卡纸怎么办"
    ]
    assert [a["title"] for a in (await listed(client, key, category="faq"))["articles"]] == [
        "打印机卡纸怎么办"
    ]
    assert (await listed(client, key, search="manager"))["articles"] == []  # internal: never found
    shown = (await client.execute(READ, {"key": key, "id": reset["id"]}))["publicKbArticle"]
    assert shown == {"articleId": reset["id"], "title": "Reset the printer", "body": "Hold the power button."}
    for hidden in (draft["id"],):
        errors = await client.errors(READ, {"key": key, "id": hidden})
        assert codes(errors) == [("articleId", "NOT_FOUND")]

    vote = {"key": key, "articleId": reset["id"], "visitorToken": VISITOR, "helpful": True}
    first = await client.mutate(PUBLIC_VOTE, {"input": vote}, None, "votePublicKbArticle")
    assert first == {"article": {"helpfulCount": 1, "unhelpfulCount": 0}, "errors": []}
    again = await client.mutate(
        PUBLIC_VOTE, {"input": {**vote, "helpful": False}}, None, "votePublicKbArticle"
    )
    assert again["article"] == {"helpfulCount": 0, "unhelpfulCount": 1}  # one vote per visitor: replaced
    other = {**vote, "visitorToken": "another-visitor-token-42"}
    assert (await client.mutate(PUBLIC_VOTE, {"input": other}, None, "votePublicKbArticle"))["article"] == {
        "helpfulCount": 1,
        "unhelpfulCount": 1,
    }
    member_vote = await ok(client, admin, VOTE, {"id": reset["id"], "helpful": True}, "voteKbArticle")
    assert member_vote["article"] == {"helpfulCount": 2, "unhelpfulCount": 1}  # members and public add up


async def test_bad_keys_pages_and_votes_get_exact_errors(client):
    admin = await client.sign_up("Strict Help")
    key = await enable(client, admin)
    internal = await article(client, admin, "Internal", "x", audience="INTERNAL")
    assert codes(await client.errors(LIST, {"key": "nonsense"})) == [("key", "NOT_FOUND")]
    forged = key[:-4] + "AAAA"
    assert codes(await client.errors(LIST, {"key": forged})) == [("key", "NOT_FOUND")]
    assert codes(await client.errors(LIST, {"key": key, "first": 21})) == [("first", "INVALID")]
    assert codes(await client.errors(LIST, {"key": key, "search": "x" * 201})) == [("search", "TOO_LONG")]
    vote = {"key": key, "articleId": internal["id"], "visitorToken": "short", "helpful": True}
    payload = await client.mutate(PUBLIC_VOTE, {"input": vote}, None, "votePublicKbArticle")
    assert error_pairs(payload) == [("visitorToken", "INVALID")]
    payload = await client.mutate(
        PUBLIC_VOTE, {"input": {**vote, "visitorToken": VISITOR}}, None, "votePublicKbArticle"
    )
    assert error_pairs(payload) == [("articleId", "NOT_FOUND")]

    rotated = await enable(client, admin)
    assert codes(await client.errors(LIST, {"key": key})) == [("key", "NOT_FOUND")]  # the old key is dead
    assert (await listed(client, rotated))["articles"] == []
    await ok(client, admin, DISABLE, {}, "disablePublicKnowledgeBase")
    assert codes(await client.errors(LIST, {"key": rotated})) == [("key", "NOT_FOUND")]
    sales = await client.add_member(admin, "sales")
    assert await client.refused(ENABLE, {}, sales.token, "enablePublicKnowledgeBase") == [
        (None, "PERMISSION_DENIED")
    ]


async def test_one_tenants_key_reaches_no_other_tenants_articles_or_votes(client, db):
    mine = await client.sign_up("Mine Help")
    theirs = await client.sign_up("Theirs Help")
    my_key = await enable(client, mine)
    their_key = await enable(client, theirs)
    mine_article = await article(client, mine, "Mine only", "secret steps", audience="PUBLIC")
    await article(client, theirs, "Theirs", "their steps", audience="PUBLIC")
    assert [a["title"] for a in (await listed(client, their_key))["articles"]] == ["Theirs"]
    assert codes(await client.errors(READ, {"key": their_key, "id": mine_article["id"]})) == [
        ("articleId", "NOT_FOUND")
    ]
    # Their tenant id with my secret, my tenant id with theirs: neither opens anything.
    spliced = their_key[:37] + my_key[37:]
    assert codes(await client.errors(LIST, {"key": spliced})) == [("key", "NOT_FOUND")]
    vote = {"key": their_key, "articleId": mine_article["id"], "visitorToken": VISITOR, "helpful": True}
    payload = await client.mutate(PUBLIC_VOTE, {"input": vote}, None, "votePublicKbArticle")
    assert error_pairs(payload) == [("articleId", "NOT_FOUND")]
    await client.mutate(PUBLIC_VOTE, {"input": {**vote, "key": my_key}}, None, "votePublicKbArticle")

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
        assert await connection.fetchval("select count(*) from kb_public_votes") == 0
        assert await connection.execute("update kb_public_votes set helpful = false") == "UPDATE 0"
    try:
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", theirs.tenant_id)
            await connection.execute(
                "insert into kb_public_votes values ($1, $2, $3, true, now())",
                uuid.UUID(mine.tenant_id),
                uuid.UUID(bytes=bytes(16)),
                b"x",
            )
        raise AssertionError("a vote into another tenant was accepted")
    except asyncpg.InsufficientPrivilegeError:
        pass
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", mine.tenant_id)
        assert await connection.fetchval("select count(*) from kb_public_votes") == 1
