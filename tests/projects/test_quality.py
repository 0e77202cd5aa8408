"""Quality: checklists per template, inspections with results and defects, customer acceptance signed with
a document."""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

import asyncpg
import pytest

from tests.admin.documents import assign, create_role
from tests.crm.documents import create_contact
from tests.crm.sql import raw_id
from tests.projects.documents import (
    FROM_TEMPLATE,
    SAVE_TEMPLATE,
    add_member,
    create_project,
    error_pairs,
    ok,
)
from tests.projects.test_isolation import assert_sql_wall, in_tenant

ERRORS = "errors { field code message }"
CHECKLIST_FIELDS = "id name standard items templateId version"
CREATE_CHECKLIST = f"""
mutation($input: CreateQualityChecklistInput!) {{
  createQualityChecklist(input: $input) {{ checklist {{ {CHECKLIST_FIELDS} }} {ERRORS} }}
}}"""
INSPECT = f"""
mutation($input: RecordInspectionInput!) {{
  recordInspection(input: $input) {{
    inspection {{ id title passed checklistId results {{ item passed note }} inspector {{ id }} }} {ERRORS}
  }}
}}"""
DEFECT_FIELDS = "id title severity status dueDate resolution version inspectionId owner { id }"
RECORD_DEFECT = f"""
mutation($input: RecordDefectInput!) {{ recordDefect(input: $input) {{ defect {{ {DEFECT_FIELDS} }} {ERRORS} }} }}"""
MOVE_DEFECT = f"""
mutation($id: ID!, $version: Int!, $status: DefectStatus!, $resolution: String) {{
  changeDefectStatus(id: $id, version: $version, status: $status, resolution: $resolution) {{
    defect {{ {DEFECT_FIELDS} }} {ERRORS}
  }}
}}"""
ACCEPTANCE_FIELDS = "id scope status signedOn comment documentId version contact { id }"
REQUEST_ACCEPTANCE = f"""
mutation($input: RequestAcceptanceInput!) {{
  requestAcceptance(input: $input) {{ acceptance {{ {ACCEPTANCE_FIELDS} }} {ERRORS} }}
}}"""
SIGN = f"""
mutation($id: ID!, $version: Int!, $signedOn: Date!) {{
  signAcceptance(id: $id, version: $version, signedOn: $signedOn) {{ acceptance {{ {ACCEPTANCE_FIELDS} }} {ERRORS} }}
}}"""
REJECT = f"""
mutation($id: ID!, $version: Int!, $comment: String!) {{
  rejectAcceptance(id: $id, version: $version, comment: $comment) {{ acceptance {{ {ACCEPTANCE_FIELDS} }} {ERRORS} }}
}}"""
QUALITY = f"""query($id: ID!) {{ project(id: $id) {{
  qualityChecklists {{ {CHECKLIST_FIELDS} }} inspections {{ title passed }} defects {{ {DEFECT_FIELDS} }}
  acceptances {{ {ACCEPTANCE_FIELDS} }} }} }}"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""
UPLOAD = """
mutation($input: UploadDocumentInput!) { uploadDocument(input: $input) { document { id } errors { field code } } }"""
PDF = b"%PDF-1.7\n" + os.urandom(500) + b"\n%%EOF\n"
ITEMS = ["Cables labelled", "Fire stops sealed"]
MISSING_CONTACT = base64.b64encode(f"Contact:{uuid.uuid4()}".encode()).decode()


async def upload_signed_copy(client, member, target_id: str) -> dict[str, Any]:
    """A signed PDF linked to `target_id` as its SIGNED_COPY (a multipart GraphQL request)."""
    variables = {
        "input": {
            "name": "acceptance-signed.pdf",
            "file": None,
            "links": [{"targetId": target_id, "role": "SIGNED_COPY"}],
        }
    }
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": UPLOAD, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("acceptance-signed.pdf", PDF, "application/pdf")},
        headers={"authorization": f"Bearer {member.token}", "apollo-require-preflight": "true"},
    )
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    assert body["data"]["uploadDocument"]["errors"] == [], body
    return body["data"]["uploadDocument"]["document"]


async def checklist_on(client, member, **owner: str) -> dict[str, Any]:
    variables = {"input": {"name": "Cabling", "standard": "ISO/IEC 14763-2", "items": ITEMS, **owner}}
    return (await ok(client, member, CREATE_CHECKLIST, variables, "createQualityChecklist"))["checklist"]


async def inspect(client, member, checklist, *passed: bool, on="2026-01-10") -> dict[str, Any]:
    results = [{"passed": value, "note": None if value else "not done"} for value in passed]
    variables = {
        "input": {"checklistId": checklist["id"], "title": "Floor 2", "inspectedOn": on, "results": results}
    }
    return (await ok(client, member, INSPECT, variables, "recordInspection"))["inspection"]


async def test_template_checklists_reach_new_projects_and_finished_projects_improve_templates(client):
    admin = await client.sign_up()
    source = await create_project(client, admin, plannedStart="2026-01-01", plannedEnd="2026-02-01")
    template = (
        await ok(
            client,
            admin,
            SAVE_TEMPLATE,
            {"projectId": source["id"], "name": "Fit-out"},
            "saveProjectAsTemplate",
        )
    )["template"]
    on_template = await checklist_on(client, admin, templateId=template["id"])
    made = (
        await ok(
            client,
            admin,
            FROM_TEMPLATE,
            {"input": {"templateId": template["id"], "name": "Office 2", "plannedStart": "2026-03-02"}},
            "createProjectFromTemplate",
        )
    )["project"]
    copied = (await client.execute(QUALITY, {"id": made["id"]}, admin.token))["project"]["qualityChecklists"]
    await checklist_on(client, admin, projectId=made["id"], name="Acoustics")
    improved = (
        await ok(
            client,
            admin,
            SAVE_TEMPLATE,
            {"projectId": made["id"], "name": "Fit-out v2"},
            "saveProjectAsTemplate",
        )
    )["template"]
    again = (
        await ok(
            client,
            admin,
            FROM_TEMPLATE,
            {"input": {"templateId": improved["id"], "name": "Office 3", "plannedStart": "2026-05-04"}},
            "createProjectFromTemplate",
        )
    )["project"]
    inherited = (await client.execute(QUALITY, {"id": again["id"]}, admin.token))["project"][
        "qualityChecklists"
    ]

    assert on_template["templateId"] == template["id"]
    assert [(c["name"], c["items"], c["templateId"]) for c in copied] == [("Cabling", ITEMS, None)]
    assert sorted(c["name"] for c in inherited) == ["Acoustics", "Cabling"]


async def test_a_failed_inspection_is_fixed_then_the_customer_signs(client):
    admin = await client.sign_up()
    tech = await client.add_member(admin, "sales", "tech")
    contact = await create_contact(client, admin)
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], tech)
    checklist = await checklist_on(client, admin, projectId=project["id"])

    failed = await inspect(client, tech, checklist, True, False)
    defect = (
        await ok(
            client,
            tech,
            RECORD_DEFECT,
            {
                "input": {
                    "inspectionId": failed["id"],
                    "title": "Unsealed riser",
                    "severity": "HIGH",
                    "ownerId": tech.user_id,
                    "dueDate": "2026-01-20",
                }
            },
            "recordDefect",
        )
    )["defect"]
    requested = (
        await ok(
            client,
            admin,
            REQUEST_ACCEPTANCE,
            {"input": {"projectId": project["id"], "contactId": contact["id"], "scope": "Floors 1-3"}},
            "requestAcceptance",
        )
    )["acceptance"]
    blocked = (
        await client.execute(
            SIGN, {"id": requested["id"], "version": 1, "signedOn": "2026-01-25"}, admin.token
        )
    )["signAcceptance"]
    fixed = (
        await ok(
            client,
            tech,
            MOVE_DEFECT,
            {"id": defect["id"], "version": 1, "status": "FIXED", "resolution": "Sealed"},
            "changeDefectStatus",
        )
    )["defect"]
    not_verifiable_by_owner = await client.refused(
        MOVE_DEFECT,
        {"id": defect["id"], "version": 2, "status": "VERIFIED"},
        tech.token,
        "changeDefectStatus",
    )
    await ok(
        client,
        admin,
        MOVE_DEFECT,
        {"id": defect["id"], "version": 2, "status": "VERIFIED"},
        "changeDefectStatus",
    )
    still_failing = (
        await client.execute(
            SIGN, {"id": requested["id"], "version": 1, "signedOn": "2026-01-25"}, admin.token
        )
    )["signAcceptance"]
    await inspect(client, tech, checklist, True, True, on="2026-01-21")
    unsigned = (
        await client.execute(
            SIGN, {"id": requested["id"], "version": 1, "signedOn": "2026-01-25"}, admin.token
        )
    )["signAcceptance"]
    document = await upload_signed_copy(client, admin, requested["id"])
    signed = (
        await ok(
            client,
            admin,
            SIGN,
            {"id": requested["id"], "version": 1, "signedOn": "2026-01-25"},
            "signAcceptance",
        )
    )["acceptance"]
    again = (
        await client.execute(
            SIGN, {"id": requested["id"], "version": 2, "signedOn": "2026-01-25"}, admin.token
        )
    )["signAcceptance"]
    view = (await client.execute(QUALITY, {"id": project["id"]}, admin.token))["project"]

    assert failed["passed"] is False
    assert failed["results"] == [
        {"item": "Cables labelled", "passed": True, "note": None},
        {"item": "Fire stops sealed", "passed": False, "note": "not done"},
    ]
    assert (defect["severity"], defect["status"], defect["inspectionId"], defect["owner"]) == (
        "HIGH",
        "OPEN",
        failed["id"],
        {"id": tech.user_id},
    )
    assert requested["status"] == "PENDING" and requested["contact"] == {"id": contact["id"]}
    assert error_pairs(blocked) == [("id", "INVALID_TRANSITION")]
    assert "1 defect(s)" in blocked["errors"][0]["message"]
    assert (fixed["status"], fixed["resolution"]) == ("FIXED", "Sealed")
    assert not_verifiable_by_owner == [(None, "PERMISSION_DENIED")]
    assert error_pairs(still_failing) == [("id", "INVALID_TRANSITION")]
    assert "Cabling" in still_failing["errors"][0]["message"]
    assert error_pairs(unsigned) == [("document", "REQUIRED")]
    assert (signed["status"], signed["signedOn"], signed["documentId"]) == (
        "SIGNED",
        "2026-01-25",
        document["id"],
    )
    assert error_pairs(again) == [("id", "INVALID_TRANSITION")]
    assert [i["passed"] for i in view["inspections"]] == [False, True]
    assert [d["status"] for d in view["defects"]] == ["VERIFIED"]


async def test_quality_input_is_checked_exactly(client):
    admin = await client.sign_up()
    tech = await client.add_member(admin, "sales", "tech")
    outsider = await client.add_member(admin, "sales", "outsider")
    contact = await create_contact(client, admin)
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], tech)
    checklist = await checklist_on(client, admin, projectId=project["id"])
    failed = await inspect(client, admin, checklist, False, True)

    bad_checklists = [
        ({"items": []}, [("items", "REQUIRED")]),
        ({"items": ["a", "a"]}, [("items", "DUPLICATE")]),
        ({"projectId": None}, [("projectId", "REQUIRED")]),
        ({"name": ""}, [("name", "REQUIRED")]),
    ]
    for change, expected in bad_checklists:
        variables = {"input": {"name": "x", "items": ["a"], "projectId": project["id"], **change}}
        payload = (await client.execute(CREATE_CHECKLIST, variables, admin.token))["createQualityChecklist"]
        assert error_pairs(payload) == expected, change
    variables = {
        "input": {
            "checklistId": checklist["id"],
            "title": "x",
            "inspectedOn": "2026-01-10",
            "results": [{"passed": True}],
        }
    }
    short = (await client.execute(INSPECT, variables, admin.token))["recordInspection"]
    future = (
        await client.execute(
            INSPECT,
            {"input": {**variables["input"], "inspectedOn": "2999-01-01", "results": [{"passed": True}] * 2}},
            admin.token,
        )
    )["recordInspection"]
    defect_input = {
        "inspectionId": failed["id"],
        "title": "x",
        "severity": "LOW",
        "ownerId": outsider.user_id,
    }
    not_member = (await client.execute(RECORD_DEFECT, {"input": defect_input}, admin.token))["recordDefect"]
    hidden = (
        await client.execute(
            RECORD_DEFECT, {"input": {**defect_input, "ownerId": tech.user_id}}, outsider.token
        )
    )["recordDefect"]
    defect = (
        await ok(
            client, admin, RECORD_DEFECT, {"input": {**defect_input, "ownerId": tech.user_id}}, "recordDefect"
        )
    )["defect"]
    jump = (
        await client.execute(
            MOVE_DEFECT, {"id": defect["id"], "version": 1, "status": "VERIFIED"}, admin.token
        )
    )["changeDefectStatus"]
    waive = (
        await client.execute(MOVE_DEFECT, {"id": defect["id"], "version": 1, "status": "WAIVED"}, admin.token)
    )["changeDefectStatus"]
    not_manager = await client.refused(
        REQUEST_ACCEPTANCE,
        {"input": {"projectId": project["id"], "contactId": contact["id"], "scope": "x"}},
        tech.token,
        "requestAcceptance",
    )
    no_contact = (
        await client.execute(
            REQUEST_ACCEPTANCE,
            {"input": {"projectId": project["id"], "contactId": MISSING_CONTACT, "scope": "x"}},
            admin.token,
        )
    )["requestAcceptance"]
    acceptance = (
        await ok(
            client,
            admin,
            REQUEST_ACCEPTANCE,
            {"input": {"projectId": project["id"], "contactId": contact["id"], "scope": "x"}},
            "requestAcceptance",
        )
    )["acceptance"]
    rejected = (
        await ok(
            client,
            admin,
            REJECT,
            {"id": acceptance["id"], "version": 1, "comment": "Riser open"},
            "rejectAcceptance",
        )
    )["acceptance"]

    assert error_pairs(short) == [("results", "INVALID")]
    assert error_pairs(future) == [("inspectedOn", "INVALID")]
    assert error_pairs(not_member) == [("ownerId", "INVALID")]
    assert error_pairs(hidden) == [("inspectionId", "NOT_FOUND")]
    assert error_pairs(jump) == [("status", "INVALID_TRANSITION")]
    assert error_pairs(waive) == [("resolution", "REQUIRED")]
    assert not_manager == [(None, "PERMISSION_DENIED")]
    assert error_pairs(no_contact) == [("contactId", "NOT_FOUND")]
    assert (rejected["status"], rejected["comment"]) == ("REJECTED", "Riser open")


async def test_another_tenant_sees_and_changes_no_quality_record(client, db):
    admin = await client.sign_up()
    contact = await create_contact(client, admin)
    project = await create_project(client, admin)
    checklist = await checklist_on(client, admin, projectId=project["id"])
    failed = await inspect(client, admin, checklist, False, True)
    defect = (
        await ok(
            client,
            admin,
            RECORD_DEFECT,
            {
                "input": {
                    "inspectionId": failed["id"],
                    "title": "x",
                    "severity": "LOW",
                    "ownerId": admin.user_id,
                }
            },
            "recordDefect",
        )
    )["defect"]
    acceptance = (
        await ok(
            client,
            admin,
            REQUEST_ACCEPTANCE,
            {"input": {"projectId": project["id"], "contactId": contact["id"], "scope": "x"}},
            "requestAcceptance",
        )
    )["acceptance"]
    other = await client.sign_up("Other")
    other_project = await create_project(client, other)

    for node_id in (checklist["id"], failed["id"], defect["id"], acceptance["id"]):
        assert (await client.execute(NODE, {"id": node_id}, other.token))["node"] is None
    inspected = (
        await client.execute(
            INSPECT,
            {
                "input": {
                    "checklistId": checklist["id"],
                    "title": "x",
                    "inspectedOn": "2026-01-10",
                    "results": [{"passed": True}] * 2,
                }
            },
            other.token,
        )
    )["recordInspection"]
    recorded = (
        await client.execute(
            RECORD_DEFECT,
            {
                "input": {
                    "inspectionId": failed["id"],
                    "title": "x",
                    "severity": "LOW",
                    "ownerId": other.user_id,
                }
            },
            other.token,
        )
    )["recordDefect"]
    moved = (
        await client.execute(MOVE_DEFECT, {"id": defect["id"], "version": 1, "status": "FIXED"}, other.token)
    )["changeDefectStatus"]
    signed = (
        await client.execute(
            SIGN, {"id": acceptance["id"], "version": 1, "signedOn": "2026-01-10"}, other.token
        )
    )["signAcceptance"]
    foreign_contact = (
        await client.execute(
            REQUEST_ACCEPTANCE,
            {"input": {"projectId": other_project["id"], "contactId": contact["id"], "scope": "x"}},
            other.token,
        )
    )["requestAcceptance"]

    assert error_pairs(inspected) == [("checklistId", "NOT_FOUND")]
    assert error_pairs(recorded) == [("inspectionId", "NOT_FOUND")]
    assert error_pairs(moved) == [("id", "NOT_FOUND")]
    assert error_pairs(signed) == [("id", "NOT_FOUND")]
    assert error_pairs(foreign_contact) == [("contactId", "NOT_FOUND")]
    await assert_sql_wall(
        db,
        admin.tenant_id,
        other.tenant_id,
        ["quality_checklists", "inspections", "defects", "project_acceptances"],
    )
    connection = await db.connect()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, admin.tenant_id)
            await connection.execute("update inspections set passed = true")  # a record: never changed
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with connection.transaction():
            await in_tenant(connection, other.tenant_id)
            await connection.execute(
                "insert into defects (tenant_id, id, project_id, title, severity, owner_id, reported_by_id)"
                " values ($1, $2, $3, 'x', 'low', $4, $4)",
                uuid.UUID(admin.tenant_id),
                uuid.uuid4(),
                raw_id(project["id"]),
                raw_id(admin.user_id),
            )


DEFECT_VIEW = """query($id: ID!) { node(id: $id) { ... on Defect { title description resolution } } }"""


async def test_defect_field_rules_hide_and_protect_fields_for_a_custom_role(client):
    admin = await client.sign_up()
    grants = [
        {"objectType": "project", "actions": ["READ", "UPDATE"], "scope": "ALL", "fields": []},
        {
            "objectType": "defect",
            "actions": ["READ", "CREATE", "UPDATE"],
            "scope": "ALL",
            "fields": [
                {"field": "description", "access": "HIDDEN"},
                {"field": "resolution", "access": "READ_ONLY"},
            ],
        },
    ]
    fixer = await client.add_member(admin, "sales", "fixer")
    await assign(client, admin, fixer, await create_role(client, admin, "fixer", grants=grants))
    project = await create_project(client, admin)
    await add_member(client, admin, project["id"], fixer)
    variables = {
        "input": {
            "projectId": project["id"],
            "title": "Scratched door",
            "description": "Internal note",
            "severity": "LOW",
            "ownerId": fixer.user_id,
        }
    }
    defect = (await ok(client, admin, RECORD_DEFECT, variables, "recordDefect"))["defect"]

    seen = (await client.execute(DEFECT_VIEW, {"id": defect["id"]}, fixer.token))["node"]
    with_note = await client.outcome(
        MOVE_DEFECT,
        {"id": defect["id"], "version": 1, "status": "FIXED", "resolution": "Polished"},
        fixer.token,
        "changeDefectStatus",
    )
    fixed = (
        await ok(
            client,
            fixer,
            MOVE_DEFECT,
            {"id": defect["id"], "version": 1, "status": "FIXED"},
            "changeDefectStatus",
        )
    )["defect"]

    assert seen == {"title": "Scratched door", "description": None, "resolution": None}
    assert with_note == [("resolution", "PERMISSION_DENIED")]
    assert fixed["status"] == "FIXED"
    assert (await client.execute(DEFECT_VIEW, {"id": defect["id"]}, admin.token))["node"][
        "description"
    ] == "Internal note"
