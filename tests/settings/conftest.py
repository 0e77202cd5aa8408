"""Registers a sequence and an option list of its own, as an area would at import time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenants.numbering import SEQUENCES, register_sequence
from tenants.options import OPTION_LISTS, register_option_list


@pytest.fixture(autouse=True)
def test_registrations() -> Iterator[None]:
    register_sequence("test_invoice", "Test invoices", "INV-{YYYY}-{SEQ:4}")
    register_option_list("test_sources", "Test sources", [("web", "Web form"), ("phone", "Phone")])
    yield
    SEQUENCES.pop("test_invoice", None)
    OPTION_LISTS.pop("test_sources", None)
