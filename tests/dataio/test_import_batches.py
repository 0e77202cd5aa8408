# ruff: noqa: RUF001 - Chinese punctuation is what the language test reads
"""Batched contact imports (graph/dataio/runner.py `write_rows`, graph/crm/contacts.py `create_contacts`,
`delete_contacts`): the same outcomes as the row-by-row path, in a bounded number of statements per batch.

Each scenario runs twice, in two tenants: through the batch services and, with the contact target's
batch functions taken away, row by row through `create_contact`/`update_contact`/`delete_contact`; both
must give the outcome written out in the test."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from graph.dataio import runner
from graph.dataio.targets import TARGETS
from tests.admin.documents import define_field
from tests.crm.test_no_n_plus_one import counted_statements
from tests.dataio.support import UNDO, columns, csv_bytes, import_state, run_imports, start, upload

IMPORT_WORK = ("contact", "audit_log", "import_", "field_definitions", "memberships", "SAVEPOINT")
MAPPING = columns(First="firstName", Last="lastName", Email="emails", Phone="phones", Notes="notes")
HEADER = "First,Last,Email,Phone,Notes"
CONTACT_NODES = """
{ contacts(first: 100, orderBy: [{field: NAME, direction: ASC}]) {
  nodes { firstName lastName emails phones notes owner { email } customFields } } }"""


@pytest.fixture(params=["batched", "row by row"])
def path(request, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    if request.param == "row by row":
        monkeypatch.setitem(TARGETS, "contact", dataclasses.replace(TARGETS["contact"], batch=None))
    return request.param


def import_work(statements: list[str]) -> int:
    """The import's own statements, not the job runner's round of every tenant of the test database."""
    return sum(1 for statement in statements if any(word in statement for word in IMPORT_WORK))


async def run_file(client, app, member, lines: list[str], mapping=MAPPING, **input: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    document_id = await upload(client, member, csv_bytes(*lines))
    started = await start(
        client, member, documentId=document_id, objectType="contact", columns=mapping, **input
    )
    assert started["errors"] == [], started
    assert await run_imports(app) == []
    return await import_state(client, member, started["dataImport"]["id"])


async def undo(client, app, member, state: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert (await client.execute(UNDO, {"id": state["id"]}, member.token))["undoImport"]["errors"] == []
    assert await run_imports(app) == []
    return await import_state(client, member, state["id"])


def counts(state: dict[str, Any]) -> tuple[int, int, int, int]:
    return state["created"], state["updated"], state["skipped"], state["failedRows"]


def errors(state: dict[str, Any], phase: str = "import") -> list[tuple[int, str, str]]:
    return [(e["row"], e["field"], e["code"]) for e in state["rowErrors"] if e["phase"] == phase]


async def contacts(client, member) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    nodes = (await client.execute(CONTACT_NODES, None, member.token))["contacts"]["nodes"]
    return sorted(
        (n["firstName"], n["lastName"], n["emails"], n["phones"], n["notes"], n["customFields"])
        for n in nodes
    )


async def audit_actions(db, tenant_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)
        rows = await connection.fetch(
            "select action, count(*) from audit_log where object_type = 'contact' group by action"
        )
    return {row["action"]: row["count"] for row in rows}


async def test_rows_of_one_batch_that_duplicate_each_other_follow_the_duplicate_rules(client, app, db, path):
    admin = await client.sign_up()
    first = await run_file(client, app, admin, [HEADER, "Ada,Lovelace,ada@example.com,,first"], dryRun=False)
    assert counts(first) == (1, 0, 0, 0)
    skip_file = [
        HEADER,
        "Ada,L,ADA@EXAMPLE.COM,,x",  # an existing contact's email: skipped
        'Grace,Hopper,"grace@example.com;grace@navy.mil",1-555-010-2000,new',
        "G,Hopper,grace@navy.mil,,dup",  # the row before's second email: skipped
        "Gracie,H,,+1 555 010 2000,dup",  # the same national number, written otherwise: skipped
        "Alan,Turing,alan@example.com,,new",
        "X,One,n/a,,",  # the same bad value twice: each row fails on its own
        "X,Two,n/a,,",
    ]
    bad = [(6, "emails", "INVALID"), (7, "emails", "INVALID")]
    dry = await run_file(client, app, admin, skip_file)
    assert (counts(dry), errors(dry)) == ((2, 0, 3, 2), bad)
    skipped = await run_file(client, app, admin, skip_file, dryRun=False)
    assert (counts(skipped), errors(skipped)) == ((2, 0, 3, 2), bad)

    update_file = [
        HEADER,
        "Linus,Torvalds,linus@example.com,,one",  # new
        "Linus,Torvalds,LINUS@example.com,,two",  # the contact the row before creates: updated
        "Linus,Torvalds,linus@example.com,,three",  # and again
        "Ada,Lovelace,ada@example.com,,updated",  # an existing contact: updated
    ]
    updated = await run_file(client, app, admin, update_file, dryRun=False, duplicates="UPDATE")
    assert (counts(updated), errors(updated)) == ((1, 3, 0, 0), [])
    assert [(c[0], c[4]) for c in await contacts(client, admin)] == [
        ("Ada", "updated"),
        ("Alan", "new"),
        ("Grace", "new"),
        ("Linus", "three"),
    ]

    # Undo walks the records back in row order: Linus was created then changed twice by this import, so
    # the creation and the first update find a record changed since and are left (reported), the last
    # update is undone; Ada gets her note back.
    undone = await undo(client, app, admin, updated)
    assert (undone["status"], undone["undone"]) == ("UNDONE", 2)
    assert errors(undone, "undo") == [(1, "id", "CONFLICT"), (2, "id", "CONFLICT")]
    assert [(c[0], c[4]) for c in await contacts(client, admin)] == [
        ("Ada", "first"),
        ("Alan", "new"),
        ("Grace", "new"),
        ("Linus", "two"),
    ]
    assert await audit_actions(db, admin.tenant_id) == {"contact.create": 4, "contact.update": 5}


async def test_bad_rows_among_good_ones_in_one_batch_fail_alone_with_their_own_errors(client, app, db, path):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    await define_field(client, admin, "contact", "badge", "TEXT", unique=True)
    await define_field(client, admin, "contact", "level", "INTEGER", validation={"min": 0, "max": 10})
    taken = await run_file(
        client,
        app,
        admin,
        ["First,Last,Badge", "Old,Timer,B0"],
        columns(First="firstName", Last="lastName", Badge="custom.badge"),
        dryRun=False,
    )
    assert counts(taken) == (1, 0, 0, 0)
    lines = [
        "First,Last,Email,Owner,Badge,Level",
        f"Ada,Lovelace,ada@example.com,{rep.email},B1,5",
        "Bad,Email,not-an-email,,,",
        "Grace,Hopper,,,B2,",
        "Twin,Badge,,,B1,",  # the badge row 1 takes, in the same batch
        "Too,High,,,,50",
        "No,,,,,",  # no last name
        "Nobody,Owns,,nobody@example.org,,",
        "Old,Badge,,,B0,",  # a badge taken before the import
        "Alan,Turing,alan@example.com,,,0",
    ]
    mapping = columns(
        First="firstName",
        Last="lastName",
        Email="emails",
        Owner="owner",
        Badge="custom.badge",
        Level="custom.level",
    )
    expected_errors = [
        (2, "emails", "INVALID"),
        (4, "custom.badge", "DUPLICATE"),
        (5, "custom.level", "INVALID"),
        (6, "lastName", "REQUIRED"),
        (7, "owner", "NOT_FOUND"),
        (8, "custom.badge", "DUPLICATE"),
    ]
    dry = await run_file(client, app, admin, lines, mapping, duplicates="CREATE")
    assert (counts(dry), errors(dry)) == ((3, 0, 0, 6), expected_errors)
    done = await run_file(client, app, admin, lines, mapping, duplicates="CREATE", dryRun=False)
    assert (counts(done), errors(done)) == ((3, 0, 0, 6), expected_errors)
    assert await contacts(client, admin) == [
        ("Ada", "Lovelace", ["ada@example.com"], [], None, {"badge": "B1", "level": 5}),
        ("Alan", "Turing", ["alan@example.com"], [], None, {"level": 0}),
        ("Grace", "Hopper", [], [], None, {"badge": "B2"}),
        ("Old", "Timer", [], [], None, {"badge": "B0"}),
    ]
    owners = (await client.execute(CONTACT_NODES, None, admin.token))["contacts"]["nodes"]
    assert {n["firstName"]: n["owner"]["email"] for n in owners}["Ada"] == rep.email
    assert await audit_actions(db, admin.tenant_id) == {"contact.create": 4}


async def test_an_undo_resumes_after_a_crash_in_the_middle_of_a_batch(client, app, db, monkeypatch):
    admin = await client.sign_up()
    monkeypatch.setattr(runner, "BATCH_ROWS", 4)
    lines = ["First,Last"] + [f"P{n},Person" for n in range(1, 11)]
    done = await run_file(
        client, app, admin, lines, columns(First="firstName", Last="lastName"), dryRun=False
    )
    assert counts(done) == (10, 0, 0, 0)
    assert (await client.execute(UNDO, {"id": done["id"]}, admin.token))["undoImport"]["errors"] == []
    original = runner.ImportRun.delete_created
    calls = 0

    async def crash_in_the_second_batch(self, session, actor, target, kept):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        outcome = await original(self, session, actor, target, kept)
        if calls == 2:  # its contacts are deleted and audited, the batch is not committed
            raise RuntimeError("the process died")
        return outcome

    monkeypatch.setattr(runner.ImportRun, "delete_created", crash_in_the_second_batch)
    assert len(await run_imports(app)) == 1
    state = await import_state(client, admin, done["id"])
    assert (state["status"], state["undone"]) == ("UNDOING", 4)
    assert len(await contacts(client, admin)) == 6

    monkeypatch.setattr(runner.ImportRun, "delete_created", original)
    assert await run_imports(app) == []
    state = await import_state(client, admin, done["id"])
    assert (state["status"], state["undone"], errors(state, "undo")) == ("UNDONE", 10, [])
    assert await contacts(client, admin) == []
    assert await audit_actions(db, admin.tenant_id) == {"contact.create": 10, "contact.delete": 10}


async def test_statements_per_batch_do_not_grow_with_its_rows(client, app):
    """A dry run, an import (skipping duplicates) and its undo of 10 rows and of 60 rows, each one batch,
    cost the same statements; every 5th row is bad and every 7th duplicates an existing contact."""
    admin = await client.sign_up()
    existing = [HEADER] + [f"E{n},Existing,dup{n}@example.com,," for n in range(0, 60, 7)]
    await run_file(client, app, admin, existing, dryRun=False)

    def rows(size: int, tag: str) -> list[str]:
        lines = [HEADER]
        for n in range(size):
            email = f"dup{n}@example.com" if n % 7 == 0 else f"{tag}{n}@example.com"
            lines.append(f"P{n},{tag},{f'bad{n}' if n % 5 == 4 else email},+49 30 {size:03d}{n:04d},")
        return lines

    measured = {}
    for size, tag in ((10, "small"), (60, "large")):
        document_id = await upload(client, admin, csv_bytes(*rows(size, tag)))
        per_phase = []
        for dry_run in (True, False):
            started = await start(
                client, admin, documentId=document_id, objectType="contact", columns=MAPPING, dryRun=dry_run
            )
            with counted_statements(app) as statements:
                assert await run_imports(app) == []
            per_phase.append(import_work(statements))
        state = await import_state(client, admin, started["dataImport"]["id"])
        bad = sum(1 for n in range(size) if n % 5 == 4)
        duplicates = sum(1 for n in range(0, size, 7) if n % 5 != 4)
        assert counts(state) == (size - bad - duplicates, 0, duplicates, bad)
        assert (await client.execute(UNDO, {"id": state["id"]}, admin.token))["undoImport"]["errors"] == []
        with counted_statements(app) as statements:
            assert await run_imports(app) == []
        per_phase.append(import_work(statements))
        assert (await import_state(client, admin, state["id"]))["undone"] == counts(state)[0]
        measured[size] = per_phase
    assert measured[10] == measured[60]
    assert all(count <= 16 for count in measured[60]), measured


ROW_ERRORS = "query R($id: ID!) { dataImport(id: $id) { rowErrors(first: 10) { row field code message } } }"


async def test_row_errors_are_read_in_the_readers_language(client, app):
    admin = await client.sign_up()
    lines = ["First,Last,Email,Birthday", "Ada,,ada@example.com,", "Bob,B,,2999-01-01", "Cy,C,,someday"]
    mapping = columns(First="firstName", Last="lastName", Email="emails", Birthday="birthday")
    state = await run_file(client, app, admin, lines, mapping)

    async def row_errors(language: str) -> list[tuple[int, str, str, str]]:
        body = await client.post(
            ROW_ERRORS, {"id": state["id"]}, admin.token, **{"accept-language": language}
        )
        found = body.json()["data"]["dataImport"]["rowErrors"]
        return [(e["row"], e["field"], e["code"], e["message"]) for e in found]

    assert await row_errors("en") == [
        (1, "lastName", "REQUIRED", "This field is required."),
        (2, "birthday", "INVALID", "A birthday cannot be in the future."),
        (3, "birthday", "INVALID", "'someday' is not a date; write it as YYYY-MM-DD."),
    ]
    assert await row_errors("zh-CN, en;q=0.5") == [
        (1, "lastName", "REQUIRED", "此字段为必填项。"),
        (2, "birthday", "INVALID", "生日不能是将来的日期。"),
        (3, "birthday", "INVALID", "“someday”不是日期，请写成 YYYY-MM-DD。"),
    ]
