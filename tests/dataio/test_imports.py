"""Imports: dry run, the real run through the services, duplicates, undo, encodings, formats, resume."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from graph.dataio import runner
from tests.dataio.support import (
    ACCOUNTS,
    CONTACTS,
    IMPORTS,
    MAPPINGS,
    NODE,
    SAVE_MAPPING,
    START,
    UNDO,
    XLSX,
    columns,
    csv_bytes,
    import_state,
    run_imports,
    start,
    upload,
    xlsx_bytes,
)

CREATE_FIELD = """
mutation F($input: CreateFieldDefinitionInput!) { createFieldDefinition(input: $input) { errors { field code } } }"""
ACCOUNT_COLUMNS = columns(Company="name", Industry="industry", City="city", Tags="tags", Score="custom.score")


async def score_field(client, admin) -> None:
    payload = (
        await client.execute(
            CREATE_FIELD,
            {
                "input": {
                    "objectType": "account",
                    "key": "score",
                    "label": "Score",
                    "type": "INTEGER",
                    "validation": {"min": 0, "max": 100},
                }
            },
            admin.token,
        )
    )["createFieldDefinition"]
    assert payload["errors"] == []


async def audit_count(db, tenant_id: str, action: str) -> int:
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        return await connection.fetchval("select count(*) from audit_log where action = $1", action)


async def test_a_dry_run_reports_every_row_and_writes_nothing_then_the_import_and_its_undo(client, app, db):
    admin = await client.sign_up()
    await score_field(client, admin)
    data = csv_bytes(
        "Company,Industry,City,Tags,Score",
        "Acme Ltd,Tools,Berlin,a;b,10",
        ",Tools,Paris,,5",  # no name
        "Globex,Energy,Rome,,lots",  # not a number
        "Initech,Software,Austin,,500",  # out of range (the custom field's rule)
        ",,,,",  # blank: ignored
        "Umbrella,Pharma,Raccoon City,,42",
    )
    document_id = await upload(client, admin, data)
    dry = await start(client, admin, documentId=document_id, objectType="account", columns=ACCOUNT_COLUMNS)
    assert dry["errors"] == [] and dry["dataImport"]["status"] == "QUEUED"
    assert await run_imports(app) == []
    state = await import_state(client, admin, dry["dataImport"]["id"])
    assert (state["status"], state["created"], state["failedRows"], state["totalRows"]) == ("DONE", 2, 3, 6)
    assert [(e["row"], e["field"], e["code"]) for e in state["rowErrors"]] == [
        (2, "name", "REQUIRED"),
        (3, "custom.score", "INVALID"),
        (4, "custom.score", "INVALID"),
    ]
    assert (await client.execute(ACCOUNTS, None, admin.token))["accounts"]["nodes"] == []
    assert await audit_count(db, admin.tenant_id, "account.create") == 0

    real = await start(
        client, admin, documentId=document_id, objectType="account", columns=ACCOUNT_COLUMNS, dryRun=False
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, real["dataImport"]["id"])
    assert (state["status"], state["created"], state["failedRows"]) == ("DONE", 2, 3)
    accounts = (await client.execute(ACCOUNTS, None, admin.token))["accounts"]["nodes"]
    assert [(a["name"], a["address"]["city"], a["tags"], a["customFields"]) for a in accounts] == [
        ("Acme Ltd", "Berlin", ["a", "b"], {"score": 10}),
        ("Umbrella", "Raccoon City", [], {"score": 42}),
    ]
    assert await audit_count(db, admin.tenant_id, "account.create") == 2

    undone = (await client.execute(UNDO, {"id": state["id"]}, admin.token))["undoImport"]
    assert undone["errors"] == [] and undone["dataImport"]["status"] == "UNDO_QUEUED"
    assert await run_imports(app) == []
    state = await import_state(client, admin, state["id"])
    assert (state["status"], state["undone"]) == ("UNDONE", 2)
    assert (await client.execute(ACCOUNTS, None, admin.token))["accounts"]["nodes"] == []
    assert await audit_count(db, admin.tenant_id, "account.delete") == 2
    again = (await client.execute(UNDO, {"id": state["id"]}, admin.token))["undoImport"]
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "INVALID_TRANSITION")]


async def test_duplicates_are_skipped_or_updated_by_the_duplicate_rules_and_undo_restores_updates(
    client, app
):
    admin = await client.sign_up()
    first = csv_bytes("First,Last,Email,Notes", "Ada,Lovelace,ada@example.com,first")
    await start(
        client,
        admin,
        documentId=await upload(client, admin, first),
        objectType="contact",
        dryRun=False,
        columns=columns(First="firstName", Last="lastName", Email="emails", Notes="notes"),
    )
    assert await run_imports(app) == []
    second = csv_bytes(
        "First,Last,Email,Notes",
        "Ada,Lovelace,ADA@example.com,second",  # the same email, other case: a duplicate
        "Grace,Hopper,grace@example.com,new",
        "Grace,Hopper,grace@example.com,again",  # duplicates the row before it
    )
    document_id = await upload(client, admin, second)
    mapping = columns(First="firstName", Last="lastName", Email="emails", Notes="notes")
    skipped = await start(
        client, admin, documentId=document_id, objectType="contact", columns=mapping, dryRun=False
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, skipped["dataImport"]["id"])
    assert (state["created"], state["skipped"], state["updated"]) == (1, 2, 0)

    updated = await start(
        client,
        admin,
        documentId=document_id,
        objectType="contact",
        columns=mapping,
        dryRun=False,
        duplicates="UPDATE",
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, updated["dataImport"]["id"])
    assert (state["created"], state["updated"]) == (0, 3)
    notes = {
        c["firstName"]: c["notes"]
        for c in (await client.execute(CONTACTS, None, admin.token))["contacts"]["nodes"]
    }
    assert notes == {"Ada": "second", "Grace": "again"}

    await client.execute(UNDO, {"id": state["id"]}, admin.token)
    assert await run_imports(app) == []
    notes = {
        c["firstName"]: c["notes"]
        for c in (await client.execute(CONTACTS, None, admin.token))["contacts"]["nodes"]
    }
    # Grace was updated twice by this import; undo walks back in order, the second step finds the record
    # changed by the first and leaves it (reported), Ada gets her note back.
    assert notes["Ada"] == "first"
    state = await import_state(client, admin, state["id"])
    assert state["status"] == "UNDONE"


async def test_a_gbk_file_from_chinese_excel_is_detected_and_a_wrong_encoding_fails_with_the_row(client, app):
    admin = await client.sign_up()
    data = csv_bytes("名,姓,邮箱", "伟,张,zhang@example.com", "娜,李,li@example.com", encoding="gbk")
    document_id = await upload(client, admin, data)
    mapping = columns(名="firstName", 姓="lastName", 邮箱="emails")
    done = await start(
        client, admin, documentId=document_id, objectType="contact", columns=mapping, dryRun=False
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, done["dataImport"]["id"])
    assert (state["status"], state["created"]) == ("DONE", 2)
    names = [
        c["lastName"] + c["firstName"]
        for c in (await client.execute(CONTACTS, None, admin.token))["contacts"]["nodes"]
    ]
    assert sorted(names) == ["张伟", "李娜"]

    wrong = await start(
        client, admin, documentId=document_id, objectType="contact", columns=mapping, encoding="utf-8"
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, wrong["dataImport"]["id"])
    assert state["status"] == "FAILED" and state["created"] == 0
    assert state["failure"].startswith("The file is not valid UTF-8 text")
    assert [(e["row"], e["field"], e["code"]) for e in state["rowErrors"]] == [(0, "file", "INVALID")]


async def test_an_xlsx_file_imports_with_typed_cells(client, app):
    admin = await client.sign_up()
    data = xlsx_bytes(
        [["First", "Last", "Born"], ["Ada", "Lovelace", "1815-12-10"], ["Bad", "Date", "tomorrow"]]
    )
    document_id = await upload(client, admin, data, "people.xlsx", XLSX)
    mapping = columns(First="firstName", Last="lastName", Born="birthday")
    done = await start(
        client, admin, documentId=document_id, objectType="contact", columns=mapping, dryRun=False
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, done["dataImport"]["id"])
    assert (state["fileFormat"], state["created"]) == ("xlsx", 1), state["failure"]
    assert [(e["row"], e["field"], e["code"]) for e in state["rowErrors"]] == [(2, "birthday", "INVALID")]


async def test_malformed_files_and_rows_are_reported_not_half_imported(client, app):
    admin = await client.sign_up()
    mapping = columns(First="firstName", Last="lastName")
    wide = csv_bytes("First,Last", "Ada,Lovelace", "Too,Many,Cells", "x" * 40_000 + ",Long")
    done = await start(
        client,
        admin,
        documentId=await upload(client, admin, wide),
        objectType="contact",
        columns=mapping,
        dryRun=False,
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, done["dataImport"]["id"])
    assert state["created"] == 1
    assert [(e["row"], e["code"], e["message"]) for e in state["rowErrors"]] == [
        (2, "INVALID", "The row has 3 cells but the header names 2."),
        (3, "TOO_LONG", "A cell is longer than 32767 characters (Excel's limit)."),
    ]

    unterminated = csv_bytes("First,Last", "Ada,Lovelace", '"Grace,Hopper') + b"x" * 1_100_000
    broken = await start(
        client,
        admin,
        documentId=await upload(client, admin, unterminated),
        objectType="contact",
        columns=mapping,
        dryRun=False,
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, broken["dataImport"]["id"])
    assert state["status"] == "FAILED" and state["failure"].startswith("Malformed CSV after data row 1")

    absent = await start(
        client,
        admin,
        documentId=await upload(client, admin, csv_bytes("Vorname,Nachname", "A,B")),
        objectType="contact",
        columns=mapping,
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, absent["dataImport"]["id"])
    assert state["status"] == "FAILED" and state["failure"].startswith(
        "The file has no column 'First', 'Last'"
    )

    pdf = await upload(client, admin, b"%PDF-1.7\n%%EOF\n", "x.pdf", "application/pdf")
    refused = await start(client, admin, documentId=pdf, objectType="contact", columns=mapping)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("documentId", "INVALID")]
    csv_id = await upload(client, admin, csv_bytes("First,Last", "A,B"))
    refused = await start(
        client,
        admin,
        documentId=csv_id,
        objectType="contact",
        columns=columns(First="firstName", Last="shoeSize"),
    )
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("columns.1.field", "INVALID"),
        ("columns", "REQUIRED"),
    ]
    refused = await start(client, admin, documentId=csv_id, objectType="invoice", columns=mapping)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("objectType", "INVALID")]
    refused = await start(
        client, admin, documentId=csv_id, objectType="contact", columns=mapping, encoding="latin-9"
    )
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("encoding", "INVALID")]


async def test_an_import_resumes_after_a_crash_where_the_last_batch_ended(client, app, monkeypatch):
    admin = await client.sign_up()
    monkeypatch.setattr(runner, "BATCH_ROWS", 3)
    lines = ["First,Last"] + [f"P{n},Person" for n in range(1, 9)]
    document_id = await upload(client, admin, csv_bytes(*lines))
    done = await start(
        client,
        admin,
        documentId=document_id,
        objectType="contact",
        dryRun=False,
        columns=columns(First="firstName", Last="lastName"),
    )
    original = runner.ImportRun.create_rows

    async def crash_after_writing_row_5(self, session, actor, target, rows):  # type: ignore[no-untyped-def]
        outcomes = await original(self, session, actor, target, rows)
        if 5 in outcomes:  # rows 4 to 6 are inserted, the batch is not committed
            raise RuntimeError("the process died")
        return outcomes

    monkeypatch.setattr(runner.ImportRun, "create_rows", crash_after_writing_row_5)
    failed = await run_imports(app)
    assert len(failed) == 1
    state = await import_state(client, admin, done["dataImport"]["id"])
    assert (state["status"], state["processedRows"], state["created"]) == ("RUNNING", 3, 3)

    monkeypatch.setattr(runner.ImportRun, "create_rows", original)
    assert await run_imports(app) == []
    state = await import_state(client, admin, done["dataImport"]["id"])
    assert (state["status"], state["processedRows"], state["created"]) == ("DONE", 8, 8)
    names = [c["firstName"] for c in (await client.execute(CONTACTS, None, admin.token))["contacts"]["nodes"]]
    assert sorted(names) == [f"P{n}" for n in range(1, 9)]


async def test_saved_mappings_are_reused_and_checked(client, app):
    admin = await client.sign_up()
    saved = (
        await client.execute(
            SAVE_MAPPING,
            {
                "input": {
                    "objectType": "contact",
                    "name": "CRM export",
                    "columns": columns(F="firstName", L="lastName"),
                }
            },
            admin.token,
        )
    )["saveImportMapping"]
    assert saved["errors"] == [] and saved["mapping"]["name"] == "CRM export"
    found = (await client.execute(MAPPINGS, None, admin.token))["importMappings"]["nodes"]
    assert found == [
        {
            "name": "CRM export",
            "objectType": "contact",
            "columns": [{"column": "F", "field": "firstName"}, {"column": "L", "field": "lastName"}],
        }
    ]
    document_id = await upload(client, admin, csv_bytes("F,L", "Ada,Lovelace"))
    done = await start(
        client, admin, documentId=document_id, objectType="contact", mappingName="CRM export", dryRun=False
    )
    assert await run_imports(app) == []
    assert (await import_state(client, admin, done["dataImport"]["id"]))["created"] == 1
    refused = await start(client, admin, documentId=document_id, objectType="contact", mappingName="nope")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("mappingName", "NOT_FOUND")]


async def test_roles_limit_who_imports_and_what_the_rows_may_do(client, app):
    admin = await client.sign_up()
    viewer = await client.add_member(admin, "viewer")
    sales = await client.add_member(admin, "sales")
    document_id = await upload(
        client, admin, csv_bytes("Company,Owner", f"Acme,{admin.email}", "Globex,nobody@x.org")
    )
    mapping = columns(Company="name", Owner="owner")
    refused = await client.refused(
        START,
        {"input": {"documentId": document_id, "objectType": "account", "columns": mapping}},
        viewer.token,
        "startImport",
    )
    assert refused == [(None, "PERMISSION_DENIED")]
    # Another member's file is not theirs to read (the document scope), even with create rights.
    refused = await start(client, sales, documentId=document_id, objectType="account", columns=mapping)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("documentId", "NOT_FOUND")]
    mine = await upload(
        client, sales, csv_bytes("Company,Owner", f"Acme,{admin.email}", f"Globex,{sales.email}")
    )
    done = await start(client, sales, documentId=mine, objectType="account", columns=mapping, dryRun=False)
    assert await run_imports(app) == []
    state = await import_state(client, sales, done["dataImport"]["id"])
    assert state["created"] == 2 and state["failedRows"] == 0
    # The admin sees every import; the viewer none of them.
    assert (await client.execute(IMPORTS, None, admin.token))["dataImports"]["totalCount"] == 1
    assert (await client.execute(IMPORTS, None, viewer.token))["dataImports"]["totalCount"] == 0
    assert (await client.execute(NODE, {"id": state["id"]}, viewer.token))["node"] is None


@pytest.mark.parametrize("table", ["data_imports", "import_row_errors", "import_records", "import_mappings"])
async def test_another_tenant_sees_nothing_through_the_api_or_in_sql(client, app, db, table):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    document_id = await upload(client, admin, csv_bytes("F,L", "Ada,Lovelace", ",x"))
    await client.execute(
        SAVE_MAPPING,
        {"input": {"objectType": "contact", "name": "m", "columns": columns(F="firstName", L="lastName")}},
        admin.token,
    )
    done = await start(
        client, admin, documentId=document_id, objectType="contact", mappingName="m", dryRun=False
    )
    assert await run_imports(app) == []
    import_id = done["dataImport"]["id"]
    assert (await client.execute(NODE, {"id": import_id}, other.token))["node"] is None
    assert (await client.execute(IMPORTS, None, other.token))["dataImports"]["totalCount"] == 0
    assert (await client.execute(MAPPINGS, None, other.token))["importMappings"]["nodes"] == []
    undo = (await client.execute(UNDO, {"id": import_id}, other.token))["undoImport"]
    assert [(e["field"], e["code"]) for e in undo["errors"]] == [("id", "NOT_FOUND")]
    refused = await start(
        client,
        other,
        documentId=document_id,
        objectType="contact",
        columns=columns(F="firstName", L="lastName"),
    )
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("documentId", "NOT_FOUND")]

    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        assert await connection.fetchval(f"select count(*) from {table}") >= 1
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
        assert await connection.fetchval(f"select count(*) from {table}") == 0
        assert await connection.execute(f"update {table} set tenant_id = tenant_id") == "UPDATE 0"
        assert await connection.execute(f"delete from {table}") == "DELETE 0"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
            await connection.execute(
                "insert into import_mappings (tenant_id, id, object_type, name, columns)"
                " values ($1, gen_random_uuid(), 'contact', 'x', '[]')",
                uuid.UUID(admin.tenant_id),
            )


PRODUCTS = "{ products(first: 20) { nodes { sku name listPrice taxRate active } } }"


async def test_products_join_through_the_registry_with_decimal_cells_and_undo_retires_them(client, app):
    admin = await client.sign_up()
    mapping = columns(
        SKU="sku", Name="name", Unit="unit", Price="listPrice", Currency="currency", Tax="taxRate"
    )
    first = csv_bytes("SKU,Name,Unit,Price,Currency,Tax", 'W-1,Widget,piece,"1,200.50",EUR,20')
    await start(
        client,
        admin,
        documentId=await upload(client, admin, first),
        objectType="product",
        columns=mapping,
        dryRun=False,
    )
    assert await run_imports(app) == []
    second = csv_bytes(
        "SKU,Name,Unit,Price,Currency,Tax",
        "w-1,Widget v2,piece,99.99,EUR,20",  # the same SKU, other case: updated
        "G-1,Gadget,piece,12e3,EUR,20",  # not a plain decimal
        "G-2,Gizmo,box,5,EUR,7",
    )
    done = await start(
        client,
        admin,
        documentId=await upload(client, admin, second),
        objectType="product",
        columns=mapping,
        dryRun=False,
        duplicates="UPDATE",
    )
    assert await run_imports(app) == []
    state = await import_state(client, admin, done["dataImport"]["id"])
    assert (state["created"], state["updated"], state["failedRows"]) == (1, 1, 1)
    assert [(e["row"], e["field"], e["code"]) for e in state["rowErrors"]] == [(2, "listPrice", "INVALID")]
    products = {p["sku"]: p for p in (await client.execute(PRODUCTS, None, admin.token))["products"]["nodes"]}
    # The row's values replace the record's, its SKU spelling too.
    assert (products["w-1"]["name"], products["w-1"]["listPrice"]) == ("Widget v2", "99.99")
    await client.execute(UNDO, {"id": state["id"]}, admin.token)
    assert await run_imports(app) == []
    products = {p["sku"]: p for p in (await client.execute(PRODUCTS, None, admin.token))["products"]["nodes"]}
    assert (products["W-1"]["name"], products["W-1"]["listPrice"], products["W-1"]["active"]) == (
        "Widget",
        "1200.50",
        True,
    )
    assert products["G-2"]["active"] is False
