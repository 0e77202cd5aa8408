"""Every change to opportunities, pipelines and competitors leaves an audit entry with its diff."""

from __future__ import annotations

from tests.sales.pipeline.documents import (
    RENAME_PIPELINE,
    UPDATE_OPPORTUNITY,
    create_opportunity,
    default_pipeline,
    moved,
    stage_named,
)
from tests.sales.pipeline.test_opportunities import create_competitor

AUDIT = """
query($filter: AuditLogFilter) {
  auditLog(filter: $filter, first: 50) { edges { node { action objectType objectId changes } } }
}"""


async def entries(client, member, **filter_values):
    data = await client.execute(AUDIT, {"filter": filter_values}, member.token)
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def test_opportunity_changes_are_audited_with_their_diff(client):
    admin = await client.sign_up()
    pipeline = await default_pipeline(client, admin)
    opportunity = await create_opportunity(client, admin, amount="100")
    await client.execute(
        UPDATE_OPPORTUNITY, {"id": opportunity["id"], "version": 1, "input": {"amount": "250"}}, admin.token
    )
    current = {**opportunity, "version": 2}
    await moved(client, admin, current, stage_named(pipeline, "Lost")["id"], lostReason="timing")

    log = await entries(client, admin, objectId=opportunity["id"])
    assert [e["action"] for e in log] == ["opportunity.move", "opportunity.update", "opportunity.create"]
    move, update, create = log
    assert move["changes"]["status"] == ["open", "lost"] and move["changes"]["lost_reason"] == [
        None,
        "timing",
    ]
    assert update["changes"] == {"amount": ["100.00", "250.00"]}
    assert create["changes"]["name"] == [None, "Deal"] and create["objectType"] == "opportunity"
    assert all(e["objectId"] == opportunity["id"] for e in log)

    await create_competitor(client, admin)
    await client.execute(RENAME_PIPELINE, {"id": pipeline["id"], "version": 1, "name": "Direct"}, admin.token)
    assert [e["action"] for e in await entries(client, admin, objectType="competitor")] == [
        "competitor.create"
    ]
    renamed = await entries(client, admin, objectType="pipeline")
    assert [(e["action"], e["changes"]) for e in renamed] == [
        ("pipeline.update", {"name": ["Sales", "Direct"]})
    ]
