"""Fixtures of the fast path's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


class OneTrips:
    def __init__(self) -> None:
        self.written = 0  # creates the one-trip statement wrote


@pytest.fixture
def one_trips(app, monkeypatch) -> Iterator[OneTrips]:  # type: ignore[no-untyped-def]
    """Counts one-trip creates, with verify mode off: the fast path's answers are the ones sent (in
    verify mode the executor checks the credential afresh first) and its writes stay."""
    fast_path, counts = app.state.fast_path, OneTrips()
    create_in_one_trip = fast_path.create_in_one_trip

    async def counted(*args: Any, **kwargs: Any) -> Any:
        answer = await create_in_one_trip(*args, **kwargs)
        if answer is not None and hasattr(answer, "created"):
            counts.written += 1
        return answer

    monkeypatch.setattr(fast_path, "create_in_one_trip", counted)
    app.state.graphql.verifies_compiled = False
    yield counts
    app.state.graphql.verifies_compiled = True
