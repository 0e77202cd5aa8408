"""Duplicate detection on create and on request, and merging."""

# ruff: noqa: RUF001 - full-width characters are what these tests are about

from __future__ import annotations

from tests.crm.documents import create_account, create_contact
from tests.sales.leads.documents import (
    CREATE_LEAD,
    LEAD,
    LEAD_DUPLICATES,
    LEADS,
    MERGE_LEADS,
    create_lead,
    error_pairs,
)


async def test_create_lead_reports_duplicates_among_leads_contacts_and_accounts(client):
    admin = await client.sign_up()
    first = await create_lead(client, admin, email="ada@example.com", lastName="One")
    by_phone = await create_lead(client, admin, phone="+1 555 010 2000", lastName="Two")
    by_company = await create_lead(client, admin, companyName="Initech, Inc.", lastName="Three")
    contact = await create_contact(client, admin, emails=["ADA@example.com"], phones=["(555) 999"])
    account = await create_account(client, admin, name="INITECH GmbH")
    await create_lead(client, admin, email="other@example.com", companyName="Initech Labs", lastName="No")

    variables = {
        "input": {
            "source": "web",
            "lastName": "New",
            "email": "Ada@Example.com",
            "phone": "1-555-010-2000",
            "companyName": "initech llc",
        }
    }
    payload = (await client.execute(CREATE_LEAD, variables, admin.token))["createLead"]

    assert payload["errors"] == [] and payload["lead"]["id"]
    found = {(d["lead"] or d["contact"] or d["account"])["id"]: d["matchedOn"] for d in payload["duplicates"]}
    assert found == {
        first["id"]: ["EMAIL"],
        by_phone["id"]: ["PHONE"],
        by_company["id"]: ["COMPANY"],
        contact["id"]: ["EMAIL"],
        account["id"]: ["COMPANY"],
    }
    again = (await client.execute(LEAD_DUPLICATES, {"id": first["id"]}, admin.token))["leadDuplicates"][
        "nodes"
    ]
    assert {(d["lead"] or d["contact"] or {}).get("id") for d in again} == {
        payload["lead"]["id"],
        contact["id"],
    }


async def test_reject_duplicates_creates_nothing(client):
    admin = await client.sign_up()
    await create_lead(client, admin, email="ada@example.com")
    variables = {
        "input": {"source": "web", "lastName": "X", "email": "ada@example.com", "rejectDuplicates": True}
    }

    payload = (await client.execute(CREATE_LEAD, variables, admin.token))["createLead"]

    assert payload["lead"] is None
    assert error_pairs(payload) == [("rejectDuplicates", "DUPLICATE")]
    assert len(payload["duplicates"]) == 1
    assert (await client.execute(LEADS, {}, admin.token))["leads"]["totalCount"] == 1
    unique = {"input": {**variables["input"], "email": "new@example.com"}}
    assert (await client.execute(CREATE_LEAD, unique, admin.token))["createLead"]["errors"] == []


async def test_duplicates_outside_the_scope_are_not_reported(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    await create_lead(client, admin, email="ada@example.com", ownerId=admin.user_id)
    await create_lead(client, other, email="ada@example.com", ownerId=other.user_id)

    payload = (
        await client.execute(
            CREATE_LEAD, {"input": {"source": "web", "lastName": "X", "email": "ada@example.com"}}, rep.token
        )
    )["createLead"]

    assert (payload["errors"], payload["duplicates"]) == ([], [])


async def test_merge_fills_the_survivor_and_retires_duplicates(client):
    admin = await client.sign_up()
    survivor = await create_lead(client, admin, email="ada@example.com", ownerId=admin.user_id, notes="first")
    phone = await create_lead(
        client, admin, email="ada@example.com", phone="555 1", title="CTO", notes="second"
    )
    company = await create_lead(client, admin, companyName="Acme", title="CEO")

    variables = {"survivorId": survivor["id"], "duplicateIds": [phone["id"], company["id"]], "version": 1}
    payload = (await client.execute(MERGE_LEADS, variables, admin.token))["mergeLeads"]

    assert payload["errors"] == []
    merged = payload["lead"]
    assert (merged["phone"], merged["title"], merged["companyName"]) == ("555 1", "CTO", "Acme")
    assert merged["notes"].startswith("first\n\n") and merged["notes"].endswith("second")
    assert merged["version"] == 2
    for duplicate in (phone, company):
        retired = (await client.execute(LEAD, {"id": duplicate["id"]}, admin.token))["lead"]
        assert (retired["status"], retired["disqualifiedReason"], retired["mergedInto"]) == (
            "DISQUALIFIED",
            "duplicate",
            {"id": survivor["id"]},
        )
    after = (await client.execute(LEAD_DUPLICATES, {"id": survivor["id"]}, admin.token))["leadDuplicates"][
        "nodes"
    ]
    assert after == []


async def test_merge_is_all_or_nothing_and_checks_input(client):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    survivor = await create_lead(client, admin, ownerId=admin.user_id)
    good = await create_lead(client, admin, lastName="Good", title="CFO")
    foreign = await create_lead(client, other, ownerId=other.user_id)

    def merge(member, ids, version=1, survivor_id=survivor["id"]):
        variables = {"survivorId": survivor_id, "duplicateIds": ids, "version": version}
        return client.execute(MERGE_LEADS, variables, member.token)

    cases = [
        ([], 1, [("duplicateIds", "REQUIRED")]),
        ([survivor["id"]], 1, [("duplicateIds", "INVALID")]),
        ([good["id"], foreign["id"]], 1, [("duplicateIds", "NOT_FOUND")]),
        ([good["id"]], 9, [("version", "CONFLICT")]),
    ]
    for ids, version, expected in cases:
        assert error_pairs((await merge(admin, ids, version))["mergeLeads"]) == expected, ids
    denied = (await merge(rep, [good["id"]]))["mergeLeads"]
    assert error_pairs(denied) == [("survivorId", "NOT_FOUND")]
    untouched = (await client.execute(LEAD, {"id": good["id"]}, admin.token))["lead"]
    assert (untouched["status"], untouched["mergedInto"], untouched["version"]) == ("NEW", None, 1)
    assert (await client.execute(LEAD, {"id": survivor["id"]}, admin.token))["lead"]["title"] is None

    assert (await merge(admin, [good["id"]]))["mergeLeads"]["errors"] == []
    twice = (await merge(admin, [good["id"]], 2))["mergeLeads"]
    assert error_pairs(twice) == [("duplicateIds", "INVALID_TRANSITION")]


async def test_chinese_legal_forms_full_width_and_e164_phones_are_duplicates(client):
    admin = await client.sign_up()
    plain = await create_lead(client, admin, companyName="华磊科技", lastName="一")
    account = await create_account(client, admin, name="华磊科技有限公司")
    by_phone = await create_lead(client, admin, phone="13800138000", lastName="二")
    contact = await create_contact(client, admin, phones=["010-6552 9988"], emails=["Wei.Zhang@Example.CN"])
    full_width = await create_lead(client, admin, companyName="Ｆｕｌｌ Ｓｔａｃｋ Ltd", lastName="三")
    await create_lead(client, admin, companyName="华磊电子", phone="13800138001", lastName="不")

    async def found(values):
        # Rejected as a duplicate, so each question leaves the data as it was.
        variables = {"input": {"source": "web", "lastName": "新", "rejectDuplicates": True, **values}}
        payload = (await client.execute(CREATE_LEAD, variables, admin.token))["createLead"]
        assert error_pairs(payload) == [("rejectDuplicates", "DUPLICATE")], payload
        return {
            (d["lead"] or d["contact"] or d["account"])["id"]: d["matchedOn"] for d in payload["duplicates"]
        }

    assert await found({"companyName": "华磊科技（北京）有限公司", "phone": "+86 138 0013 8000"}) == {
        plain["id"]: ["COMPANY"],
        account["id"]: ["COMPANY"],
        by_phone["id"]: ["PHONE"],
    }
    assert await found({"companyName": "华磊科技股份有限公司", "email": "wei.zhang@example.cn"}) == {
        plain["id"]: ["COMPANY"],
        account["id"]: ["COMPANY"],
        contact["id"]: ["EMAIL"],
    }
    assert await found({"companyName": "华磊科技集团", "phone": "+86 10 6552 9988"}) == {
        plain["id"]: ["COMPANY"],
        account["id"]: ["COMPANY"],
        contact["id"]: ["PHONE"],
    }
    assert await found({"companyName": "Full Stack"}) == {full_width["id"]: ["COMPANY"]}


async def test_stored_keys_agree_with_the_sql_functions(client, db):
    """The migration recomputes stored keys; every stored key equals what the functions say now."""
    admin = await client.sign_up()
    await create_lead(client, admin, companyName="华磊科技（北京）有限责任公司", phone="+86 138 0013 8000")
    await create_account(client, admin, name="Ａｃｍｅ （上海） Inc.")
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        lead = await connection.fetchrow("select company_key, phone_digits from leads")
        account_key = await connection.fetchval("select company_key from accounts")
        stale = await connection.fetchval(
            "select count(*) from leads where company_key is distinct from crm_company_key(company_name)"
            " or phone_digits is distinct from crm_phone_digits(phone)"
        )
    assert (lead["company_key"], lead["phone_digits"], account_key) == ("华磊科技", "3800138000", "acme")
    assert stale == 0
