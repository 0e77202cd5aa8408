"""Live account screens: `accountChanged(id)` and `accountsChanged`.

Events come from `graph/crm/accounts.py` (created, updated, deleted, restored); each is re-read through
the CRM's own scoped loader, so a Sales user with scope "own" hears only about their own accounts.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry import relay

from graph.core.ids import decode_id, encode_id
from graph.crm import loaders
from graph.crm.models import ACCOUNT
from graph.crm.types import Account
from graph.live.context import Info, LiveContext
from graph.live.events import Event
from graph.live.stream import DROPPED_TYPE, SUBSCRIBED, Delivery, live_stream, not_found
from tenants.errors import DomainError

ACCOUNT_EVENTS = ("account.created", "account.updated", "account.deleted", "account.restored")
HIDDEN = "account.hidden"


@strawberry.type(
    description=(
        "One change to an account, re-read for you when delivered. `type` is `subscribed` first (the "
        "subscription is live: load your screen now), then `account.created`, `account.updated`, "
        "`account.deleted` or `account.restored`; `account.hidden` when the watched account left your view "
        "(the stream then ends); `dropped` when events were lost (slow reader, server reconnect): refetch."
    )
)
class AccountChange:
    type: str = strawberry.field(description="What happened; see the type's description.")
    account_id: relay.GlobalID | None = strawberry.field(
        description="The account concerned; null for `subscribed` (list) and `dropped`."
    )
    version: int | None = strawberry.field(
        description="The account's version the change produced; compare with the one on screen."
    )
    account: Account | None = strawberry.field(
        description="The account as you may see it now (soft-deleted ones too); null when not applicable."
    )
    dropped: bool = strawberry.field(description="True when events were lost and you should refetch.")


def dropped_change() -> AccountChange:
    return AccountChange(type=DROPPED_TYPE, account_id=None, version=None, account=None, dropped=True)


def is_account_event(event: Event) -> bool:
    return event.type in ACCOUNT_EVENTS


async def visible_account(context: LiveContext, account_id: uuid.UUID) -> Account | None:
    record = await context.loader("accounts_by_id", loaders.accounts_by_id).load(account_id)
    return Account.from_model(record) if record is not None else None


async def account_change(context: LiveContext, event: Event) -> Delivery[AccountChange]:
    account_id = event.id("account")
    account = await visible_account(context, account_id) if account_id else None
    if account is None:
        return Delivery(None)
    return Delivery(
        AccountChange(
            type=event.type,
            account_id=encode_id("Account", account_id),
            version=event.version,
            account=account,
            dropped=False,
        )
    )


AccountId = Annotated[relay.GlobalID, strawberry.argument(description="Global id of the Account to watch.")]


@strawberry.type
class AccountSubscription:
    @strawberry.subscription(
        description=(
            "Changes to one account you may see (NOT_FOUND otherwise). First item: `subscribed` with the "
            "account as it is now."
        )
    )
    async def account_changed(self, info: Info, id: AccountId) -> AsyncGenerator[AccountChange, None]:
        try:
            account_id: uuid.UUID | None = decode_id(id, "Account")
        except DomainError:
            account_id = None  # reported as NOT_FOUND once subscribed, like any invisible account

        async def subscribed(context: LiveContext) -> AccountChange:
            account = await visible_account(context, account_id) if account_id else None
            if account is None:
                raise not_found("account")
            return AccountChange(
                type=SUBSCRIBED, account_id=id, version=account.version, account=account, dropped=False
            )

        async def deliver(context: LiveContext, event: Event) -> Delivery[AccountChange]:
            delivery = await account_change(context, event)
            if delivery.item is None:  # it was visible a moment ago: say so once, then stop
                hidden = AccountChange(type=HIDDEN, account_id=id, version=None, account=None, dropped=False)
                return Delivery(hidden, last=True)
            return delivery

        async for change in live_stream(
            info,
            (ACCOUNT,),
            lambda event: is_account_event(event) and event.id("account") == account_id,
            deliver,
            subscribed,
            dropped_change,
        ):
            yield change

    @strawberry.subscription(
        description=(
            "Changes to every account you may see (your role's record scope applies). First item: "
            "`subscribed`."
        )
    )
    async def accounts_changed(self, info: Info) -> AsyncGenerator[AccountChange, None]:
        async def subscribed(_context: LiveContext) -> AccountChange:
            return AccountChange(type=SUBSCRIBED, account_id=None, version=None, account=None, dropped=False)

        async for change in live_stream(
            info, (ACCOUNT,), is_account_event, account_change, subscribed, dropped_change
        ):
            yield change
