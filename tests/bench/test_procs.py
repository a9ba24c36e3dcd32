"""A benchmark that is killed must not leave the servers it started behind (bench/procs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BENCHMARK = """
import sys, time
from pathlib import Path
from bench.procs import start
server = start([sys.executable, "-c", "import time; time.sleep(120)"], Path(sys.argv[1]))
print(server.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_a_benchmark_stopped_by_sigterm_stops_the_servers_it_started(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", BENCHMARK, str(tmp_path / "server.log")]
    with subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True) as bench:
        assert bench.stdout is not None
        server = int(bench.stdout.readline())
        try:
            assert _alive(server)
            bench.send_signal(signal.SIGTERM)
            bench.wait(timeout=20)
            assert _gone_within(server, 10), "the server outlived the benchmark that started it"
            assert bench.returncode == 128 + signal.SIGTERM  # a normal exit, so `finally` blocks ran
        finally:
            if _alive(server):
                os.killpg(server, signal.SIGKILL)
