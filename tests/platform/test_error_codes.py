"""docs/errors.md lists every error code a client can receive, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from graph.core.errors import REFUSALS
from tenants.errors import ErrorCode

DOCS = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
# Codes the edge adds on top of the domain's (graph/core/extensions.py).
EDGE_CODES = {"INTERNAL_SERVER_ERROR"}


def documented_codes(text: str) -> list[str]:
    return re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.MULTILINE)


def test_the_error_table_lists_every_code_once():
    documented = documented_codes(DOCS.read_text())
    assert len(documented) == len(set(documented))
    assert set(documented) == {code.value for code in ErrorCode} | EDGE_CODES


def test_the_table_says_where_a_mutation_reports_each_code_as_the_code_does():
    rows = re.findall(
        r"^\| `([A-Z_]+)` \|.*\| (top level|payload|request) \|$", DOCS.read_text(), flags=re.MULTILINE
    )
    assert len(rows) == len(documented_codes(DOCS.read_text()))
    top_level = {code for code, where in rows if where == "top level"}
    assert top_level == {code.value for code in REFUSALS} | EDGE_CODES
    # Answered for the whole HTTP request, before any mutation runs (gateway/idempotency.py).
    assert {code for code, where in rows if where == "request"} == {ErrorCode.IDEMPOTENCY_CONFLICT.value}


def test_the_table_reader_finds_rows_only():
    text = "| code | x |\n| --- | --- |\n| `INVALID` | bad |\nA `NOT_FOUND` in prose.\n| `CYCLE` | c |\n"
    assert documented_codes(text) == ["INVALID", "CYCLE"]


def test_the_edge_codes_are_the_ones_it_sends():
    source = (Path(__file__).resolve().parents[2] / "graph" / "core" / "extensions.py").read_text()
    sent = set(re.findall(r'"code": "([A-Z_]+)"', source))
    assert sent <= EDGE_CODES | {code.value for code in ErrorCode}
    assert sent >= EDGE_CODES
