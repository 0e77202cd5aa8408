"""From a won deal to a closed project, through GraphQL only (issue 23's "Done means"): the project made
from a template with its quality checklist, a capacity conflict found and resolved with the assignment
suggestions, materials bought through the approval chain into the cost, a failed inspection fixed, the
customer's acceptance signed with a document, the project closed out with a lesson, and that lesson
shown when a similar project starts."""

from __future__ import annotations

from tests.crm.documents import create_account, create_contact
from tests.projects.documents import (
    CHANGE_PROJECT_STATUS,
    FROM_TEMPLATE,
    SAVE_TEMPLATE,
    add_member,
    create_project,
    ok,
)
from tests.projects.test_closeout import CLOSE_OUT, SIMILAR
from tests.projects.test_materials import ADD_LINE, LINE, MATERIALS, RECEIVE, REQUEST, decide, purchase_chain
from tests.projects.test_quality import (
    MOVE_DEFECT,
    QUALITY,
    RECORD_DEFECT,
    REQUEST_ACCEPTANCE,
    SIGN,
    checklist_on,
    inspect,
    upload_signed_copy,
)
from tests.projects.test_resources import LOAD, SET_CAPACITY, SET_SKILL, SUGGEST, WEEK, allocate
from tests.sales.pipeline.documents import create_opportunity, default_pipeline, moved, stage_named

VERSION = """query($id: ID!) { project(id: $id) { version status } }"""


async def test_from_a_won_deal_to_a_closed_project_whose_lesson_helps_the_next(client):
    admin = await client.sign_up("Fit-out Co")
    pm = await client.add_member(admin, "manager", "pm")
    buyer = await client.add_member(admin, "manager", "buyer")
    ana = await client.add_member(admin, "sales", "ana")
    ben = await client.add_member(admin, "sales", "ben")
    account = await create_account(client, admin, name="Globex")
    contact = await create_contact(client, pm, firstName="Gina", lastName="Globex")  # the PM's contact
    deal = await create_opportunity(
        client, admin, account["id"], name="Globex office fit-out", amount="20000"
    )
    deal = await moved(client, admin, deal, stage_named(await default_pipeline(client, admin), "Won")["id"])
    assert deal["status"] == "WON"

    # The standard fit-out template carries the cabling checklist.
    source = await create_project(
        client, admin, name="Standard fit-out", plannedStart="2026-01-05", plannedEnd="2026-02-02"
    )
    template = (
        await ok(
            client,
            admin,
            SAVE_TEMPLATE,
            {"projectId": source["id"], "name": "Fit-out"},
            "saveProjectAsTemplate",
        )
    )["template"]
    await checklist_on(client, admin, templateId=template["id"])
    project = (
        await ok(
            client,
            admin,
            FROM_TEMPLATE,
            {
                "input": {
                    "templateId": template["id"],
                    "name": "Globex office fit-out",
                    "plannedStart": "2026-03-02",
                    "opportunityId": deal["id"],
                    "managerId": pm.user_id,
                    "budget": "5000",
                    "currency": "USD",
                }
            },
            "createProjectFromTemplate",
        )
    )["project"]
    assert project["account"] == {"id": account["id"], "name": "Globex"}
    checklist = (await client.execute(QUALITY, {"id": project["id"]}, pm.token))["project"][
        "qualityChecklists"
    ][0]
    for member in (ana, ben):
        await add_member(client, pm, project["id"], member)

    # People: Ana is the cabling expert but already busy elsewhere; the plan over-allocates her.
    for member, level in ((ana, 5), (ben, 3)):
        await ok(
            client,
            admin,
            SET_SKILL,
            {"userId": member.user_id, "skill": "cabling", "level": level},
            "setMemberSkill",
        )
    await ok(client, admin, SET_CAPACITY, {"userId": ben.user_id, "hours": "32"}, "setMemberCapacity")
    internal = await create_project(client, admin, name="Internal tooling")
    await add_member(client, admin, internal["id"], ana)
    await allocate(client, admin, internal, ana, "20")
    conflict = await allocate(client, pm, project, ana, "30")
    assert [(w["user"]["id"], w["overBy"]) for w in conflict["overAllocations"]] == [(ana.user_id, "10.00")]
    suggested = (
        await client.execute(
            SUGGEST, {"skill": "cabling", "start": WEEK, "hours": "20", "weeks": 1, "minLevel": 1}, pm.token
        )
    )["assignmentSuggestions"]
    assert suggested["edges"][0]["node"]["user"] == {"id": ben.user_id}
    await allocate(client, pm, project, ana, "10")
    assert (await allocate(client, pm, project, ben, "20"))["overAllocations"] == []
    load = await client.execute(
        LOAD, {"start": WEEK, "weeks": 1, "userIds": [ana.user_id, ben.user_id]}, pm.token
    )
    assert load["resourceLoad"]["overAllocations"] == []

    # Materials bought through the purchasing chain, their cost feeding the project's.
    await purchase_chain(client, admin, buyer)
    project = (
        await ok(
            client,
            pm,
            CHANGE_PROJECT_STATUS,
            {"id": project["id"], "version": project["version"], "status": "ACTIVE"},
            "changeProjectStatus",
        )
    )["project"]
    line = (
        await ok(
            client,
            pm,
            ADD_LINE,
            {
                "input": {
                    "projectId": project["id"],
                    "name": "Cat6A cable",
                    "quantity": "300",
                    "unit": "m",
                    "unitPrice": "2.5",
                }
            },
            "addMaterialLine",
        )
    )["materialLine"]
    await ok(client, pm, REQUEST, {"id": line["id"], "version": 1}, "requestPurchase")
    await decide(client, buyer, line, "APPROVE", pm)
    approved = (await client.execute(LINE, {"id": line["id"]}, pm.token))["node"]
    await ok(
        client,
        pm,
        RECEIVE,
        {"id": line["id"], "version": approved["version"], "input": {"receivedOn": "2026-03-10"}},
        "receiveMaterial",
    )
    cost = (await client.execute(MATERIALS, {"id": project["id"]}, pm.token))["project"]["cost"]
    assert (cost["materialCost"], cost["burnPercent"]) == ("750.00", "15.0")

    # Quality: the first inspection fails, the defect is fixed and verified, the re-inspection passes.
    failed = await inspect(client, ana, checklist, True, False, on="2026-03-20")
    defect = (
        await ok(
            client,
            ana,
            RECORD_DEFECT,
            {
                "input": {
                    "inspectionId": failed["id"],
                    "title": "Riser not sealed",
                    "severity": "HIGH",
                    "ownerId": ana.user_id,
                    "dueDate": "2026-03-25",
                }
            },
            "recordDefect",
        )
    )["defect"]
    acceptance = (
        await ok(
            client,
            pm,
            REQUEST_ACCEPTANCE,
            {
                "input": {
                    "projectId": project["id"],
                    "contactId": contact["id"],
                    "scope": "Office fit-out, floors 1-2",
                }
            },
            "requestAcceptance",
        )
    )["acceptance"]
    await upload_signed_copy(client, pm, acceptance["id"])
    too_early = (
        await client.execute(SIGN, {"id": acceptance["id"], "version": 1, "signedOn": "2026-03-21"}, pm.token)
    )["signAcceptance"]
    assert [(e["field"], e["code"]) for e in too_early["errors"]] == [("id", "INVALID_TRANSITION")]
    await ok(
        client,
        ana,
        MOVE_DEFECT,
        {"id": defect["id"], "version": 1, "status": "FIXED", "resolution": "Sealed"},
        "changeDefectStatus",
    )
    await ok(
        client,
        pm,
        MOVE_DEFECT,
        {"id": defect["id"], "version": 2, "status": "VERIFIED"},
        "changeDefectStatus",
    )
    assert (await inspect(client, ana, checklist, True, True, on="2026-03-24"))["passed"] is True

    # The customer signs; the project is closed out with a lesson.
    signed = (
        await ok(
            client,
            pm,
            SIGN,
            {"id": acceptance["id"], "version": 1, "signedOn": "2026-03-26"},
            "signAcceptance",
        )
    )["acceptance"]
    assert signed["status"] == "SIGNED" and signed["documentId"] is not None
    version = (await client.execute(VERSION, {"id": project["id"]}, pm.token))["project"]["version"]
    lesson = {
        "title": "Seal risers before the first inspection",
        "body": "Fire stops in risers failed the first office inspection.",
        "tags": ["quality", "fit-out"],
    }
    closed = (
        await client.execute(
            CLOSE_OUT,
            {
                "projectId": project["id"],
                "version": version,
                "input": {"summary": "Delivered on budget", "satisfaction": 5, "lessons": [lesson]},
            },
            pm.token,
        )
    )["closeOutProject"]
    assert closed["errors"] == []
    assert closed["project"]["status"] == "DONE"
    evaluation = closed["closeout"]["evaluation"]
    assert evaluation["budget"] == {
        "currency": "USD",
        "budget": "5000.00",
        "actualCost": "750.00",
        "variance": "4250.00",
        "withinBudget": True,
    }
    assert evaluation["quality"] == {
        "inspections": 2,
        "inspectionsPassed": 1,
        "defects": 1,
        "seriousDefects": 1,
        "acceptanceSigned": True,
    }

    # Months later a similar project starts: the lesson is there.
    follow_up = await create_project(client, admin, name="Initech office fit-out", managerId=pm.user_id)
    similar = (await client.execute(SIMILAR, {"id": follow_up["id"]}, pm.token))["project"]["similarLessons"]
    assert similar == [{"title": lesson["title"]}]
