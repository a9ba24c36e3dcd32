"""Idle connections cannot take `hub serve` down (issue 11, finding 13): measured with real sockets.

With sync gunicorn workers each worker sat blocked on a socket that sends nothing: 200 such sockets left 0 of
8 other requests answered. The hub's worker waits for a connection's first bytes in the poller, not in a
thread, and closes connections that send nothing within 5 s (`hub.serve_worker.FIRST_BYTES_SECONDS`).
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from flask import Flask

from tests.serve.running import served

IDLE_SOCKETS = 200
REQUESTS = 8
TAXII = {"Accept": "application/taxii+json;version=2.1"}


def _answered(base: str) -> list[float]:
    """Send REQUESTS concurrent requests; the seconds each took to be answered (all must be 200)."""

    def one(_: int) -> float:
        start = time.monotonic()
        response = requests.get(f"{base}/taxii2/", headers=TAXII, timeout=10)
        assert response.status_code == 200
        return time.monotonic() - start

    with ThreadPoolExecutor(REQUESTS) as pool:
        return list(pool.map(one, range(REQUESTS)))


def test_two_hundred_idle_sockets_do_not_stop_other_requests(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    with served(database_url, tmp_path, "--workers", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE_SOCKETS)]
        try:
            time.sleep(0.5)  # every idle socket is accepted before the real requests arrive
            seconds = _answered(base)
        finally:
            for sock in idle:
                sock.close()
    assert max(seconds) < 5, seconds


def test_a_connection_that_sends_nothing_is_closed(app: Flask, database_url: str, tmp_path: Path) -> None:
    """A silent new connection is not kept for long (no file-descriptor leak)."""
    with served(database_url, tmp_path, "--workers", "1") as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as silent:
            silent.settimeout(30)
            started = time.monotonic()
            assert silent.recv(1) == b""  # closed by the server
            assert time.monotonic() - started < 20
