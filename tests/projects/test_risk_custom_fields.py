"""Custom fields and field rules on risks: validated values, the `risks` list's filters and sort keys,
hidden and read-only fields for a custom role, and tenant isolation of definitions."""

from __future__ import annotations

from tests.admin.documents import FIELDS, VALUES, assign, create_role, define_field, error_pairs
from tests.projects.documents import CREATE_RISK, UPDATE_RISK, create_project, ok

RISKS = f"""
query($filter: RiskFilter, $orderBy: [RiskOrder!]) {{
  risks(filter: $filter, orderBy: $orderBy) {{ edges {{ node {{ title mitigationPlan {VALUES} }} }} }} }}"""
SOURCES = {"options": [{"key": "vendor", "label": "Vendor"}, {"key": "staff", "label": "Staff"}]}


async def define_risk_fields(client, admin):
    await define_field(client, admin, "risk", "exposure", "INTEGER", validation={"min": 0}, filterable=True)
    await define_field(client, admin, "risk", "source", "SINGLE_SELECT", validation=SOURCES, filterable=True)


async def create_risk(client, member, project_id, **values):
    variables = {"input": {"projectId": project_id, "title": "Risk", "probability": 3, "impact": 3, **values}}
    return (await ok(client, member, CREATE_RISK, variables, "createRisk"))["risk"]


async def titles(client, member, variables):
    edges = (await client.execute(RISKS, variables, member.token))["risks"]["edges"]
    return [edge["node"]["title"] for edge in edges]


async def test_risk_custom_values_are_validated_stored_filtered_and_ordered(client):
    admin = await client.sign_up()
    await define_risk_fields(client, admin)
    project = await create_project(client, admin)
    await create_risk(client, admin, project["id"], title="Big", custom={"exposure": 900, "source": "vendor"})
    small = await create_risk(client, admin, project["id"], title="Small", custom={"exposure": 10})

    bad = [
        ({"exposure": -5}, [("custom.exposure", "INVALID")]),
        ({"exposure": "high"}, [("custom.exposure", "INVALID")]),
        ({"source": "weather"}, [("custom.source", "INVALID")]),
        ({"colour": "red"}, [("custom.colour", "INVALID")]),
        (
            {"exposure": -5, "source": "weather"},
            [("custom.exposure", "INVALID"), ("custom.source", "INVALID")],
        ),
    ]
    base = {"projectId": project["id"], "title": "X", "probability": 1, "impact": 1}
    for custom, expected in bad:
        created = await client.outcome(
            CREATE_RISK, {"input": {**base, "custom": custom}}, admin.token, "createRisk"
        )
        assert created == expected, custom
        updated = await client.outcome(
            UPDATE_RISK,
            {"id": small["id"], "version": 1, "input": {"custom": custom}},
            admin.token,
            "updateRisk",
        )
        assert updated == expected, custom
    assert await titles(client, admin, {}) == ["Big", "Small"]  # nothing half-written

    updated = (
        await client.execute(
            UPDATE_RISK,
            {"id": small["id"], "version": 1, "input": {"custom": {"source": "staff"}}},
            admin.token,
        )
    )["updateRisk"]
    assert updated["errors"] == [] and updated["risk"]["version"] == 2

    staff = {"filter": {"projectId": project["id"], "custom": [{"key": "source", "equals": "staff"}]}}
    assert await titles(client, admin, staff) == ["Small"]
    large = {"filter": {"custom": [{"key": "exposure", "range": {"min": 100}}]}}
    assert await titles(client, admin, large) == ["Big"]
    assert await titles(client, admin, {"orderBy": [{"customField": "exposure"}]}) == ["Small", "Big"]
    by_exposure_desc = {"orderBy": [{"customField": "exposure", "direction": "DESC"}]}
    assert await titles(client, admin, by_exposure_desc) == ["Big", "Small"]
    listed = (await client.execute(RISKS, by_exposure_desc, admin.token))["risks"]["edges"]
    assert [e["node"]["customFields"] for e in listed] == [
        {"exposure": 900, "source": "vendor"},
        {"exposure": 10, "source": "staff"},
    ]
    assert [(v["key"], v["value"]) for v in listed[0]["node"]["fieldValues"]] == [
        ("exposure", {"__typename": "IntegerValue", "integer": 900}),
        ("source", {"__typename": "OptionValue", "key": "vendor", "label": "Vendor"}),
    ]


async def test_hidden_risk_fields_are_absent_and_read_only_ones_refused_for_a_custom_role(client):
    admin = await client.sign_up()
    await define_risk_fields(client, admin)
    rules = {
        "custom.source": "HIDDEN",
        "custom.exposure": "READ_ONLY",
        "mitigationPlan": "HIDDEN",
        "impact": "READ_ONLY",
    }
    grants = [
        {"objectType": "project", "actions": ["READ"], "scope": "ALL", "fields": []},
        {
            "objectType": "risk",
            "actions": ["READ", "CREATE", "UPDATE", "DELETE"],
            "scope": "ALL",
            "fields": [{"field": field, "access": access} for field, access in rules.items()],
        },
    ]
    role = await create_role(client, admin, "risk_clerk", grants=grants)
    clerk = await client.add_member(admin, "sales", "clerk")
    await assign(client, admin, clerk, role)
    project = await create_project(client, admin)
    risk = await create_risk(
        client,
        admin,
        project["id"],
        title="Kept",
        mitigationPlan="secret",
        custom={"exposure": 3, "source": "staff"},
    )

    listed = (await client.execute(RISKS, {}, clerk.token))["risks"]["edges"][0]["node"]
    assert listed["mitigationPlan"] is None and listed["customFields"] == {"exposure": 3}
    assert [v["key"] for v in listed["fieldValues"]] == ["exposure"]
    for variables in (
        {"filter": {"custom": [{"key": "source", "equals": "staff"}]}},
        {"orderBy": [{"customField": "source"}]},
    ):
        errors = await client.errors(RISKS, variables, clerk.token)
        assert errors[0]["extensions"]["code"] == "INVALID", variables

    attempts = [
        ({"custom": {"exposure": 5}}, [("custom.exposure", "PERMISSION_DENIED")]),
        ({"custom": {"source": "vendor"}}, [("custom.source", "INVALID")]),
        ({"mitigationPlan": "x"}, [("mitigationPlan", "PERMISSION_DENIED")]),
        ({"impact": 5}, [("impact", "PERMISSION_DENIED")]),
    ]
    for data, expected in attempts:
        payload = await client.outcome(
            UPDATE_RISK, {"id": risk["id"], "version": 1, "input": data}, clerk.token, "updateRisk"
        )
        assert payload == expected, data
    allowed = await client.execute(
        UPDATE_RISK, {"id": risk["id"], "version": 1, "input": {"title": "Renamed"}}, clerk.token
    )
    assert allowed["updateRisk"]["errors"] == []
    kept = (await client.execute(RISKS, {}, admin.token))["risks"]["edges"][0]["node"]
    assert kept["mitigationPlan"] == "secret" and kept["customFields"] == {"exposure": 3, "source": "staff"}


async def test_another_tenants_risk_fields_are_invisible(client):
    admin = await client.sign_up()
    await define_risk_fields(client, admin)
    own_project = await create_project(client, admin)
    await create_risk(client, admin, own_project["id"], title="Acme's", custom={"exposure": 2})
    other = await client.sign_up("Globex")
    project = await create_project(client, other)

    definitions = (await client.execute(FIELDS, {"objectType": "risk"}, other.token))["fieldDefinitions"][
        "nodes"
    ]
    assert definitions == []
    created = await client.execute(
        CREATE_RISK,
        {
            "input": {
                "projectId": project["id"],
                "title": "X",
                "probability": 1,
                "impact": 1,
                "custom": {"exposure": 2},
            }
        },
        other.token,
    )
    assert error_pairs(created["createRisk"]) == [("custom.exposure", "INVALID")]
    errors = await client.errors(
        RISKS, {"filter": {"custom": [{"key": "exposure", "equals": 2}]}}, other.token
    )
    assert errors[0]["extensions"]["code"] == "INVALID"
    assert await titles(client, other, {}) == []
