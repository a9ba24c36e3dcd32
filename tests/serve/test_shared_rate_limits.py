"""Rate limits hold across worker processes (issue 10, finding 8): counters live in shared storage."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.serve.running import HUB, hub_env, served

ATTEMPTS = 25
REPORTS_PER_HOUR = 10


def _accepted_reports(base: str, attempts: int = ATTEMPTS) -> int:
    """Send ATTEMPTS real reports, each from a fresh browser session on new connections (the workers share
    them); count those stored."""
    accepted = 0
    for number in range(attempts):
        with requests.Session() as fresh:
            form = fresh.get(f"{base}/report", timeout=30).text
            hidden = dict(re.findall(r'<input[^>]* name="([^"]+)" type="hidden" value="([^"]*)"', form))
            assert hidden, form
            data = {**hidden, "category": "phishing", "text": f"report {number}"}
            answer = fresh.post(f"{base}/report", data=data, timeout=30)
        assert answer.status_code in (200, 429), answer.text
        accepted += answer.status_code == 200
    return accepted


def test_the_report_limit_holds_with_two_workers(app: Flask, database_url: str, tmp_path: Path) -> None:
    """25 reports from one address against 10 an hour, served by two gunicorn workers: exactly 10 get through
    (with per-worker memory counters 18 or 19 did). The default storage: the hub's database."""
    with served(database_url, tmp_path, "--workers", "2") as base:
        assert _accepted_reports(base) == REPORTS_PER_HOUR


def test_the_report_limit_holds_on_redis_across_two_instances(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    """With HUB_RATELIMIT_STORAGE_URI=redis://…, two instances of two workers each count together."""
    pytest.importorskip("redis")
    import redis

    uri = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(uri).flushdb()
    settings = {"HUB_RATELIMIT_STORAGE_URI": uri}
    with (
        served(database_url, tmp_path / "a", "--workers", "2", **settings) as first,
        served(database_url, tmp_path / "b", "--workers", "2", **settings) as second,
    ):
        accepted = _accepted_reports(first, ATTEMPTS // 2) + _accepted_reports(
            second, ATTEMPTS - ATTEMPTS // 2
        )
    redis.Redis.from_url(uri).flushdb()
    assert accepted == REPORTS_PER_HOUR


def test_serve_refuses_memory_counters_with_several_workers(database_url: str, tmp_path: Path) -> None:
    env = hub_env(database_url, tmp_path, HUB_RATELIMIT_STORAGE_URI="memory://")
    done = subprocess.run(
        [HUB, "serve", "--port", "1", "--workers", "2"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode != 0
    message = done.stderr.strip().splitlines()
    assert len(message) == 1 and "memory://" in message[0] and "worker" in message[0], done.stderr
