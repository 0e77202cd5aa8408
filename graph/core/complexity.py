"""What an operation costs against the rate-limit buckets (tenants/rate_limits.py), from its document.

Every selected field counts once per record it can be asked of: a field inside a page counts the page's
size (`first` or `last`, a literal or a variable, at most the page-size cap; a connection without either
counts the default page size, 20), nested pages multiply. The cost in points is 1 for the request plus
1 per 100 such field reads, and 10 per mutation field (a write costs more than the fields it answers).
A point read is 1 point, a page of 50 accounts with four fields 3, `first: 100` of a connection inside
another's 100 a great deal more: exactly what hurts the database. Fragments count where they are
spread. A document that does not parse costs 1 (validation refuses it before anything runs); a field
the schema does not know counts once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    parse,
)

from graph.core.pagination import DEFAULT_PAGE_SIZE

FIELDS_PER_POINT = 100
MUTATION_FIELD_POINTS = 10
MAX_FRAGMENT_DEPTH = 30  # validation refuses cycles, but the cost is counted before validation


class Complexity:
    """Counts operations of one schema; parsed documents are cached by text."""

    def __init__(self, schema: GraphQLSchema, max_page_size: int) -> None:
        self.schema = schema
        self.max_page_size = max_page_size

    def cost(self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None) -> int:
        """The operation's cost in points (at least 1)."""
        page_sizes = tuple(
            sorted((name, value) for name, value in (variables or {}).items() if type(value) is int)
        )
        return self.cached_cost(query, operation_name, page_sizes)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one instance per application, it lives as long
    def cached_cost(
        self, query: str, operation_name: str | None, page_sizes: tuple[tuple[str, int], ...]
    ) -> int:
        try:
            document = parse(query)
        except GraphQLError:
            return 1
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [
            o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)
        ]
        if len(chosen) != 1:
            return 1
        operation = chosen[0]
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 1
        counter = FieldCounter(self, fragments, dict(page_sizes))
        reads = counter.count(root, operation.selection_set, 1, 0)
        points = 1 + reads // FIELDS_PER_POINT
        if operation.operation is OperationType.MUTATION:
            points += MUTATION_FIELD_POINTS * len(operation.selection_set.selections)
        return points


class FieldCounter:
    def __init__(
        self, complexity: Complexity, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, int]
    ) -> None:
        self.complexity = complexity
        self.fragments = fragments
        self.variables = variables

    def count(self, parent: Any, selection_set: SelectionSetNode, multiplier: int, depth: int) -> int:
        if depth > MAX_FRAGMENT_DEPTH:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, multiplier, depth)
            elif isinstance(selection, InlineFragmentNode):
                total += self.count(
                    self.typed(selection, parent), selection.selection_set, multiplier, depth + 1
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self.count(
                        self.typed(fragment, parent), fragment.selection_set, multiplier, depth + 1
                    )
        return total

    def typed(self, fragment: InlineFragmentNode | FragmentDefinitionNode, parent: Any) -> Any:
        if fragment.type_condition is None:
            return parent
        return self.complexity.schema.get_type(fragment.type_condition.name.value)

    def field(self, parent: Any, node: FieldNode, multiplier: int, depth: int) -> int:
        if node.name.value.startswith("__"):
            return 0
        fields = getattr(parent, "fields", None)
        definition = fields.get(node.name.value) if fields else None
        if definition is None:
            return multiplier
        if node.selection_set is None:
            return multiplier
        named = get_named_type(definition.type)
        inner = multiplier * self.page_size(node, named)
        return multiplier + self.count(named, node.selection_set, inner, depth + 1)

    def page_size(self, node: FieldNode, named: Any) -> int:
        """How many records a field can answer: its `first`/`last`, else a connection's default page;
        the lists inside a connection (`nodes`, `edges`) and plain lists count once."""
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return self.bounded(int(value.value))
            if isinstance(value, VariableNode) and value.name.value in self.variables:
                return self.bounded(self.variables[value.name.value])
        connection = isinstance(named, GraphQLObjectType) and named.name.endswith("Connection")
        return DEFAULT_PAGE_SIZE if connection else 1

    def bounded(self, size: int) -> int:
        return max(1, min(size, self.complexity.max_page_size))
