"""Smoke test of `bench.ingest` (hub import timed along the run) at a tiny size on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.ingest import one_import, rates_along, write_bundle
from bench.servers import use_hub_source

pytestmark = [pytest.mark.bench, pytest.mark.own_sqlite]

N = 40


def test_an_import_is_timed_with_its_rate_along_the_run_and_its_cpu(tmp_path: Path) -> None:
    use_hub_source(tmp_path, "worktree")
    bundle = tmp_path / "bundle.json"
    write_bundle(bundle, N)
    result = one_import(tmp_path, bundle, N, "sqlite", "hub_bench_ingest_test")
    assert result["stored"] == N and f"{N} stored" in str(result["summary"])
    assert len(result["rates_along"]) == 10
    assert result["client_cpu_us_per_object"] > 0
    assert not list(tmp_path.glob("hub_bench_ingest_test_*.sqlite3*"))  # the database is removed


def test_rates_along_split_the_stamps_into_tenths() -> None:
    one_per_second = [i * 1_000_000 for i in range(101)]
    assert rates_along(one_per_second) == [1] * 10
    twice_as_fast_later = [i * 1_000_000 for i in range(50)] + [
        49_000_000 + i * 500_000 for i in range(1, 51)
    ]
    assert rates_along(twice_as_fast_later)[0] == 1 and rates_along(twice_as_fast_later)[-1] == 2
