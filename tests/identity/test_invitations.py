from __future__ import annotations

from tests.support import ACCEPT, INVITE, PASSWORD, unique_email

ME = "{ me { role { key } tenant { id } } }"


async def invite(client, admin, email, role_key="sales"):
    return await client.mutate(
        INVITE, {"input": {"email": email, "roleKey": role_key}}, admin.token, "inviteUser"
    )


async def accept(client, token, password=PASSWORD, full_name="New Person"):
    variables = {"input": {"token": token, "password": password, "fullName": full_name}}
    return (await client.execute(ACCEPT, variables))["acceptInvite"]


async def test_invited_person_joins_with_the_given_role(client):
    admin = await client.sign_up()
    email = unique_email("invitee")

    invitation = await invite(client, admin, email, "manager")
    joined = await accept(client, invitation["token"])

    assert invitation["invitation"]["email"] == email
    assert joined["errors"] == [] and joined["tenant"]["id"] == admin.tenant_node_id
    me = (await client.execute(ME, token=joined["token"]))["me"]
    assert me == {"role": {"key": "manager"}, "tenant": {"id": admin.tenant_node_id}}


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


async def accept_signed_in(client, token, member):
    return await client.mutate(ACCEPT, {"input": {"token": token}}, member.token, "acceptInvite")


async def memberships(client, member):
    me = await client.execute("{ me { memberships { tenant { id } role { key } } } }", token=member.token)
    return {m["tenant"]["id"]: m["role"]["key"] for m in me["me"]["memberships"]}


EMPTY = {"token": None, "user": None, "tenant": None, "errors": []}


async def test_an_invitation_cannot_test_an_existing_users_password(client):
    inviter = await client.sign_up("Inviter")
    victim = await client.sign_up("Victim")
    invitation = await invite(client, inviter, victim.email, "viewer")

    right = await accept(client, invitation["token"], password=PASSWORD)
    wrong = await accept(client, invitation["token"], password="not the password at all")

    # Whatever password is typed, nothing is joined and the answer is the same empty success.
    assert right == wrong == EMPTY
    assert await memberships(client, victim) == {victim.tenant_node_id: "admin"}


async def test_an_existing_user_accepts_signed_in_as_themselves(client):
    inviter = await client.sign_up("Inviter")
    existing = await client.sign_up("Existing")
    invitation = await invite(client, inviter, existing.email.upper(), "viewer")

    joined = await accept_signed_in(client, invitation["token"], existing)
    again = await accept_signed_in(client, invitation["token"], existing)

    assert joined == {
        "token": None,
        "user": {"id": existing.user_id, "email": existing.email},
        "tenant": {"id": inviter.tenant_node_id},
        "errors": [],
    }
    assert again["errors"][0]["code"] == "NOT_FOUND"
    assert await memberships(client, existing) == {
        existing.tenant_node_id: "admin",
        inviter.tenant_node_id: "viewer",
    }
    switched = await client.execute(
        "mutation($id: ID!) { switchTenant(tenantId: $id) { tenant { id } } }",
        {"id": inviter.tenant_node_id},
        existing.token,
    )
    assert switched["switchTenant"]["tenant"]["id"] == inviter.tenant_node_id


async def test_only_the_invited_address_accepts(client):
    inviter = await client.sign_up("Inviter")
    invited = await client.sign_up("Invited")
    someone_else = await client.sign_up("Someone")
    invitation = await invite(client, inviter, invited.email)
    key = await client.execute(
        'mutation { createApiKey(input: {name: "k", roleKey: "admin"}) { secret } }', token=invited.token
    )

    wrong_user = await accept_signed_in(client, invitation["token"], someone_else)
    with_a_key = await client.refused(
        ACCEPT, {"input": {"token": invitation["token"]}}, key["createApiKey"]["secret"], "acceptInvite"
    )

    assert wrong_user["errors"] == [
        {"field": "token", "code": "PERMISSION_DENIED", "message": wrong_user["errors"][0]["message"]}
    ]
    assert with_a_key == [("token", "PERMISSION_DENIED")]
    assert await memberships(client, someone_else) == {someone_else.tenant_node_id: "admin"}
    assert (await accept_signed_in(client, invitation["token"], invited))["errors"] == []


async def test_accepting_answers_alike_for_new_and_existing_addresses(client):
    inviter = await client.sign_up("Inviter")
    existing = await client.sign_up("Existing")
    for_existing = (await invite(client, inviter, existing.email))["token"]
    for_new = (await invite(client, inviter, unique_email()))["token"]

    answers = {}
    for label, token in (("existing", for_existing), ("new", for_new)):
        no_name = await accept(client, token, full_name=None)
        weak = await accept(client, token, password="short")
        answers[label] = [(e["field"], e["code"], e["message"]) for e in no_name["errors"] + weak["errors"]]

    assert answers["existing"] == answers["new"]
    assert [(field, code) for field, code, _ in answers["new"]] == [
        ("fullName", "REQUIRED"),
        ("password", "WEAK_PASSWORD"),
    ]


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

        assert refused["refused"] and refused["errors"][0]["code"] == "PERMISSION_DENIED"


async def test_an_invitation_lapses_when_its_sender_no_longer_holds_its_role(client):
    admin = await client.sign_up()
    second = await client.add_member(admin, "admin", "second")
    invitation = await invite(client, second, unique_email(), "admin")
    roles = {
        r["key"]: r["id"]
        for r in (await client.execute("{ roles { nodes { id key } } }", token=admin.token))["roles"]["nodes"]
    }
    demoted = await client.execute(
        "mutation($u: ID!, $r: ID!) { assignRole(userId: $u, roleId: $r) { errors { code } } }",
        {"u": second.user_id, "r": roles["sales"]},
        admin.token,
    )

    lapsed = await accept(client, invitation["token"])

    assert demoted["assignRole"]["errors"] == []
    assert [(e["field"], e["code"]) for e in lapsed["errors"]] == [("token", "EXPIRED")] and lapsed[
        "token"
    ] is None


async def test_accepting_signed_in_leaves_the_rest_of_the_request_in_the_sessions_tenant(client):
    inviter = await client.sign_up("Inviter")
    existing = await client.sign_up("Existing")
    token = (await invite(client, inviter, existing.email))["token"]
    both = """mutation($t: String!) {
      acceptInvite(input: {token: $t}) { tenant { id } errors { code } }
      createApiKey(input: {name: "after", roleKey: "viewer"}) { errors { code } }
    }"""

    data = await client.execute(both, {"t": token}, existing.token)
    keys = (await client.execute("{ apiKeys { nodes { name } } }", token=existing.token))["apiKeys"]["nodes"]

    assert data == {
        "acceptInvite": {"tenant": {"id": inviter.tenant_node_id}, "errors": []},
        "createApiKey": {"errors": []},
    }
    assert keys == [{"name": "after"}]
