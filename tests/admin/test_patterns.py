"""Custom-field patterns cannot stall the server: they run on re2 (linear time), within length bounds."""

from __future__ import annotations

import asyncio
import time

from tests.admin.documents import CREATE_ACCOUNT, CREATE_FIELD, define_field, error_pairs

ME = "{ me { user { email } } }"


async def create_field(client, admin, validation):
    data = {"objectType": "account", "key": "code", "label": "Code", "type": "TEXT", "validation": validation}
    return (await client.execute(CREATE_FIELD, {"input": data}, admin.token))["createFieldDefinition"]


async def test_catastrophic_pattern_is_answered_in_milliseconds_while_others_stay_fast(client):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    await define_field(client, admin, "account", "code", "TEXT", validation={"pattern": "(a+)+b"})
    attack = {"input": {"name": "Acme", "custom": {"code": "a" * 30 + "c"}}}

    started = time.perf_counter()
    attacked, bystander = await asyncio.gather(
        client.execute(CREATE_ACCOUNT, attack, admin.token), client.execute(ME, None, other.token)
    )
    elapsed = time.perf_counter() - started

    assert error_pairs(attacked["createAccount"]) == [("custom.code", "INVALID")]
    assert bystander["me"]["user"]["email"] == other.email
    assert elapsed < 2.0
    matching = {"input": {"name": "Acme", "custom": {"code": "a" * 30 + "b"}}}
    created = (await client.execute(CREATE_ACCOUNT, matching, admin.token))["createAccount"]
    assert created["errors"] == []


async def test_patterns_re2_cannot_run_are_refused_at_definition(client):
    admin = await client.sign_up()
    for pattern in (r"(a)\1", r"(?=a)a", r"(?<=a)b", "("):
        payload = await create_field(client, admin, {"pattern": pattern})
        assert error_pairs(payload) == [("validation.pattern", "INVALID")], pattern
        assert payload["errors"][0]["message"].startswith("Not a pattern the server can run"), payload


async def test_pattern_and_value_lengths_are_bounded(client):
    admin = await client.sign_up()
    too_long = await create_field(client, admin, {"pattern": "a" * 201})
    assert error_pairs(too_long) == [("validation.pattern", "INVALID")]
    assert too_long["errors"][0]["message"] == "Give a pattern of 1-200 characters."
    huge_repeat = await create_field(client, admin, {"pattern": "(a{1000}){1000}"})
    assert error_pairs(huge_repeat) == [("validation.pattern", "INVALID")]

    await define_field(client, admin, "account", "code", "LONG_TEXT", validation={"pattern": "[a-z]*"})
    long_value = {"input": {"name": "Acme", "custom": {"code": "a" * 10_001}}}
    refused = (await client.execute(CREATE_ACCOUNT, long_value, admin.token))["createAccount"]
    assert error_pairs(refused) == [("custom.code", "TOO_LONG")]
