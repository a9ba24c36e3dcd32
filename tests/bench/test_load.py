"""Smoke test of the concurrent load generator (bench/load.py) at a tiny size: two real hub instances on one
PostgreSQL database, every client kind, and its exactly-once check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(
        not os.environ.get("HUB_TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="the load generator runs several instances on one PostgreSQL database",
    ),
]

ROOT = Path(__file__).resolve().parents[2]


def test_load_generator_reports_every_endpoint_and_checks_each_poller(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    argv = [sys.executable, "-m", "bench.load", "--hub-source", "worktree", "--json", str(out)]
    argv += ["--instances", "2", "--workers", "1", "--pollers", "3", "--writers", "2", "--lookups", "2"]
    argv += ["--page-readers", "1", "--idle-clients", "2", "--idle-seconds", "0.5,1"]
    argv += ["--seconds", "3", "--preload", "1200", "--envelope", "20"]
    argv += ["--client-processes", "2", "--database", f"hub_load_{uuid.uuid4().hex[:8]}"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    summary = json.loads(out.read_text())
    endpoints = summary["endpoints"]
    for name in (
        "POST envelope",
        "lookup one value",
        "objects: first page (limit=100)",
        "objects: next page",
        "objects: after 0.5-1 s idle (limit=1)",
    ):
        assert endpoints[name]["requests"] > 0, name
    assert all(e["errors"] == 0 for e in endpoints.values()), endpoints
    assert endpoints["objects: first page (limit=100)"]["p99_ms"] > 0
    assert summary["acknowledged_writes"] > 1200  # the preload (two pages) and what the writers posted
    assert summary["pollers"] == 3 and summary["pollers_exactly_once"] == 3, summary["worst_poller"]
    assert "| endpoint | requests/s | p50 ms |" in done.stdout
    assert summary["database_connections_peak"] > 0
    assert summary["server_log"]["counts"]["worker booted"] == 2
    assert summary["server_log"]["counts"]["traceback"] == 0
