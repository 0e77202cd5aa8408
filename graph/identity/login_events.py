"""The login log as connections: the tenant's (view_audit_log) and your own (`myLoginHistory`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.filters import After, Before, First, Last
from graph.core.ids import decode_optional_id, nodes_in_order
from graph.core.pagination import Connection, paginate
from graph.identity.loaders import users_by_id
from graph.identity.types import User
from tenants import login_log
from tenants.permissions import Capability

LoginOutcome = strawberry.enum(
    login_log.Outcome, name="LoginOutcome", description="How a sign-in attempt ended."
)
LoginMethod = strawberry.enum(
    login_log.Method, name="LoginMethod", description="How someone tried to sign in."
)


@strawberry.type(
    description="One sign-in attempt on a member's account (or with one of the tenant's API keys)."
)
class LoginEvent(relay.Node):
    id: relay.NodeID[str]
    outcome: LoginOutcome = strawberry.field(description="How it ended.")  # type: ignore[valid-type]
    method: LoginMethod = strawberry.field(description="How it was tried.")  # type: ignore[valid-type]
    reason: str | None = strawberry.field(
        description="Why it failed or was throttled: wrong_password, inactive_user, not_a_member, "
        "locked_account_address, locked_account, locked_address, rejected_key."
    )
    email: str | None = strawberry.field(description="The email typed in (null for API keys).")
    client_address: str | None = strawberry.field(
        description="The client's address (the forwarded one when the request came through a trusted proxy)."
    )
    user_agent: str | None = strawberry.field(
        description="The client's User-Agent header, cut at 512 characters."
    )
    occurred_at: datetime = strawberry.field(description="When the attempt was made.")
    via_api_key: bool = strawberry.field(description="True for an attempt with an API key.")
    _user_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The member whose account it was (for API keys: the key's creator).")
    async def user(self, info: Info) -> User | None:
        if self._user_id is None:
            return None
        return await info.context.loader("users_by_id", users_by_id).load(self._user_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[LoginEvent | None]:
        """The tenant's events for view_audit_log holders, else your own (as the two lists)."""
        actor = info.context.actor
        user_id = None if actor.permissions.has(Capability.VIEW_AUDIT_LOG) else actor.user_id

        async def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, LoginEvent]:
            statement = login_log.login_events_statement(user_id=user_id).where(
                login_log.LoginEvent.id.in_(ids)
            )
            rows = await (await info.context.session()).scalars(statement)
            return {row.id: cls.from_row(row) for row in rows}

        return await nodes_in_order(node_ids, load)

    @classmethod
    def from_row(cls, row: login_log.LoginEvent) -> LoginEvent:
        return cls(
            id=str(row.id),
            outcome=login_log.Outcome(row.outcome),
            method=login_log.Method(row.method),
            reason=row.reason,
            email=row.email,
            client_address=row.client_address,
            user_agent=row.user_agent,
            occurred_at=row.created_at,
            via_api_key=row.api_key_id is not None,
            _user_id=row.user_id,
        )


@strawberry.input(description="All conditions must hold.")
class LoginEventFilter:
    user_id: relay.GlobalID | None = strawberry.field(default=None, description="Global id of a User.")
    outcome: LoginOutcome | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only attempts that ended this way."
    )
    after: datetime | None = strawberry.field(
        default=None, description="Only attempts at or after this time."
    )
    before: datetime | None = strawberry.field(default=None, description="Only attempts before this time.")


EventFilter = Annotated[
    LoginEventFilter | None, strawberry.argument(description="Conditions; left out: every attempt.")
]


@strawberry.type
class LoginEventsQuery:
    @strawberry.field(
        description="Sign-in attempts on the tenant's members' accounts and API keys, newest first "
        "(needs view_audit_log). `first` is capped at 100."
    )
    async def login_events(
        self,
        info: Info,
        filter: EventFilter = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LoginEvent]:
        info.context.actor.require_capability(Capability.VIEW_AUDIT_LOG)
        filter = filter or LoginEventFilter()
        user_id = decode_optional_id(filter.user_id, "User", "filter.userId")
        return await events_page(info, filter, user_id, (first, after, before, last))

    @strawberry.field(
        description="Your own sign-in attempts in the current tenant, newest first (any member). "
        "`filter.userId` is ignored. `first` is capped at 100."
    )
    async def my_login_history(
        self,
        info: Info,
        filter: EventFilter = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[LoginEvent]:
        user_id = info.context.actor.user_id
        return await events_page(info, filter or LoginEventFilter(), user_id, (first, after, before, last))


async def events_page(
    info: Info, filter: LoginEventFilter, user_id: uuid.UUID | None, page: tuple[Any, ...]
) -> Connection[LoginEvent]:
    statement = login_log.login_events_statement(
        user_id=user_id,
        outcome=filter.outcome,
        since=filter.after,
        before=filter.before,
    )
    return await paginate(await info.context.session(), statement, LoginEvent.from_row, *page)
