"""Smoke test of `bench.post` against the real hub under gunicorn: every posted object acknowledged."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import post
from bench.servers import start_hub, use_hub_source

pytestmark = [pytest.mark.bench, pytest.mark.own_sqlite]


def test_posters_share_the_envelopes_and_every_object_is_acknowledged(tmp_path: Path) -> None:
    use_hub_source(tmp_path, "worktree")
    target = start_hub(tmp_path, "sqlite", collections=2, workers=2)
    try:
        one = post.post_all(target, 0, 600, 1, "a")  # envelopes of 500 and 100
        two = post.post_all(target, 1, 600, 2, "b")  # one envelope each
    finally:
        target.close()
    for result in (one, two):
        assert result["errors"] == [] and result["acknowledged"] == 600
        assert result["objects_per_s"] > 0 and result["envelope_ms"] > 0
        assert 0 < result["cpu_busy"] <= 1
    rows = post.summary([{**one, "database": "sqlite"}, {**two, "database": "sqlite"}], 600)
    assert [row.split("|")[2].strip() for row in rows] == ["1", "2"]
    assert all("600 of 600" in row for row in rows)


def test_busy_share_is_the_busy_part_of_the_cpu_time_between_readings() -> None:
    assert post.busy_share((100, 400), (175, 500)) == 0.75
    assert post.busy_share((100, 400), (100, 400)) == 0.0
    busy, total = post.cpu_times()
    assert 0 <= busy <= total
