"""Processes: free loopback ports, waiting for servers, peak memory from /proc, stopping what we started.

Servers run in sessions of their own (so a terminal's Ctrl-C reaches the benchmark, which stops them in
order), which also means that a benchmark killed by SIGTERM (`timeout`, a CI job ending) would leave them
running, holding ports and database connections. The first `start` therefore turns SIGTERM and SIGHUP into
a normal exit of the benchmark process, so its `finally` blocks run, and stops at exit whatever still runs.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

LOOPBACK = "127.0.0.1"
BENCH_PYTHON = Path(sys.executable)

_running: set[subprocess.Popen[bytes]] = set()  # started here and not stopped yet
_owner: list[int] = []  # the pid of the process that installed the exit handlers (not inherited by a fork)


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Wait until `url` answers (any status) or raise; fail early if the process died."""
    if not url.startswith(f"http://{LOOPBACK}:"):
        raise ValueError(f"the benchmark only contacts {LOOPBACK}: {url}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (gunicorn's workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def vm_hwm_kib(pid: int) -> int:
    """Peak resident set size (VmHWM) of one process in KiB; 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def peak_rss(pid: int) -> dict[str, float]:
    """Peak RSS in MiB of a server: its master process and its largest worker (gunicorn) or itself."""
    workers = [vm_hwm_kib(c) for c in children(pid)]
    return {
        "master_mib": vm_hwm_kib(pid) / 1024,
        "worker_mib": max(workers, default=0) / 1024,
        "workers": len(workers),
    }


def start(
    argv: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a server in its own process group, output to `log`; it is stopped at the latest when this
    process exits, SIGTERM included."""
    _stop_all_at_exit()
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            argv, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
    _running.add(proc)
    return proc


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop a server we started (its whole process group): TERM, then KILL after `grace` seconds."""
    _running.discard(proc)
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass


def _stop_all_at_exit() -> None:
    """Once per process: stop every server still running at exit, and exit normally on SIGTERM or SIGHUP."""
    if _owner and _owner[0] == os.getpid():
        return
    _owner[:] = [os.getpid()]
    atexit.register(_stop_running)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGHUP, _exit_on_signal)


def _exit_on_signal(signum: int, _frame: object) -> None:
    if (
        os.getpid() != _owner[0]
    ):  # a forked child: die as the signal would have it, leaving the owner's servers
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise SystemExit(128 + signum)


def _stop_running() -> None:
    for proc in list(_running):
        stop(proc, grace=5.0)


def run(
    argv: list[str], env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 600
) -> str:
    """Run a setup command to completion; raise with its output if it fails. Returns stdout."""
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[:3])}... failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout
