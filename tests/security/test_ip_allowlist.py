"""The tenant's IP allowlist: applied to sessions, API keys and logins with HTTP 403 FORBIDDEN_NETWORK;
validated; an admin cannot save a list that excludes the address they save it from."""

from __future__ import annotations

from tests.security.support import (
    CREATE_KEY,
    ME,
    SECURITY_SETTINGS,
    UPDATE_SETTINGS,
    client_at,
    login,
    mutate,
    update_settings,
)
from tests.support import ACCEPT, INVITE, error_pairs

OFFICE = "10.77.0.0/16"
SWITCH = "mutation Switch($id: ID!) { switchTenant(tenantId: $id) { errors { code } } }"


async def test_sessions_and_api_keys_outside_the_allowlist_get_403(app):
    async with client_at(app, "10.77.1.1") as office, client_at(app, "192.0.2.9") as cafe:
        admin = await office.sign_up()
        key = (
            await mutate(
                office,
                CREATE_KEY,
                {"input": {"name": "ci", "roleKey": "viewer"}},
                admin.token,
                "createApiKey",
            )
        )["secret"]

        saved = await update_settings(office, admin, ipAllowlist=[OFFICE, "2001:db8::/32"])

        assert saved["errors"] == [] and saved["settings"]["ipAllowlist"] == [OFFICE, "2001:db8::/32"]
        for credential in (admin.token, key):
            refused = await cafe.post(ME, token=credential)
            assert refused.status_code == 403
            error = refused.json()["errors"][0]
            assert error["extensions"]["code"] == "FORBIDDEN_NETWORK"
            assert "192.0.2.9" in error["message"] and "allowlist" in error["message"]
            assert (await office.post(ME, token=credential)).status_code == 200


async def test_login_from_outside_the_allowlist_is_refused(app):
    async with client_at(app, "10.77.1.2") as office, client_at(app, "192.0.2.10") as cafe:
        admin = await office.sign_up()
        await update_settings(office, admin, ipAllowlist=[OFFICE])

        refused = await login(cafe, admin.email)
        allowed = await login(office, admin.email)

        assert refused["refused"] and error_pairs(refused) == [(None, "FORBIDDEN_NETWORK")]
        assert allowed["token"]


async def test_ipv6_clients_match_ipv6_networks(app):
    async with client_at(app, "2001:db8::5") as office, client_at(app, "2001:db9::5") as outside:
        admin = await office.sign_up()
        assert (await update_settings(office, admin, ipAllowlist=["2001:db8::/32"]))["errors"] == []

        assert (await office.post(ME, token=admin.token)).status_code == 200
        assert (await outside.post(ME, token=admin.token)).status_code == 403


async def test_saving_a_list_that_excludes_yourself_is_refused(app):
    async with client_at(app, "10.78.0.1") as office:
        admin = await office.sign_up()

        refused = await update_settings(office, admin, ipAllowlist=["192.0.2.0/24"])

        assert error_pairs(refused) == [("ipAllowlist", "WOULD_LOCK_YOU_OUT")]
        assert "10.78.0.1" in refused["errors"][0]["message"]
        assert (await office.execute(SECURITY_SETTINGS, token=admin.token))["securitySettings"][
            "ipAllowlist"
        ] == []
        assert (await office.post(ME, token=admin.token)).status_code == 200


async def test_an_empty_list_lets_every_address_in_again(app):
    async with client_at(app, "10.77.2.1") as office, client_at(app, "192.0.2.11") as cafe:
        admin = await office.sign_up()
        await update_settings(office, admin, ipAllowlist=[OFFICE])
        assert (await cafe.post(ME, token=admin.token)).status_code == 403

        cleared = await update_settings(office, admin, ipAllowlist=[])

        assert cleared["errors"] == []
        assert (await cafe.post(ME, token=admin.token)).status_code == 200


async def test_bad_networks_have_exact_errors(client):
    admin = await client.sign_up()
    cases = [
        (["10.0.0.300/8"], [("ipAllowlist.0", "INVALID")]),
        (["10.0.0.0/8", "10.0.0.1/8"], [("ipAllowlist.1", "INVALID")]),  # host bits set
        (["10.0.0.0/8", "10.0.0.0/8"], [("ipAllowlist.1", "DUPLICATE")]),
        (["example.com"], [("ipAllowlist.0", "INVALID")]),
        (["1" * 65], [("ipAllowlist.0", "TOO_LONG")]),
        ([f"10.{i // 250}.{i % 250}.0/24" for i in range(101)], [("ipAllowlist", "INVALID")]),
    ]
    for networks, expected in cases:
        payload = await update_settings(client, admin, ipAllowlist=networks)
        assert error_pairs(payload) == expected, networks
    # A NUL is refused before execution, naming the variable (graph/core/extensions.py).
    nul = await client.errors(
        UPDATE_SETTINGS, {"version": 1, "input": {"ipAllowlist": ["10.0.0.0/8\u0000"]}}, admin.token
    )
    assert nul[0]["extensions"]["code"] == "INVALID" and "ipAllowlist[0]" in nul[0]["message"]
    host = await update_settings(client, admin, ipAllowlist=["0.0.0.0/0"])
    assert host["errors"] == [] and host["settings"]["ipAllowlist"] == ["0.0.0.0/0"]


async def test_other_settings_are_validated_and_versioned(client):
    admin = await client.sign_up()
    cases = [
        ({"sessionIdleMinutes": 4}, [("sessionIdleMinutes", "INVALID")]),
        ({"sessionIdleMinutes": 525_601}, [("sessionIdleMinutes", "INVALID")]),
        ({"sessionMaxHours": 0}, [("sessionMaxHours", "INVALID")]),
        ({"sessionMaxHours": 8_785}, [("sessionMaxHours", "INVALID")]),
    ]
    for values, expected in cases:
        assert error_pairs(await update_settings(client, admin, **values)) == expected, values

    saved = await update_settings(client, admin, sessionIdleMinutes=60, sessionMaxHours=12)
    stale = await mutate(
        client,
        UPDATE_SETTINGS,
        {"version": 0, "input": {"sessionMaxHours": 2}},
        admin.token,
        "updateSecuritySettings",
    )
    back_to_default = await update_settings(client, admin, sessionIdleMinutes=None)

    assert saved["settings"] == {
        "ipAllowlist": [],
        "sessionIdleMinutes": 60,
        "sessionMaxHours": 12,
        "effectiveSessionIdleMinutes": 60,
        "effectiveSessionMaxHours": 12,
        "mfaRequired": "NONE",
        "version": 1,
    }
    assert error_pairs(stale) == [("version", "CONFLICT")]
    assert back_to_default["settings"]["sessionIdleMinutes"] is None
    assert back_to_default["settings"]["effectiveSessionIdleMinutes"] == 7 * 24 * 60
    assert back_to_default["settings"]["sessionMaxHours"] == 12


async def test_security_settings_need_manage_settings(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "manager", "boss")

    reading = await client.errors(SECURITY_SETTINGS, token=member.token)
    writing = await mutate(
        client,
        UPDATE_SETTINGS,
        {"version": 0, "input": {"ipAllowlist": []}},
        member.token,
        "updateSecuritySettings",
    )

    assert reading[0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert error_pairs(writing) == [(None, "PERMISSION_DENIED")]


async def test_one_tenants_allowlist_does_not_touch_another_tenant(app):
    async with client_at(app, "10.77.3.1") as office, client_at(app, "192.0.2.12") as cafe:
        strict = await office.sign_up("Strict")
        await update_settings(office, strict, ipAllowlist=[OFFICE])
        other = await cafe.sign_up("Open")

        assert (await cafe.post(ME, token=other.token)).status_code == 200
        assert (await cafe.execute(SECURITY_SETTINGS, token=other.token))["securitySettings"][
            "ipAllowlist"
        ] == []


async def test_switching_into_a_tenant_from_outside_its_allowlist_is_refused(app):
    async with client_at(app, "10.77.4.1") as office, client_at(app, "192.0.2.13") as cafe:
        strict = await office.sign_up("Strict")
        await update_settings(office, strict, ipAllowlist=[OFFICE])
        home = await cafe.sign_up("Home")
        invited = await office.execute(
            INVITE, {"input": {"email": home.email, "roleKey": "viewer"}}, strict.token
        )
        # An existing user accepts signed in as themselves (never with a password).
        await office.execute(ACCEPT, {"input": {"token": invited["inviteUser"]["token"]}}, home.token)

        refused = await cafe.refused(SWITCH, {"id": strict.tenant_node_id}, home.token, "switchTenant")
        allowed = (await office.execute(SWITCH, {"id": strict.tenant_node_id}, home.token))["switchTenant"]

        assert refused == [(None, "FORBIDDEN_NETWORK")]
        assert allowed["errors"] == []


async def test_ipv4_mapped_addresses_match_ipv4_networks(app):
    """A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d."""
    async with client_at(app, "::ffff:10.77.5.1") as mapped, client_at(app, "::ffff:192.0.2.14") as outside:
        admin = await mapped.sign_up()
        assert (await update_settings(mapped, admin, ipAllowlist=[OFFICE]))["errors"] == []

        assert (await mapped.post(ME, token=admin.token)).status_code == 200
        assert (await outside.post(ME, token=admin.token)).status_code == 403
