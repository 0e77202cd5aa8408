"""Custom field definitions and value validation on accounts and contacts, through the API."""

from __future__ import annotations

from tenants.options import register_option_list
from tests.admin.documents import (
    ACCOUNT,
    ARCHIVE_FIELD,
    CREATE_ACCOUNT,
    CREATE_CONTACT,
    CREATE_FIELD,
    FIELDS,
    PURGE_FIELD,
    RESTORE_FIELD,
    UPDATE_ACCOUNT,
    UPDATE_FIELD,
    create,
    define_field,
    error_pairs,
)


async def test_define_fields_and_store_typed_values(client):
    admin = await client.sign_up()
    await define_field(client, admin, "account", "tier", "SINGLE_SELECT", position=2,
                       validation={"options": [{"key": "gold", "label": "Gold"}, {"key": "silver", "label": "Silver"}]})  # fmt: skip
    await define_field(client, admin, "account", "employees", "INTEGER", position=1, validation={"min": 0})
    await define_field(client, admin, "account", "arr", "CURRENCY_AMOUNT", position=3)
    await define_field(
        client, admin, "account", "renewal", "DATE", position=4, required=True, default="2027-01-01"
    )

    account = await create(
        client, admin, "account",
        custom={"tier": "gold", "employees": 120, "arr": {"amount": "1200.50", "currency": "eur"}},
    )  # fmt: skip

    assert account["customFields"] == {
        "employees": 120,
        "tier": "gold",
        "arr": {"amount": "1200.5", "currency": "EUR"},
        "renewal": "2027-01-01",
    }
    values = {v["key"]: v["value"] for v in account["fieldValues"]}
    assert [v["key"] for v in account["fieldValues"]] == ["employees", "tier", "arr", "renewal"]
    assert values["employees"] == {"__typename": "IntegerValue", "integer": 120}
    assert values["tier"] == {"__typename": "OptionValue", "key": "gold", "label": "Gold"}
    assert values["arr"] == {"__typename": "MoneyValue", "amount": "1200.5", "currency": "EUR"}
    assert values["renewal"] == {"__typename": "DateValue", "date": "2027-01-01"}
    listed = (await client.execute(FIELDS, {"objectType": "account"}, admin.token))["fieldDefinitions"][
        "nodes"
    ]
    assert [d["key"] for d in listed] == ["employees", "tier", "arr", "renewal"]
    assert listed[1]["validation"]["options"] == [
        {"key": "gold", "label": "Gold"},
        {"key": "silver", "label": "Silver"},
    ]


async def test_update_merges_values_and_null_clears(client):
    admin = await client.sign_up()
    await define_field(client, admin, "account", "score", "DECIMAL")
    await define_field(client, admin, "account", "website", "URL")
    account = await create(
        client, admin, "account", custom={"score": "1.50", "website": "https://example.com"}
    )

    payload = (
        await client.execute(
            UPDATE_ACCOUNT,
            {"id": account["id"], "version": 1, "input": {"custom": {"score": None}}},
            admin.token,
        )
    )["updateAccount"]

    assert payload["errors"] == []
    assert payload["account"]["customFields"] == {"website": "https://example.com"}
    assert payload["account"]["version"] == 2


BAD_VALUES = [
    ("TEXT", {"validation": {"maxLength": 5, "pattern": "[A-Z]+"}}, "TOOLONG", "TOO_LONG"),
    ("TEXT", {"validation": {"pattern": "[A-Z]+"}}, "abc", "INVALID"),
    ("TEXT", {}, 12, "INVALID"),
    ("LONG_TEXT", {"validation": {"maxLength": 3}}, "abcd", "TOO_LONG"),
    ("INTEGER", {"validation": {"min": 1, "max": 10}}, 11, "INVALID"),
    ("INTEGER", {}, 1.5, "INVALID"),
    ("INTEGER", {}, True, "INVALID"),
    ("INTEGER", {}, 2**40, "INVALID"),
    ("DECIMAL", {"validation": {"scale": 2}}, "1.234", "INVALID"),
    ("DECIMAL", {}, "abc", "INVALID"),
    ("DECIMAL", {"validation": {"max": "9.5"}}, "9.51", "INVALID"),
    ("CURRENCY_AMOUNT", {}, {"amount": "1"}, "INVALID"),
    ("CURRENCY_AMOUNT", {"validation": {"currency": "EUR"}}, {"amount": "1", "currency": "USD"}, "INVALID"),
    ("DATE", {}, "2026-13-01", "INVALID"),
    ("DATE", {"validation": {"min": "2026-01-01"}}, "2025-12-31", "INVALID"),
    ("DATETIME", {}, "2026-11-25T10:00:00", "INVALID"),
    ("BOOLEAN", {}, "yes", "INVALID"),
    ("SINGLE_SELECT", {"validation": {"options": [{"key": "a", "label": "A"}]}}, "b", "INVALID"),
    (
        "MULTI_SELECT",
        {"validation": {"options": [{"key": "a", "label": "A"}], "maxSelected": 1}},
        ["a", "b"],
        "INVALID",
    ),
    ("USER_REFERENCE", {}, "00000000-0000-7000-8000-000000000000", "NOT_FOUND"),
    ("USER_REFERENCE", {}, "not-an-id", "INVALID"),
    (
        "RECORD_REFERENCE",
        {"validation": {"targetType": "contact"}},
        "00000000-0000-7000-8000-000000000000",
        "NOT_FOUND",
    ),
    ("URL", {}, "ftp://example.com", "INVALID"),
    ("EMAIL", {}, "not-an-email", "INVALID"),
    ("PHONE", {}, "call me", "INVALID"),
]


async def test_every_type_refuses_bad_values_with_the_exact_field(client):
    admin = await client.sign_up()
    custom = {}
    for index, (field_type, settings, bad, _) in enumerate(BAD_VALUES):
        key = f"f{index}"
        await define_field(client, admin, "contact", key, field_type, **settings)
        custom[key] = bad

    payload = (
        await client.execute(
            CREATE_CONTACT, {"input": {"firstName": "A", "lastName": "B", "custom": custom}}, admin.token
        )
    )["createContact"]

    assert payload["contact"] is None
    assert sorted(error_pairs(payload)) == sorted(
        (f"custom.f{index}", code) for index, (*_, code) in enumerate(BAD_VALUES)
    )


GOOD_VALUES = [
    ("TEXT", " Hello ", "Hello", {"__typename": "TextValue", "text": "Hello"}),
    ("LONG_TEXT", "Long\ntext", "Long\ntext", {"__typename": "TextValue", "text": "Long\ntext"}),
    ("INTEGER", "42", 42, {"__typename": "IntegerValue", "integer": 42}),
    ("DECIMAL", 2.50, "2.5", {"__typename": "DecimalValue", "decimal": "2.5"}),
    ("DATETIME", "2026-11-25T10:00:00+02:00", "2026-11-25T08:00:00.000000Z",
     {"__typename": "DateTimeValue", "dateTime": "2026-11-25T08:00:00+00:00"}),
    ("BOOLEAN", False, False, {"__typename": "BooleanValue", "boolean": False}),
    ("URL", "https://example.com/a", "https://example.com/a", {"__typename": "TextValue", "text": "https://example.com/a"}),
    ("EMAIL", "Ada@Example.com", "Ada@example.com", {"__typename": "TextValue", "text": "Ada@example.com"}),
    ("PHONE", "+1  555 0100", "+1 555 0100", {"__typename": "TextValue", "text": "+1 555 0100"}),
]  # fmt: skip


async def test_every_type_stores_good_values_canonically(client):
    admin = await client.sign_up()
    custom = {}
    for index, (field_type, given, _, _) in enumerate(GOOD_VALUES):
        await define_field(client, admin, "contact", f"g{index}", field_type)
        custom[f"g{index}"] = given
    await define_field(client, admin, "contact", "buddy", "USER_REFERENCE")
    await define_field(
        client, admin, "contact", "company", "RECORD_REFERENCE", validation={"targetType": "account"}
    )
    await define_field(client, admin, "contact", "labels", "MULTI_SELECT",
                       validation={"options": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]})  # fmt: skip
    account = await create(client, admin, "account")

    contact = await create(
        client, admin, "contact", custom={**custom, "buddy": admin.user_id, "company": account["id"], "labels": ["b", "a", "b"]}
    )  # fmt: skip

    stored = contact["customFields"]
    values = {v["key"]: v["value"] for v in contact["fieldValues"]}
    for index, (_, _, canonical, typed) in enumerate(GOOD_VALUES):
        assert stored[f"g{index}"] == canonical
        assert values[f"g{index}"] == typed
    assert stored["buddy"] == admin.user_id
    assert values["buddy"] == {
        "__typename": "UserValue",
        "userId": admin.user_id,
        "user": {"id": admin.user_id},
    }
    assert values["company"] == {
        "__typename": "RecordValue",
        "objectType": "account",
        "recordId": account["id"],
    }
    assert values["labels"] == {
        "__typename": "OptionsValue",
        "options": [{"key": "b", "label": "B"}, {"key": "a", "label": "A"}],
    }


async def test_required_unknown_and_unique(client):
    admin = await client.sign_up()
    await define_field(client, admin, "account", "code", "TEXT", required=True, unique=True)
    await create(client, admin, "account", custom={"code": "A1"})

    missing = (await client.execute(CREATE_ACCOUNT, {"input": {"name": "X"}}, admin.token))["createAccount"]
    duplicate = (
        await client.execute(CREATE_ACCOUNT, {"input": {"name": "X", "custom": {"code": "A1"}}}, admin.token)
    )["createAccount"]
    unknown = (
        await client.execute(
            CREATE_ACCOUNT, {"input": {"name": "X", "custom": {"code": "B", "nope": 1}}}, admin.token
        )
    )["createAccount"]
    not_object = (await client.execute(CREATE_ACCOUNT, {"input": {"name": "X", "custom": [1]}}, admin.token))[
        "createAccount"
    ]

    assert error_pairs(missing) == [("custom.code", "REQUIRED")]
    assert error_pairs(duplicate) == [("custom.code", "DUPLICATE")]
    assert error_pairs(unknown) == [("custom.nope", "INVALID")]
    assert error_pairs(not_object) == [("custom", "INVALID")]


async def test_definition_input_is_checked(client):
    admin = await client.sign_up()
    cases = [
        ({"key": "Bad Key", "type": "TEXT"}, ("key", "INVALID")),
        ({"key": "a", "type": "TEXT", "validation": {"min": 1}}, ("validation.min", "INVALID")),
        ({"key": "a", "type": "TEXT", "validation": {"pattern": "("}}, ("validation.pattern", "INVALID")),
        ({"key": "a", "type": "SINGLE_SELECT"}, ("validation.options", "REQUIRED")),
        ({"key": "a", "type": "RECORD_REFERENCE"}, ("validation.targetType", "REQUIRED")),
        ({"key": "a", "type": "RECORD_REFERENCE", "validation": {"targetType": "planet"}}, ("validation.targetType", "INVALID")),
        ({"key": "a", "type": "INTEGER", "default": "x"}, ("default", "INVALID")),
        ({"key": "a", "type": "INTEGER", "objectType": "planet"}, ("objectType", "INVALID")),
    ]  # fmt: skip
    for given, expected in cases:
        data = {"objectType": "account", "label": "A", **given}
        payload = (await client.execute(CREATE_FIELD, {"input": data}, admin.token))["createFieldDefinition"]
        assert error_pairs(payload) == [expected], given
    await define_field(client, admin, "account", "a", "TEXT")
    again = (
        await client.execute(
            CREATE_FIELD,
            {"input": {"objectType": "account", "key": "a", "label": "A", "type": "TEXT"}},
            admin.token,
        )
    )["createFieldDefinition"]
    assert error_pairs(again) == [("key", "DUPLICATE")]


async def test_only_field_managers_define_fields(client):
    admin = await client.sign_up()
    manager = await client.add_member(admin, "manager", "manager")
    data = {"objectType": "account", "key": "a", "label": "A", "type": "TEXT"}

    payload = await client.refused(CREATE_FIELD, {"input": data}, manager.token, "createFieldDefinition")

    assert payload == [(None, "PERMISSION_DENIED")]
    definition = await define_field(client, admin, "account", "a", "TEXT")
    update = await client.refused(
        UPDATE_FIELD,
        {"id": definition["id"], "version": 1, "input": {"label": "B"}},
        manager.token,
        "updateFieldDefinition",
    )
    assert update == [(None, "PERMISSION_DENIED")]
    # Reading definitions (for forms) needs only read access to the object type.
    listed = (await client.execute(FIELDS, {"objectType": "account"}, manager.token))["fieldDefinitions"][
        "nodes"
    ]
    assert [d["key"] for d in listed] == ["a"]


async def test_relabel_reorder_and_stale_version(client):
    admin = await client.sign_up()
    definition = await define_field(client, admin, "account", "a", "TEXT")

    renamed = (
        await client.execute(
            UPDATE_FIELD,
            {"id": definition["id"], "version": 1, "input": {"label": "Alpha", "position": 5}},
            admin.token,
        )
    )["updateFieldDefinition"]
    stale = (
        await client.execute(
            UPDATE_FIELD, {"id": definition["id"], "version": 1, "input": {"label": "B"}}, admin.token
        )
    )["updateFieldDefinition"]

    assert renamed["fieldDefinition"]["label"] == "Alpha"
    assert renamed["fieldDefinition"]["position"] == 5
    assert renamed["fieldDefinition"]["version"] == 2
    assert error_pairs(stale) == [("version", "CONFLICT")]


async def test_type_change_blocked_by_incompatible_values_then_allowed(client):
    admin = await client.sign_up()
    definition = await define_field(client, admin, "account", "size", "DECIMAL")
    await create(client, admin, "account", custom={"size": "1.5"})
    await create(client, admin, "account", custom={"size": "2.25"})
    whole = await create(client, admin, "account", custom={"size": 3})

    blocked = (
        await client.execute(
            UPDATE_FIELD, {"id": definition["id"], "version": 1, "input": {"type": "INTEGER"}}, admin.token
        )
    )["updateFieldDefinition"]
    incompatible = (
        await client.execute(
            UPDATE_FIELD, {"id": definition["id"], "version": 1, "input": {"type": "DATE"}}, admin.token
        )
    )["updateFieldDefinition"]

    assert error_pairs(blocked) == [("fieldType", "INVALID")]
    assert blocked["errors"][0]["message"].startswith("2 account record(s)")
    assert error_pairs(incompatible) == [("fieldType", "INVALID")]
    current = (await client.execute(ACCOUNT, {"id": whole["id"]}, admin.token))["account"]
    assert current["customFields"] == {"size": "3"}

    text = await define_field(client, admin, "contact", "choice", "SINGLE_SELECT",
                              validation={"options": [{"key": "a", "label": "A"}]})  # fmt: skip
    contact = await create(client, admin, "contact", custom={"choice": "a"})
    widened = (
        await client.execute(
            UPDATE_FIELD,
            {
                "id": text["id"],
                "version": 1,
                "input": {"type": "MULTI_SELECT", "validation": {"options": [{"key": "a", "label": "A"}]}},
            },
            admin.token,
        )
    )["updateFieldDefinition"]
    assert widened["errors"] == []
    assert widened["fieldDefinition"]["type"] == "MULTI_SELECT"
    from tests.admin.documents import UPDATE_CONTACT

    changed = (
        await client.execute(UPDATE_CONTACT, {"id": contact["id"], "version": 2, "input": {}}, admin.token)
    )["updateContact"]
    assert changed["contact"]["customFields"] == {"choice": ["a"]}


async def test_archive_hides_keeps_restores_and_purge_removes(client):
    admin = await client.sign_up()
    definition = await define_field(client, admin, "account", "legacy", "TEXT")
    account = await create(client, admin, "account", custom={"legacy": "kept"})

    archived = (await client.execute(ARCHIVE_FIELD, {"id": definition["id"]}, admin.token))[
        "archiveFieldDefinition"
    ]
    hidden = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]
    write = (
        await client.execute(
            UPDATE_ACCOUNT,
            {"id": account["id"], "version": 1, "input": {"custom": {"legacy": "x"}}},
            admin.token,
        )
    )["updateAccount"]
    listed = await client.execute(FIELDS, {"objectType": "account", "archived": True}, admin.token)
    early_purge_target = await define_field(client, admin, "account", "live", "TEXT")
    early = (await client.execute(PURGE_FIELD, {"id": early_purge_target["id"]}, admin.token))[
        "purgeFieldDefinition"
    ]
    restored = (await client.execute(RESTORE_FIELD, {"id": definition["id"]}, admin.token))[
        "restoreFieldDefinition"
    ]
    back = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]

    assert archived["fieldDefinition"]["archivedAt"] is not None
    assert hidden["customFields"] == {}
    assert error_pairs(write) == [("custom.legacy", "INVALID")]
    assert [d["key"] for d in listed["fieldDefinitions"]["nodes"]] == ["legacy"]
    assert error_pairs(early) == [("id", "INVALID")]
    assert restored["fieldDefinition"]["archivedAt"] is None
    assert back["customFields"] == {"legacy": "kept"}

    await client.execute(ARCHIVE_FIELD, {"id": definition["id"]}, admin.token)
    purged = (await client.execute(PURGE_FIELD, {"id": definition["id"]}, admin.token))[
        "purgeFieldDefinition"
    ]
    assert purged == {"recordsCleared": 1, "errors": []}
    recreated = await define_field(client, admin, "account", "legacy", "TEXT")
    assert recreated["key"] == "legacy"
    after = (await client.execute(ACCOUNT, {"id": account["id"]}, admin.token))["account"]
    assert after["customFields"] == {}


register_option_list("admin_test_regions", "Regions", [("emea", "EMEA"), ("apac", "APAC")])


async def test_select_fields_can_use_a_tenant_option_list(client):
    admin = await client.sign_up()
    definition = await define_field(client, admin, "account", "region", "SINGLE_SELECT",
                                    validation={"optionList": "admin_test_regions"})  # fmt: skip
    unknown_list = (
        await client.execute(
            CREATE_FIELD,
            {"input": {"objectType": "account", "key": "x", "label": "X", "type": "MULTI_SELECT",
                       "validation": {"optionList": "no_such_list"}}},
            admin.token,
        )
    )["createFieldDefinition"]  # fmt: skip

    account = await create(client, admin, "account", custom={"region": "apac"})
    bad = await client.execute(
        CREATE_ACCOUNT, {"input": {"name": "X", "custom": {"region": "mars"}}}, admin.token
    )

    assert definition["validation"]["optionList"] == "admin_test_regions"
    assert error_pairs(unknown_list) == [("validation.optionList", "NOT_FOUND")]
    assert account["customFields"] == {"region": "apac"}
    assert account["fieldValues"][0]["value"] == {"__typename": "OptionValue", "key": "apac", "label": "APAC"}
    assert error_pairs(bad["createAccount"]) == [("custom.region", "INVALID")]


async def test_unique_holds_under_concurrent_writers_and_is_checked_when_switched_on(client):
    import asyncio

    admin = await client.sign_up()
    await define_field(client, admin, "contact", "badge", "TEXT", unique=True)
    loose = await define_field(client, admin, "contact", "team_code", "TEXT")
    data = {"firstName": "A", "lastName": "B", "custom": {"badge": "B-1"}}

    results = await asyncio.gather(
        *(client.execute(CREATE_CONTACT, {"input": data}, admin.token) for _ in range(3))
    )

    outcomes = sorted(error_pairs(r["createContact"]) for r in results)
    assert outcomes == [[], [("custom.badge", "DUPLICATE")], [("custom.badge", "DUPLICATE")]]
    for _ in range(2):
        await create(client, admin, "contact", custom={"team_code": "T1"})
    switched = (
        await client.execute(
            UPDATE_FIELD, {"id": loose["id"], "version": 1, "input": {"unique": True}}, admin.token
        )
    )["updateFieldDefinition"]
    assert error_pairs(switched) == [("unique", "DUPLICATE")]
