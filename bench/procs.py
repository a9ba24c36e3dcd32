"""Processes: free loopback ports, waiting for servers, peak memory from /proc, stopping what we started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

LOOPBACK = "127.0.0.1"
BENCH_PYTHON = Path(sys.executable)


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
    """Start a server in its own process group, output to `log`."""
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            argv, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop a server we started (its whole process group): TERM, then KILL after `grace` seconds."""
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
