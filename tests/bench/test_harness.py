"""Smoke test of the benchmark harness (bench/) at a tiny size against the real hub under gunicorn."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import floor, report
from bench.servers import start_hub, use_hub_source
from bench.workload import Client, Progress, run_workload

pytestmark = [pytest.mark.bench, pytest.mark.own_sqlite]

N = 30


def test_harness_runs_every_step_against_the_hub_and_reports_it(tmp_path: Path) -> None:
    use_hub_source(tmp_path, "worktree")
    target = start_hub(tmp_path, "sqlite", collections=1, workers=1)
    try:
        result = run_workload(Client(target, 20, 10), N, 1, Progress("smoke", quiet=True))
        out_of_budget = run_workload(Client(target, 0, 10), N, 1, Progress("smoke", quiet=True))
    finally:
        target.close()
    assert target.proc.poll() is not None
    assert "dnf_at" not in result and "error" not in result
    assert result["ingest"]["failures"] == 0
    assert result["paging"] == {**result["paging"], "count": N, "complete": True}
    assert result["first_page_count"] == N
    assert result["object_ms"] > 0 and result["poll_ms"] > 0
    assert result["memory"]["worker_mib"] > 0 and result["memory"]["workers"] == 1
    assert out_of_budget["dnf_at"] == "ingest"

    floors = {"sqlite": floor.measure("sqlite", N, 1, tmp_path)}
    assert floors["sqlite"]["paging"]["count"] == N

    server = {**result, "version": "test", "workers": 1, "budget_seconds": 20}
    stopped = {**out_of_budget, "version": "test", "workers": 1, "budget_seconds": 0}
    results = {
        "args": {
            "sizes": [N],
            "peers": [],
            "budget_seconds": 20,
            "repeat": 1,
            "workers": 1,
            "request_timeout": 10,
        },
        "machine": report.machine(),
        "sizes": {str(N): {"servers": {"hub (SQLite)": server, "medallion": stopped}, "floor": floors}},
    }
    out = tmp_path / "performance.md"
    out.write_text(f"stale figures\n{report.BEGIN}\nkept by hand\n{report.END}\n")
    report.write(out, results)
    text = out.read_text()
    assert f"### N = {N}" in text and "| hub (SQLite) | medallion | floor (SQLite) |" in text
    assert "did not finish in 0 s" in text
    assert "kept by hand" in text and "stale figures" not in text


def test_the_committed_report_keeps_every_hand_written_section_when_regenerated() -> None:
    """`bench.report.write` keeps only what lies between the markers: a section written after the end
    marker would be lost the next time `bench.run` writes the file."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "performance.md").read_text()
    assert text.count(report.BEGIN) == 1 and text.count(report.END) == 1
    assert text.rstrip().endswith(report.END)
    generated = text[: text.index(report.BEGIN)]
    assert "## Round 2" not in generated and "## Session" not in generated
