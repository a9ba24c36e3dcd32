"""Smoke test of the stack-floor benchmark (bench/stack.py) at a tiny size: the hub and the floor app under
gunicorn on the same database, measured side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench import stack
from bench.servers import use_hub_source

pytestmark = pytest.mark.bench

N = 40


def test_the_floor_serves_the_same_objects_and_every_ratio_is_reported(tmp_path: Path) -> None:
    use_hub_source(tmp_path, "worktree")
    args = argparse.Namespace(rounds=1, samples=2, workers=1)
    entry = stack.measure(tmp_path, "sqlite", N, args)  # raises if either server pages past a missing object
    (one,) = entry["rounds"]
    assert one["first_ratio"] > 0 and one["paging_share"] > 0 and one["lookup_ratio"] > 0
    assert one["batch_ms"] > 0
    assert entry["hub_memory"]["workers"] == 1 and entry["floor_memory"]["worker_mib"] > 0
    text = stack.table({"runs": {f"sqlite:{N}": entry}})
    assert f"| sqlite | {N} |" in text and text.count("\n") == 2
