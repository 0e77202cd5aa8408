"""Full names as people write them: CJK family name first with no space, an explicit order on the
contact, and the same full name for sorting and search."""

from __future__ import annotations

from tests.crm.documents import UPDATE_CONTACT, create_contact
from tests.sales.leads.documents import create_lead

NAMES = """
query($filter: ContactFilter, $orderBy: [ContactOrder!]) {
  contacts(filter: $filter, orderBy: $orderBy) { edges { node { fullName nameOrder } } }
}"""


async def full_names(client, member, **variables):
    data = (await client.execute(NAMES, variables, member.token))["contacts"]
    return [edge["node"]["fullName"] for edge in data["edges"]]


async def test_cjk_names_are_family_name_first_without_a_space(client):
    admin = await client.sign_up()
    wei = await create_contact(client, admin, firstName="伟", lastName="张")
    ada = await create_contact(client, admin, firstName="Ada", lastName="Lovelace")
    lead = await create_lead(client, admin, firstName="娜", lastName="李")

    assert (wei["fullName"], ada["fullName"], lead["fullName"]) == ("张伟", "Ada Lovelace", "李娜")
    assert await full_names(client, admin, filter={"search": "张伟"}) == ["张伟"]
    assert await full_names(client, admin, filter={"search": "ada love"}) == ["Ada Lovelace"]


async def test_sorting_by_name_uses_the_full_name_as_shown(client):
    admin = await client.sign_up()
    for first, last in [("Zed", "Adams"), ("Amy", "Zimmer"), ("Bo", "Young")]:
        await create_contact(client, admin, firstName=first, lastName=last)

    ascending = await full_names(client, admin, orderBy=[{"field": "NAME"}])
    descending = await full_names(client, admin, orderBy=[{"field": "NAME", "direction": "DESC"}])

    assert ascending == ["Amy Zimmer", "Bo Young", "Zed Adams"]
    assert descending == ["Zed Adams", "Bo Young", "Amy Zimmer"]


async def test_an_explicit_name_order_overrides_the_guess(client):
    admin = await client.sign_up()
    ada = await create_contact(client, admin, firstName="Ada", lastName="Lovelace", nameOrder="FAMILY_FIRST")
    wei = await create_contact(client, admin, firstName="伟", lastName="张")

    async def update(contact, version, values):
        variables = {"id": contact["id"], "version": version, "input": values}
        payload = (await client.execute(UPDATE_CONTACT, variables, admin.token))["updateContact"]
        assert payload["errors"] == [], payload
        return payload["contact"]

    given_first = await update(wei, 1, {"nameOrder": "GIVEN_FIRST"})
    searched = await full_names(client, admin, filter={"search": "lovelace ada"})
    guessed_again = await update(wei, 2, {"nameOrder": None})
    renamed = await update(ada, 1, {"firstName": "Augusta Ada"})

    assert ada["fullName"] == "Lovelace Ada"
    assert (given_first["fullName"], given_first["nameOrder"]) == ("伟张", "GIVEN_FIRST")
    assert searched == ["Lovelace Ada"]
    assert (guessed_again["fullName"], guessed_again["nameOrder"]) == ("张伟", None)
    assert renamed["fullName"] == "Lovelace Augusta Ada"
