"""The schema contract: the SDL checked into the repository and the breaking changes since the release.

`schema.graphql` (the repository's root) is the schema as built, exported by `crm schema export`;
`contract/release.graphql` is the SDL of the last release. `crm schema check` (and CI, through
tests/platform/test_schema_contract.py) fails when the checked-in SDL is not the built one, or when the
built schema breaks the release for its clients (graphql-core's `find_breaking_changes`): a removed
field, argument or enum value passes only if the release already marked it `@deprecated`, which is
how the schema evolves (deprecate in one release, remove in a later one).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from graphql import BreakingChangeType, GraphQLSchema, build_schema, find_breaking_changes

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schema.graphql"
RELEASE_FILE = ROOT / "contract" / "release.graphql"

FIELD_REMOVED = re.compile(r"Field (\w+)\.(\w+) was removed\.")
ARG_REMOVED = re.compile(r"Argument (\w+)\.(\w+)\((\w+):\) was removed\.")
VALUE_REMOVED = re.compile(r"Enum value (\w+)\.(\w+) was removed\.")


@functools.cache
def built_sdl() -> str:
    """The SDL of the schema this code builds (the same whatever the settings: they change only
    extensions and exposure, not types)."""
    from config.settings import Settings
    from graph.schema import build_schema as build_api_schema

    return build_api_schema(Settings(_env_file=None)).as_str().rstrip() + "\n"  # type: ignore[call-arg]


@dataclass(frozen=True)
class ContractReport:
    stale_export: bool  # the checked-in SDL is not the built schema
    breaking: list[str]  # changes that break clients of the release
    deprecated_removals: list[str]  # removals the release had announced with @deprecated

    @property
    def ok(self) -> bool:
        return not self.stale_export and not self.breaking


def check_contract(current: str, checked_in: str, release: str) -> ContractReport:
    breaking, announced = breaking_changes(release, current)
    return ContractReport(current != checked_in, breaking, announced)


def breaking_changes(release_sdl: str, current_sdl: str) -> tuple[list[str], list[str]]:
    """(breaking changes, removals of what the release had deprecated)."""
    release, current = schema_of(release_sdl), schema_of(current_sdl)
    breaking, announced = [], []
    for change in find_breaking_changes(release, current):
        if deprecated_in(release, change.type, change.description):
            announced.append(change.description)
        else:
            breaking.append(change.description)
    return breaking, announced


@functools.lru_cache(maxsize=4)
def schema_of(sdl: str) -> GraphQLSchema:
    """The schema of an SDL text (about a second for ours: kept for the next check of the same text)."""
    return build_schema(sdl)


def deprecated_in(release: GraphQLSchema, kind: BreakingChangeType, description: str) -> bool:
    if kind is BreakingChangeType.FIELD_REMOVED and (match := FIELD_REMOVED.fullmatch(description)):
        fields = getattr(release.get_type(match[1]), "fields", {})
        return match[2] in fields and fields[match[2]].deprecation_reason is not None
    if kind is BreakingChangeType.ARG_REMOVED and (match := ARG_REMOVED.fullmatch(description)):
        field = getattr(release.get_type(match[1]), "fields", {}).get(match[2])
        argument = field.args.get(match[3]) if field is not None else None
        return argument is not None and argument.deprecation_reason is not None
    if kind is BreakingChangeType.VALUE_REMOVED_FROM_ENUM and (match := VALUE_REMOVED.fullmatch(description)):
        values = getattr(release.get_type(match[1]), "values", {})
        return match[2] in values and values[match[2]].deprecation_reason is not None
    return False
