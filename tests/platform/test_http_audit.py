"""The reference GraphQL-over-HTTP audit (graphql-http's auditServer) against a real uvicorn process."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUDIT_SCRIPT = Path(__file__).with_name("http_audit.mjs")


def run_audit(graphql_url: str) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is required for the GraphQL-over-HTTP audit (see the Makefile)")
    if not (ROOT / "node_modules" / "graphql-http").is_dir():
        pytest.fail("node_modules is missing: run `npm ci` (make test does it)")
    completed = subprocess.run(
        [node, str(AUDIT_SCRIPT), graphql_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_graphql_over_http_audit_passes_every_check(live_server: str) -> None:
    """Every MUST, SHOULD and MAY of graphql-http's audit comes back `ok`.

    Against the development server: five checks query `__type`, which production refuses on purpose
    (test_hardening.py covers production mode).
    """
    results = run_audit(f"{live_server}/graphql")

    failing = [result for result in results if result["status"] != "ok"]
    assert len(results) >= 50, results
    assert not failing, "graphql-http audit failures:\n" + "\n".join(
        f"{r['id']} [{r['status']}] {r['name']}: {r.get('reason')} {json.dumps(r.get('response'))}"
        for r in failing
    )
