from __future__ import annotations

from tests.support import ACCEPT, INVITE, PASSWORD, unique_email

ME = "{ me { role { key } tenant { id } } }"


async def invite(client, admin, email, role_key="sales"):
    return (await client.execute(INVITE, {"input": {"email": email, "roleKey": role_key}}, admin.token))[
        "inviteUser"
    ]


async def accept(client, token, password=PASSWORD, full_name="New Person"):
    variables = {"input": {"token": token, "password": password, "fullName": full_name}}
    return (await client.execute(ACCEPT, variables))["acceptInvite"]


async def test_invited_person_joins_with_the_given_role(client):
    admin = await client.sign_up()
    email = unique_email("invitee")

    invitation = await invite(client, admin, email, "manager")
    joined = await accept(client, invitation["token"])

    assert invitation["invitation"]["email"] == email
    assert joined["errors"] == [] and joined["tenant"]["id"] == admin.tenant_id
    me = (await client.execute(ME, token=joined["token"]))["me"]
    assert me == {"role": {"key": "manager"}, "tenant": {"id": admin.tenant_id}}


async def test_invitation_is_single_use(client):
    admin = await client.sign_up()
    invitation = await invite(client, admin, unique_email())
    assert (await accept(client, invitation["token"]))["errors"] == []

    again = await accept(client, invitation["token"])

    assert again["errors"][0]["code"] == "NOT_FOUND"


async def test_expired_invitation_is_refused(client, db):
    admin = await client.sign_up()
    email = unique_email()
    invitation = await invite(client, admin, email)
    connection = await db.connect()
    async with connection.transaction():
        await connection.execute("select set_config('app.tenant_id', $1, true)", admin.tenant_id)
        await connection.execute(
            "update invitations set expires_at = now() - interval '1 minute' where email = $1", email
        )

    expired = await accept(client, invitation["token"])

    assert expired["errors"][0] == {
        "field": "token",
        "code": "EXPIRED",
        "message": expired["errors"][0]["message"],
    }


async def test_existing_user_must_prove_their_password(client):
    inviter = await client.sign_up("Inviter")
    existing = await client.sign_up("Existing")
    invitation = await invite(client, inviter, existing.email)

    wrong = await accept(client, invitation["token"], password="not my password")
    right = await accept(client, invitation["token"], full_name=None)

    assert wrong["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert right["errors"] == [] and right["tenant"]["id"] == inviter.tenant_id


async def test_bad_invitations_and_tokens(client):
    admin = await client.sign_up()
    member = await client.add_member(admin, "sales")

    bad_email = await invite(client, admin, "nope")
    bad_role = await invite(client, admin, unique_email(), "overlord")
    already = await invite(client, admin, member.email)
    not_a_token = await accept(client, "hello")
    forged = await accept(client, "crmi_" + admin.tenant_id.replace("-", "") + "_guessed-secret")
    weak = await accept(client, (await invite(client, admin, unique_email()))["token"], password="short")

    assert bad_email["errors"][0]["field"] == "email" and bad_email["errors"][0]["code"] == "INVALID"
    assert bad_role["errors"][0]["field"] == "roleKey" and bad_role["errors"][0]["code"] == "NOT_FOUND"
    assert already["errors"][0]["code"] == "ALREADY_MEMBER"
    assert not_a_token["errors"][0]["code"] == "INVALID"
    assert forged["errors"][0]["code"] == "NOT_FOUND"
    assert weak["errors"][0]["code"] == "WEAK_PASSWORD" and weak["token"] is None


async def test_only_user_managers_invite(client):
    admin = await client.sign_up()
    for role in ["manager", "sales", "viewer"]:
        member = await client.add_member(admin, role)

        refused = await invite(client, member, unique_email())

        assert refused["token"] is None
        assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
