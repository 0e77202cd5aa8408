"""Tenant templates of notifications: the tenant's wording in its language, a sandboxed subset refused
at save time, a template failing at render time falls back to the default text; admins only; per tenant."""

from __future__ import annotations

import pytest

from tests.notifications.support import inbox, notify_members

SAVE = """
mutation($input: SaveNotificationTemplateInput!) {
  saveNotificationTemplate(input: $input) { template { id kind locale subject body version } errors { field code message } } }"""
DELETE = """
mutation($kind: String!, $locale: String!) {
  deleteNotificationTemplate(kind: $kind, locale: $locale) { deleted errors { field code message } } }"""
TEMPLATES = "{ notificationTemplates { totalCount edges { node { kind locale subject } } } }"


async def save(client, member, **values):
    return await client.mutate(SAVE, {"input": values}, member.token, "saveNotificationTemplate")


async def latest(client, member):
    node = (await inbox(client, member, first=1))["notifications"]["edges"][0]["node"]
    return node["subject"], node["body"]


async def test_the_tenant_language_template_words_the_notice(client, services):
    admin = await client.sign_up(locale="de-CH")
    for locale, subject in (
        ("", "Any: {{ title }}"),
        ("de", "Fällig: {{ title|upper }}{% if today %} (heute){% endif %}"),
        ("fr", "Échéance: {{ title }}"),
    ):
        saved = await save(
            client, admin, kind="task.due", locale=locale, subject=subject, body="Bis {{ due_date }}"
        )
        assert saved["errors"] == [], saved
    data = {"title": "Ship", "due_date": "2030-06-02", "today": True}
    await notify_members(
        services, admin.tenant_id, [admin.user_id], "task.due", subject="Task due", data=data
    )
    assert await latest(client, admin) == ("Fällig: SHIP (heute)", "Bis 2030-06-02")

    again = await save(client, admin, kind="task.due", locale="de", subject="Neu: {{ subject }}")
    assert (again["errors"], again["template"]["version"], again["template"]["body"]) == ([], 2, "")
    await notify_members(
        services, admin.tenant_id, [admin.user_id], "task.due", subject="Task due", body="Soon"
    )
    assert await latest(client, admin) == ("Neu: Task due", "Soon")

    # Another kind has no template: the caller's wording.
    await notify_members(services, admin.tenant_id, [admin.user_id], "other.kind", subject="Plain")
    assert await latest(client, admin) == ("Plain", "")
    assert (await client.execute(TEMPLATES, {}, admin.token))["notificationTemplates"]["totalCount"] == 3


async def test_a_template_failing_at_render_time_falls_back_to_the_default(client, services):
    admin = await client.sign_up()
    saved = await save(client, admin, kind="task.due", subject="{{ title.__class__.__mro__ }}")
    assert saved["errors"] == []
    await notify_members(
        services, admin.tenant_id, [admin.user_id], "task.due", subject="Default", data={"title": "x"}
    )
    assert await latest(client, admin) == ("Default", "")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"subject": "{% for i in range(9) %}x{% endfor %}"}, [("subject", "INVALID")]),
        ({"subject": "{{ 'a' * 100000000 }}"}, [("subject", "INVALID")]),
        ({"subject": "{{ title|center(100000000) }}"}, [("subject", "INVALID")]),
        ({"subject": "{{ title.upper() }}"}, [("subject", "INVALID")]),
        ({"subject": "{% set x = 1 %}"}, [("subject", "INVALID")]),
        ({"subject": "{{ unclosed"}, [("subject", "INVALID")]),
        ({"subject": "x" * 1001}, [("subject", "TOO_LONG")]),
        ({"subject": " "}, [("subject", "REQUIRED")]),
        ({"kind": "Task Due"}, [("kind", "INVALID")]),
        ({"locale": "German!"}, [("locale", "INVALID")]),
        ({"body": "{% include 'x' %}"}, [("body", "INVALID")]),
    ],
)
async def test_templates_outside_the_subset_are_refused(client, values, expected):
    admin = await client.sign_up()
    payload = await save(client, admin, **{"kind": "task.due", "subject": "ok", **values})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == expected
    assert (await client.execute(TEMPLATES, {}, admin.token))["notificationTemplates"]["totalCount"] == 0


async def test_only_settings_managers_and_only_their_tenant(client, db):
    admin = await client.sign_up()
    rep = await client.add_member(admin, "sales", "rep")
    other = await client.sign_up("Other")
    assert await client.outcome(
        SAVE, {"input": {"kind": "task.due", "subject": "x"}}, rep.token, "saveNotificationTemplate"
    ) == [(None, "PERMISSION_DENIED")]
    assert (await save(client, admin, kind="task.due", subject="Mine"))["errors"] == []
    assert (await client.execute(TEMPLATES, {}, other.token))["notificationTemplates"]["totalCount"] == 0
    gone = await client.mutate(
        DELETE, {"kind": "task.due", "locale": ""}, other.token, "deleteNotificationTemplate"
    )
    assert [(e["field"], e["code"]) for e in gone["errors"]] == [("kind", "NOT_FOUND")]
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", other.tenant_id)
        assert await connection.fetchval("select count(*) from notification_templates") == 0
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        assert await connection.fetchval("select count(*) from notification_templates") == 1
    deleted = await client.mutate(
        DELETE, {"kind": "task.due", "locale": ""}, admin.token, "deleteNotificationTemplate"
    )
    assert deleted == {"deleted": True, "errors": []}
