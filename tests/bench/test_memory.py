"""Smoke test of the memory benchmark (bench/memory.py) at a tiny size: the requests a worker serves, and
after each size its RSS, its caches' sizes and the source lines whose memory grew."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bench, pytest.mark.own_sqlite]

ROOT = Path(__file__).resolve().parents[2]


def test_memory_benchmark_reports_rss_caches_and_growth_per_size(tmp_path: Path) -> None:
    out = tmp_path / "memory.json"
    argv = [sys.executable, "-m", "bench.memory", "--sizes", "200,400", "--lookups", "20"]
    argv += ["--hub-source", "worktree"]
    done = subprocess.run([*argv, "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    small, large = json.loads(out.read_text())
    assert (small["n"], large["n"]) == (200, 400)
    assert large["rss_after_read_mib"] > 0 and large["traced_mib"] > 0
    assert large["caches"]["pattern validation (by text)"] == 400  # every posted pattern, once
    assert large["caches"]["page statements (by principal, filter)"] >= 1
    assert large["grew_most"] and "MiB" in large["grew_most"][0]
    assert "| N | RSS after ingest, MiB |" in done.stdout
