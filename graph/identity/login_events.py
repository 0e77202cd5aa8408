"""The login log as connections: the tenant's (view_audit_log) and your own (`myLoginHistory`)."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry import relay

from graph.core.context import Info
from graph.core.ids import decode_optional_id
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
class LoginEvent:
    id: strawberry.ID
    outcome: LoginOutcome  # type: ignore[valid-type]
    method: LoginMethod  # type: ignore[valid-type]
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
    created_at: datetime
    via_api_key: bool = strawberry.field(description="True for an attempt with an API key.")
    _user_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The member whose account it was (for API keys: the key's creator).")
    async def user(self, info: Info) -> User | None:
        if self._user_id is None:
            return None
        return await info.context.loader("users_by_id", users_by_id).load(self._user_id)

    @classmethod
    def from_row(cls, row: login_log.LoginEvent) -> LoginEvent:
        return cls(
            id=strawberry.ID(str(row.id)),
            outcome=login_log.Outcome(row.outcome),
            method=login_log.Method(row.method),
            reason=row.reason,
            email=row.email,
            client_address=row.client_address,
            user_agent=row.user_agent,
            created_at=row.created_at,
            via_api_key=row.api_key_id is not None,
            _user_id=row.user_id,
        )


@strawberry.input(description="All conditions must hold.")
class LoginEventFilter:
    user_id: relay.GlobalID | None = strawberry.field(default=None, description="Global id of a User.")
    outcome: LoginOutcome | None = None  # type: ignore[valid-type]
    after: datetime | None = strawberry.field(
        default=None, description="Only attempts at or after this time."
    )
    before: datetime | None = strawberry.field(default=None, description="Only attempts before this time.")


@strawberry.type
class LoginEventsQuery:
    @strawberry.field(
        description="Sign-in attempts on the tenant's members' accounts and API keys, newest first "
        "(needs view_audit_log). `first` is capped at 100."
    )
    async def login_events(
        self,
        info: Info,
        filter: LoginEventFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LoginEvent]:
        info.context.actor.require_capability(Capability.VIEW_AUDIT_LOG)
        filter = filter or LoginEventFilter()
        user_id = decode_optional_id(filter.user_id, "User", "filter.userId")
        return await events_page(info, filter, user_id, first, after)

    @strawberry.field(
        description="Your own sign-in attempts in the current tenant, newest first (any member). "
        "`filter.userId` is ignored. `first` is capped at 100."
    )
    async def my_login_history(
        self,
        info: Info,
        filter: LoginEventFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LoginEvent]:
        return await events_page(info, filter or LoginEventFilter(), info.context.actor.user_id, first, after)


async def events_page(
    info: Info, filter: LoginEventFilter, user_id: uuid.UUID | None, first: int | None, after: str | None
) -> Connection[LoginEvent]:
    statement = login_log.login_events_statement(
        user_id=user_id,
        outcome=filter.outcome,
        since=filter.after,
        before=filter.before,
    )
    return await paginate(await info.context.session(), statement, LoginEvent.from_row, first, after)
