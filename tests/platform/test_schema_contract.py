"""The schema contract (gateway/contract.py): the checked-in SDL is the built schema, and the schema keeps
the last release's clients working (removals only after a release marked them @deprecated)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.contract import RELEASE_FILE, SCHEMA_FILE, breaking_changes, built_sdl, check_contract

RELEASE = """
type Query {
  account(id: ID!): Account
  accounts(first: Int, orderBy: AccountOrder): [Account!]!
}
type Account {
  id: ID!
  name: String!
  fax: String @deprecated(reason: "Nobody faxes.")
  legacyCode: String
}
enum AccountOrder { NAME CREATED_AT }
"""


@pytest.fixture(scope="module")
def built() -> str:
    return built_sdl()


def test_the_checked_in_sdl_is_the_built_schema(built):
    assert SCHEMA_FILE.read_text() == built, "run `crm schema export` and commit schema.graphql"


def test_the_schema_keeps_the_release_working(built):
    breaking, _ = breaking_changes(RELEASE_FILE.read_text(), built)
    assert breaking == []


def test_removing_a_field_that_was_not_deprecated_is_breaking():
    current = RELEASE.replace("  legacyCode: String\n", "")

    breaking, announced = breaking_changes(RELEASE, current)

    assert breaking == ["Field Account.legacyCode was removed."]
    assert announced == []


def test_removing_a_deprecated_field_is_allowed():
    current = RELEASE.replace('  fax: String @deprecated(reason: "Nobody faxes.")\n', "")

    assert breaking_changes(RELEASE, current) == ([], ["Field Account.fax was removed."])


def test_type_changes_argument_and_enum_removals_are_breaking():
    current = (
        RELEASE.replace("name: String!", "name: Int!")
        .replace("accounts(first: Int, orderBy: AccountOrder)", "accounts(orderBy: AccountOrder)")
        .replace("NAME CREATED_AT", "NAME")
    )

    breaking, _ = breaking_changes(RELEASE, current)

    assert sorted(breaking) == [
        "Argument Query.accounts(first:) was removed.",
        "Enum value AccountOrder.CREATED_AT was removed.",
        "Field Account.name changed type from String! to Int!.",
    ]


def test_adding_fields_and_types_is_not_breaking():
    current = RELEASE + "type Tag { id: ID! }\n"
    current = current.replace("  name: String!\n", "  name: String!\n  website: String\n")

    assert breaking_changes(RELEASE, current) == ([], [])


def test_a_stale_export_fails_the_check():
    report = check_contract(RELEASE, RELEASE + "\n# edited by hand\n", RELEASE)

    assert report.stale_export and not report.ok


def test_the_command_fails_on_a_breaking_schema(tmp_path):
    release, schema = tmp_path / "release.graphql", tmp_path / "schema.graphql"
    # A release with a query field this schema does not have: removed without a deprecation first.
    release.write_text("type Query {\n  legacyReport: String\n  me: Me\n}\ntype Me { id: ID! }\n")
    schema.write_text(built_sdl())

    result = CliRunner().invoke(app, ["schema", "check", "--schema", str(schema), "--release", str(release)])

    assert result.exit_code == 1
    assert "breaking: Field Query.legacyReport was removed." in result.output
