"""Smoke test of the call-count benchmark (bench/calls.py) at a tiny size, and what its counts guard: a
lookup of one known value runs no more SQL statements (round trips on PostgreSQL) than a TAXII first page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.bench, pytest.mark.own_sqlite]

ROOT = Path(__file__).resolve().parents[2]


def test_calls_benchmark_counts_calls_and_statements_per_request() -> None:
    argv = [sys.executable, "-m", "bench.calls", "--objects", "600", "--hub-source", "worktree"]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    rows = dict(re.findall(r"^\| (.+?) \| ([\d,]+ \| \d+) \|$", done.stdout, re.MULTILINE))
    counts = {label: tuple(int(c.replace(",", "")) for c in row.split(" | ")) for label, row in rows.items()}
    page_calls, page_statements = counts["TAXII first page (limit=100)"]
    lookup_calls, lookup_statements = counts["lookup, one known value"]
    assert page_calls > 0 and lookup_calls > 0
    assert lookup_statements <= page_statements  # the matches, sightings and links in one statement
    assert len(counts) == 4
