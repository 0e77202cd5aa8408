"""Imports of leads and opportunities: through their services, with a dry run, duplicates and undo."""

from __future__ import annotations

from tests.crm.documents import create_account
from tests.dataio.support import UNDO, columns, csv_bytes, import_state, run_imports, start, upload

LEADS = "{ leads(first: 50) { nodes { id email firstName companyName source status version } } }"
OPPORTUNITIES = """
{ opportunities(first: 50) { nodes { id name amount currency account { name } version } } }"""
LEAD_COLUMNS = columns(
    Source="source", First="firstName", Last="lastName", Email="email", Company="companyName"
)
OPPORTUNITY_COLUMNS = columns(
    Deal="name", Customer="account", Amount="amount", Currency="currency", Close="expectedCloseOn"
)


def row_errors(state: dict) -> list[tuple[int, str | None, str, str]]:
    return [(e["row"], e["field"], e["code"], e["message"]) for e in state["rowErrors"]]


async def leads_by_email(client, member) -> dict[str, dict]:
    return {
        lead["email"].lower(): lead for lead in (await client.execute(LEADS, None, member.token))["leads"]["nodes"]
    }


async def test_leads_import_with_a_dry_run_duplicates_and_undo(client, app):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    rows = csv_bytes(
        "Source,First,Last,Email,Company",
        "web,Ada,Lovelace,ada@example.com,Analytical Engines",
        "fax,Bob,Builder,bob@example.com,Builders",  # not a lead source
        "phone,Cy,Young,not-an-email,Ball Club",
        "event,,,,",  # nothing to identify the lead by
    )
    document = await upload(client, admin, rows)
    dry = await start(client, admin, documentId=document, objectType="lead", columns=LEAD_COLUMNS)
    assert dry["errors"] == [] and dry["dataImport"]["dryRun"] is True
    assert await run_imports(app) == []
    state = await import_state(client, admin, dry["dataImport"]["id"])
    assert (state["status"], state["created"], state["failedRows"]) == ("DONE", 1, 3)
    assert [(row, field, code) for row, field, code, _ in row_errors(state)] == [
        (2, "source", "INVALID"),
        (3, "email", "INVALID"),
        (4, "lastName", "REQUIRED"),
    ]
    assert await leads_by_email(client, admin) == {}  # a dry run writes nothing

    real = await start(
        client, admin, documentId=document, objectType="lead", columns=LEAD_COLUMNS, dryRun=False
    )
    assert await run_imports(app) == []
    real_state = await import_state(client, admin, real["dataImport"]["id"])
    assert real_state["created"] == 1, real_state
    ada = (await leads_by_email(client, admin))["ada@example.com"]
    assert (ada["firstName"], ada["companyName"], ada["source"], ada["status"]) == (
        "Ada",
        "Analytical Engines",
        "web",
        "NEW",
    )

    # The same email is the same lead: updated, and a new one created beside it.
    again = csv_bytes(
        "Source,First,Last,Email,Company",
        "referral,Augusta Ada,Lovelace,ADA@example.com,Engines Ltd",
        "campaign,Dee,Dee,dee@example.com,Dee Co",
    )
    second = await start(
        client,
        admin,
        documentId=await upload(client, admin, again),
        objectType="lead",
        columns=LEAD_COLUMNS,
        dryRun=False,
        duplicates="UPDATE",
    )
    assert await run_imports(app) == []
    assert (lambda s: (s["created"], s["updated"]))(
        await import_state(client, admin, second["dataImport"]["id"])
    ) == (1, 1)
    leads = await leads_by_email(client, admin)
    assert (leads["ada@example.com"]["firstName"], leads["ada@example.com"]["source"]) == (
        "Augusta Ada",
        "referral",
    )
    # Another tenant sees none of them.
    assert await leads_by_email(client, other) == {}

    await client.execute(UNDO, {"id": second["dataImport"]["id"]}, admin.token)
    assert await run_imports(app) == []
    undone = await import_state(client, admin, second["dataImport"]["id"])
    assert (undone["status"], undone["undone"]) == ("UNDONE", 2)
    leads = await leads_by_email(client, admin)
    assert set(leads) == {"ada@example.com"}
    assert (leads["ada@example.com"]["firstName"], leads["ada@example.com"]["companyName"]) == (
        "Ada",
        "Analytical Engines",
    )


async def test_opportunities_import_by_account_name_and_undo_deletes_them(client, app):
    admin = await client.sign_up()
    await create_account(client, admin, name="Globex Ltd")
    rows = csv_bytes(
        "Deal,Customer,Amount,Currency,Close",
        "Globex renewal,Globex,1200.50,USD,2030-06-30",
        "Nowhere deal,Nowhere Inc,10,USD,2030-06-30",  # no such account
        "Globex bad,Globex,lots,USD,2030-06-30",  # not an amount
        "Globex late,Globex,5,USD,30/06/2030",  # not a date
    )
    started = await start(
        client,
        admin,
        documentId=await upload(client, admin, rows),
        objectType="opportunity",
        columns=OPPORTUNITY_COLUMNS,
        dryRun=False,
    )
    assert started["errors"] == []
    assert await run_imports(app) == []
    state = await import_state(client, admin, started["dataImport"]["id"])
    assert (state["created"], state["failedRows"]) == (1, 3)
    assert row_errors(state) == [
        (2, "account", "NOT_FOUND", "No account you may see is named Nowhere Inc."),
        (
            3,
            "amount",
            "INVALID",
            '\'lots\': Use a plain decimal number, e.g. "1234.50" or "-0.5": ASCII digits with an optional '
            "minus sign and decimal point (no exponent, group separators or spaces; at most 32 digits).",
        ),
        (4, "expectedCloseOn", "INVALID", "'30/06/2030' is not a date; write it as YYYY-MM-DD."),
    ]
    deals = (await client.execute(OPPORTUNITIES, None, admin.token))["opportunities"]["nodes"]
    assert [(d["name"], d["amount"], d["currency"], d["account"]["name"]) for d in deals] == [
        ("Globex renewal", "1200.50", "USD", "Globex Ltd")
    ]
    # A mapping must name the account of a new opportunity.
    missing = await start(
        client,
        admin,
        documentId=await upload(client, admin, rows),
        objectType="opportunity",
        columns=columns(Deal="name"),
    )
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("columns", "REQUIRED")]

    await client.execute(UNDO, {"id": state["id"]}, admin.token)
    assert await run_imports(app) == []
    assert (await import_state(client, admin, state["id"]))["undone"] == 1
    assert (await client.execute(OPPORTUNITIES, None, admin.token))["opportunities"]["nodes"] == []
