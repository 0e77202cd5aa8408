"""Schema extensions: the request transaction, error shaping and masking, and request limits."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)

from config.settings import Settings
from graph.core.errors import NUL_MESSAGE, UNAVAILABLE_MESSAGE, data_exception, database_unavailable
from graph.core.scalars import ScalarInputError
from tenants import i18n
from tenants.errors import DomainError, ErrorCode, ValidationErrors

logger = logging.getLogger("crm.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """Parse/validation errors have no original error; domain errors are expected; the rest is a bug."""
    original = error.original_error
    return (
        original is not None
        and not isinstance(original, DomainError | GraphQLError | ScalarInputError)
        and data_exception(original) is None
    )


def is_request_error(error: GraphQLError) -> bool:
    """The client's to fix: the document (syntax, validation, limits) or a value in it that does not parse.

    Parse and validation errors have no cause and no path; a scalar that does not parse (a literal, a
    variable, an id decoded by a resolver) has a `ScalarInputError` or Strawberry coercion error as its
    cause, possibly wrapped by graphql-core in another GraphQLError (variables).
    """
    if error.original_error is None and not error.path:
        return True
    cause: BaseException | None = error
    while isinstance(cause, GraphQLError):
        if isinstance(cause, StrawberryInputCoercionError):
            return True
        cause = cause.original_error
    return isinstance(cause, ScalarInputError)


class RequestLifecycle(SchemaExtension):
    """Ends the request transaction and shapes errors once the operation has run.

    Commits when nothing unexpected failed (payload errors were already rolled back to their
    savepoint), otherwise rolls back, so an operation never half-writes. Domain errors get their code
    in `extensions`; unexpected ones are logged with the request id and, in production, masked.
    """

    def __init__(self, *, production: bool) -> None:
        self.production = production

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        errors = list(getattr(result, "errors", None) or [])
        unexpected = [error for error in errors if is_unexpected(error)]
        # A statement the database refused aborted the transaction: end it without trying to commit.
        refused = any(data_exception(error.original_error) for error in errors)
        locale = None
        outage = any(database_unavailable(error.original_error) for error in errors)
        if refused or outage or any(isinstance(error.original_error, DomainError) for error in errors):
            # Read while the transaction is still open; not when it is aborted or the database is away.
            locale = await context.locale(read=not (refused or unexpected or outage))
        # Shaped before the commit: what is kept with it (an idempotency key's response) is the answer.
        if result is not None and errors:
            result.errors = [self.shape(error, context.request_id, locale) for error in errors]
        try:
            await context.finish(commit=not unexpected and not refused, result=result)
        except Exception as error:  # the commit itself failed: report it instead of the data
            logger.exception("commit failed (request %s)", context.request_id)
            if result is not None:
                result.data = None
                failed = GraphQLError("Could not save the changes.", original_error=error)
                result.errors = [self.shape(failed, context.request_id, locale)]

    def shape(self, error: GraphQLError, request_id: str, locale: str | None = None) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            error.message = i18n.translate(error.message, locale)
            error.extensions = {"code": original.code.value, "field": original.field}
            if isinstance(original, ValidationErrors) and len(original.errors) > 1:
                # Several fields refused at once (a mutation setting fields the role may not set).
                error.extensions["errors"] = [
                    {"field": e.field, "code": e.code.value, "message": i18n.translate(e.message, locale)}
                    for e in original.errors
                ]
            return error
        if database_unavailable(original):
            logger.warning("database unavailable (request %s): %s", request_id, original)
            return GraphQLError(
                i18n.translate(UNAVAILABLE_MESSAGE, locale),
                nodes=error.nodes,
                path=error.path,
                extensions={"code": ErrorCode.UNAVAILABLE.value, "requestId": request_id},
            )
        refused = data_exception(original)
        if refused is not None:
            return GraphQLError(
                i18n.translate(refused.message, locale),
                nodes=error.nodes,
                path=error.path,
                extensions={"code": refused.code.value},
            )
        if is_request_error(error) and "code" not in (error.extensions or {}):
            error.extensions = {**(error.extensions or {}), "code": ErrorCode.INVALID.value}
            return error
        if not is_unexpected(error):
            return error
        logger.error("unexpected error (request %s)", request_id, exc_info=original)
        message = f"Unexpected error (request id {request_id})." if self.production else error.message
        return GraphQLError(
            message,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


class MaxDirectivesRule(ASTValidationRule):
    limit = 20

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.count = 0

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        self.count += 1
        if self.count == self.limit + 1:
            self.report_error(GraphQLError(f"More than {self.limit} directives in one document.", node))


class NoNulCharacterRule(ASTValidationRule):
    """A string literal with U+0000 is refused before execution: PostgreSQL cannot store it in text.

    (In variables it reaches the database, which refuses it; `data_exception` reports that as INVALID.)
    """

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node, extensions={"code": ErrorCode.INVALID.value}))


SWITCH_TENANT = "switchTenant"
SWITCH_TENANT_ALONE_MESSAGE = (
    "switchTenant must be the only field of the only operation in its document: send what follows it "
    "as a separate request, which runs in the new tenant with its role."
)


class SwitchTenantAloneRule(ASTValidationRule):
    """A document that switches tenant does nothing else, refused before anything runs.

    The request's actor (tenant, role, permissions) is fixed when it is authenticated; a field run after
    `switchTenant` in the same document would run with the old role in the new tenant. Checked on the
    whole document (other operations, aliases, fragments at the root), so no spelling slips through.
    """

    def enter_document(self, node: DocumentNode, *_args: Any) -> None:
        operations = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
        switching = [
            operation
            for operation in operations
            if operation.operation is OperationType.MUTATION
            and SWITCH_TENANT in root_field_names(self.context, operation.selection_set)
        ]
        if not switching:
            return
        alone = len(operations) == 1 and root_field_names(self.context, switching[0].selection_set) == [
            SWITCH_TENANT
        ]
        if not alone:
            self.report_error(
                GraphQLError(
                    SWITCH_TENANT_ALONE_MESSAGE, switching[0], extensions={"code": ErrorCode.INVALID.value}
                )
            )


def root_field_names(
    context: ValidationContext, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset()
) -> list[str]:
    """The names of the fields an operation selects at its root, through fragments (`__typename` too)."""
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names.extend(root_field_names(context, selection.selection_set, seen))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = context.get_fragment(selection.name.value)
            if fragment is not None:
                names.extend(root_field_names(context, fragment.selection_set, seen | {selection.name.value}))
    return names


class RefuseNulInVariables(SchemaExtension):
    """A NUL in a variable (a string, or a JSON key or value) is refused before execution.

    Reaching the database it would abort the request's transaction, and with it every other root field
    of the operation. Runs after the validation cache has set the document's own errors.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        path = nul_path(context.variables or {}, "")
        if path is not None:
            message = f"Variable '${path}': {NUL_MESSAGE}"
            error = GraphQLError(message, extensions={"code": ErrorCode.INVALID.value})
            context.pre_execution_errors = [*(context.pre_execution_errors or []), error]
        yield


def nul_path(value: Any, path: str) -> str | None:
    """The path (`input.name`, `tags[2]`) of the first text holding U+0000 in a variables value."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = nul_path(key, f"{path}.{key}".lstrip(".")) or nul_path(item, f"{path}.{key}".lstrip("."))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def directive_limit_rule(limit: int) -> type[ASTValidationRule]:
    return type("MaxDirectivesRule", (MaxDirectivesRule,), {"limit": limit})


def validation_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """The request limits as validation rules (the compiled path validates with the same ones)."""
    return list(limit_rules(settings.max_depth, settings.max_aliases, settings.max_directives))


@functools.cache
def limit_rules(max_depth: int, aliases: int, directives: int) -> tuple[type[ASTValidationRule], ...]:
    """Built once per limits: the validation cache keys on the rule classes themselves."""
    return (
        query_depth_limiter.create_validator(max_depth, None, None),
        max_aliases.create_validator(aliases),
        directive_limit_rule(directives),
        NoNulCharacterRule,
        SwitchTenantAloneRule,
    )


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories, not instances: every operation gets fresh extension state.

    The validation rules themselves are built once per schema: the validation cache keys on the rule
    classes, so rules created per request (as `QueryDepthLimiter(...)` does) would never hit it.
    """
    extensions: list[Callable[[], SchemaExtension]] = [
        functools.partial(RequestLifecycle, production=settings.is_production),
        functools.partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        functools.partial(AddValidationRules, validation_rules(settings)),
        functools.partial(ParserCache, maxsize=512),
        functools.partial(ValidationCache, maxsize=512),
        RefuseNulInVariables,
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    return extensions
