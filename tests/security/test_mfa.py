"""TOTP second factors: enrolment, the login's second step, recovery codes, throttling, tenant rules."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import asyncpg

from tests.security.support import (
    CONFIRM,
    CREATE_KEY,
    DISABLE,
    ENROL,
    ME,
    MY_MFA,
    REGENERATE,
    VERIFY,
    code,
    enrolled,
    login,
    mutate,
    update_settings,
)
from tests.support import ACCEPT, INVITE, error_pairs

SWITCH = "mutation Switch($id: ID!) { switchTenant(tenantId: $id) { errors { code } } }"


async def verify(client, challenge: str, value: str) -> dict:
    return await mutate(client, VERIFY, {"input": {"challenge": challenge, "code": value}}, None, "verifyMfa")


async def test_enrol_confirm_then_login_needs_the_second_step(client):
    admin = await client.sign_up()
    enrolment = await mutate(client, ENROL, {}, admin.token, "enrolMfa")
    uri = urlparse(enrolment["otpauthUri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [enrolment["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["CRM"]
    assert (await client.execute(MY_MFA, token=admin.token))["myMfa"]["pending"] is True

    wrong = await mutate(client, CONFIRM, {"input": {"code": "000000"}}, admin.token, "confirmMfa")
    used = code(enrolment["secret"])
    confirmed = await mutate(client, CONFIRM, {"input": {"code": used}}, admin.token, "confirmMfa")

    assert error_pairs(wrong) == [("code", "INVALID_CODE")]
    assert confirmed["errors"] == []
    assert len(confirmed["recoveryCodes"]) == 10 and len(set(confirmed["recoveryCodes"])) == 10
    status = (await client.execute(MY_MFA, token=admin.token))["myMfa"]
    assert status["enabled"] is True and status["recoveryCodesLeft"] == 10
    step = await login(client, admin.email)
    assert step["token"] is None and step["errors"] == []
    assert step["mfaChallenge"]["purpose"] == "VERIFY"
    challenge = step["mfaChallenge"]["token"]
    # The very code used to confirm (a code computed now would belong to a new 30-second step if one has
    # begun since, and be no replay):
    replayed = await verify(client, challenge, used)
    assert error_pairs(replayed) == [("code", "INVALID_CODE")]
    passed = await verify(client, challenge, code(enrolment["secret"], steps_ahead=1))
    assert passed["errors"] == [] and passed["user"]["email"] == admin.email
    assert (await client.execute(ME, token=passed["token"]))["me"]["user"]["email"] == admin.email
    used_again = await verify(client, challenge, code(enrolment["secret"], steps_ahead=1))
    assert error_pairs(used_again) == [("challenge", "EXPIRED")]


async def test_a_recovery_code_works_once(client):
    admin = await client.sign_up()
    _secret, recovery = await enrolled(client, admin)

    first = await verify(
        client, (await login(client, admin.email))["mfaChallenge"]["token"], recovery[0].upper()
    )
    second = await verify(client, (await login(client, admin.email))["mfaChallenge"]["token"], recovery[0])

    assert first["errors"] == [] and first["token"]
    assert error_pairs(second) == [("code", "INVALID_CODE")]
    assert (await client.execute(MY_MFA, token=admin.token))["myMfa"]["recoveryCodesLeft"] == 9


async def test_wrong_codes_are_limited_per_challenge_even_in_parallel(client):
    admin = await client.sign_up()
    secret, _recovery = await enrolled(client, admin)
    challenge = (await login(client, admin.email))["mfaChallenge"]["token"]

    results = await asyncio.gather(*(verify(client, challenge, "123456") for _ in range(8)))

    codes = sorted(payload["errors"][0]["code"] for payload in results)
    assert codes == ["INVALID_CODE"] * 5 + ["THROTTLED"] * 3
    right_but_late = await verify(client, challenge, code(secret, steps_ahead=1))
    assert error_pairs(right_but_late) == [("challenge", "THROTTLED")]


async def test_wrong_codes_are_limited_per_user_across_challenges(client):
    admin = await client.sign_up()
    secret, _recovery = await enrolled(client, admin)
    for _ in range(2):  # 10 wrong codes, the per-user limit (CRM_MFA_MAX_FAILURES)
        challenge = (await login(client, admin.email))["mfaChallenge"]["token"]
        for _ in range(5):
            assert error_pairs(await verify(client, challenge, "654321")) == [("code", "INVALID_CODE")]

    challenge = (await login(client, admin.email))["mfaChallenge"]["token"]
    refused = await verify(client, challenge, code(secret, steps_ahead=1))

    assert error_pairs(refused) == [("code", "THROTTLED")]
    assert "try again in" in refused["errors"][0]["message"]


async def test_disable_needs_a_code_and_then_login_is_one_step(client):
    admin = await client.sign_up()
    secret, _recovery = await enrolled(client, admin)

    refused = await mutate(client, DISABLE, {"code": "000000"}, admin.token, "disableMfa")
    disabled = await mutate(client, DISABLE, {"code": code(secret, steps_ahead=1)}, admin.token, "disableMfa")

    assert error_pairs(refused) == [("code", "INVALID_CODE")]
    assert disabled == {"ok": True, "errors": []}
    step = await login(client, admin.email)
    assert step["token"] and step["mfaChallenge"] is None
    again = await mutate(client, DISABLE, {"code": code(secret)}, admin.token, "disableMfa")
    assert error_pairs(again) == [(None, "MFA_NOT_ENABLED")]


async def test_regenerated_recovery_codes_replace_the_old_ones(client):
    admin = await client.sign_up()
    secret, old = await enrolled(client, admin)

    fresh = await mutate(
        client, REGENERATE, {"code": code(secret, steps_ahead=1)}, admin.token, "regenerateRecoveryCodes"
    )

    assert fresh["errors"] == [] and len(fresh["recoveryCodes"]) == 10
    challenge = (await login(client, admin.email))["mfaChallenge"]["token"]
    assert error_pairs(await verify(client, challenge, old[0])) == [("code", "INVALID_CODE")]
    assert (await verify(client, challenge, fresh["recoveryCodes"][0]))["token"]


async def test_bad_input_has_exact_errors(client, database_urls):
    admin = await client.sign_up()

    not_enrolled = await mutate(client, CONFIRM, {"input": {"code": "123456"}}, admin.token, "confirmMfa")
    unknown = await verify(client, "crmc_nope", "123456")
    no_challenge_enrol = await mutate(client, ENROL, {"challenge": "crmc_nope"}, None, "enrolMfa")
    anonymous = await mutate(client, ENROL, {}, None, "enrolMfa")
    assert error_pairs(not_enrolled) == [("code", "MFA_NOT_ENABLED")]
    assert error_pairs(unknown) == [("challenge", "NOT_FOUND")]
    assert error_pairs(no_challenge_enrol) == [("challenge", "NOT_FOUND")]
    assert error_pairs(anonymous) == [(None, "UNAUTHENTICATED")]

    secret, _recovery = await enrolled(client, admin)
    twice = await mutate(client, ENROL, {}, admin.token, "enrolMfa")
    assert error_pairs(twice) == [(None, "MFA_ALREADY_ENABLED")]
    challenge = (await login(client, admin.email))["mfaChallenge"]["token"]
    for junk in ["abc", "12345", "1234567", "", "x" * 500]:
        assert error_pairs(await verify(client, challenge, junk)) == [("code", "INVALID_CODE")]
    connection = await asyncpg.connect(database_urls.owner)
    try:
        await connection.execute(
            "update mfa_challenges set expires_at = now() - interval '1 second' where token_hash = $1",
            hashlib.sha256(challenge.encode()).digest(),
        )
    finally:
        await connection.close()
    assert error_pairs(await verify(client, challenge, code(secret, 1))) == [("challenge", "EXPIRED")]


async def test_api_keys_cannot_manage_a_second_factor(client):
    admin = await client.sign_up()
    key = (
        await mutate(
            client, CREATE_KEY, {"input": {"name": "ci", "roleKey": "admin"}}, admin.token, "createApiKey"
        )
    )["secret"]

    refused = await mutate(client, ENROL, {}, key, "enrolMfa")

    assert error_pairs(refused) == [(None, "PERMISSION_DENIED")]


async def test_a_tenant_requiring_mfa_makes_members_enrol_at_login(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "rep")
    await enrolled(client, admin)

    saved = await update_settings(client, admin, mfaRequired="ALL")

    assert saved["errors"] == [] and saved["settings"]["mfaRequired"] == "ALL"
    refused = await client.post(ME, token=member.token)  # the member's session from before the rule
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "MFA_ENROLMENT_REQUIRED"
    step = await login(client, member.email)
    assert step["token"] is None
    assert error_pairs(step) == [(None, "MFA_ENROLMENT_REQUIRED")]
    assert "enrol" in step["errors"][0]["message"]
    challenge = step["mfaChallenge"]
    assert challenge["purpose"] == "ENROL"
    secret = (await mutate(client, ENROL, {"challenge": challenge["token"]}, None, "enrolMfa"))["secret"]
    wrong = await mutate(
        client, CONFIRM, {"input": {"code": "000000", "challenge": challenge["token"]}}, None, "confirmMfa"
    )
    confirmed = await mutate(
        client,
        CONFIRM,
        {"input": {"code": code(secret), "challenge": challenge["token"]}},
        None,
        "confirmMfa",
    )
    assert error_pairs(wrong) == [("code", "INVALID_CODE")]
    assert confirmed["errors"] == [] and len(confirmed["recoveryCodes"]) == 10
    assert confirmed["tenant"]["id"] == member.tenant_node_id
    assert (await client.execute(ME, token=confirmed["token"]))["me"]["user"]["email"] == member.email
    # The verify challenge of a login cannot be used to enrol, nor the other way round.
    verify_challenge = (await login(client, member.email))["mfaChallenge"]["token"]
    assert error_pairs(await mutate(client, ENROL, {"challenge": verify_challenge}, None, "enrolMfa")) == [
        ("challenge", "NOT_FOUND")
    ]
    assert error_pairs(await verify(client, challenge["token"], code(secret, 1))) == [
        ("challenge", "NOT_FOUND")
    ]


async def test_requiring_mfa_for_admins_leaves_other_members_alone(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales", "rep")
    manager = await client.add_member(admin, "admin", "second-admin")
    await enrolled(client, admin)

    assert (await update_settings(client, admin, mfaRequired="ADMINS"))["errors"] == []

    assert (await client.post(ME, token=member.token)).status_code == 200
    assert (await client.post(ME, token=manager.token)).status_code == 403
    assert (await login(client, member.email))["token"]
    assert error_pairs(await login(client, manager.email)) == [(None, "MFA_ENROLMENT_REQUIRED")]


async def test_requiring_mfa_without_your_own_factor_is_refused(client):
    admin = await client.sign_up()

    refused = await update_settings(client, admin, mfaRequired="ADMINS")

    assert error_pairs(refused) == [("mfaRequired", "WOULD_LOCK_YOU_OUT")]


async def test_a_required_factor_cannot_be_turned_off(client):
    admin = await client.sign_up()
    secret, _recovery = await enrolled(client, admin)
    await update_settings(client, admin, mfaRequired="ALL")

    refused = await mutate(client, DISABLE, {"code": code(secret, 1)}, admin.token, "disableMfa")

    assert error_pairs(refused) == [(None, "MFA_REQUIRED")]


async def test_challenges_expire(client):
    """A login challenge lives CRM_MFA_CHALLENGE_MINUTES (5): the one returned says when."""
    admin = await client.sign_up()
    await enrolled(client, admin)

    challenge = (await login(client, admin.email))["mfaChallenge"]

    expires = datetime.fromisoformat(challenge["expiresAt"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)


async def test_switching_into_a_tenant_that_requires_mfa_is_refused(client):
    home = await client.sign_up("Home")
    strict_admin = await client.sign_up("Strict")
    await enrolled(client, strict_admin)
    await update_settings(client, strict_admin, mfaRequired="ALL")
    invited = await client.execute(
        INVITE, {"input": {"email": home.email, "roleKey": "viewer"}}, strict_admin.token
    )
    assert invited["inviteUser"]["errors"] == []
    # An existing user accepts signed in as themselves (never with a password).
    await client.execute(ACCEPT, {"input": {"token": invited["inviteUser"]["token"]}}, home.token)

    refused = (await client.execute(SWITCH, {"id": strict_admin.tenant_node_id}, home.token))["switchTenant"]

    assert refused["errors"] == [{"code": "MFA_ENROLMENT_REQUIRED"}]
    assert (await client.execute(ME, token=home.token))["me"]["tenant"]["id"] == home.tenant_node_id
