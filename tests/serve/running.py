"""The hub served for real (`hub serve`, gunicorn, several worker processes) on a free loopback port."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.procs import LOOPBACK, free_port, start, stop, wait_http

HUB = str(Path(sys.executable).parent / "hub")


def hub_env(database_url: str, instance: Path, **settings: str) -> dict[str, str]:
    """Environment of a hub process on the test database; `settings` are HUB_* variables."""
    env = dict(os.environ)
    env.update(
        HUB_DATABASE_URL=database_url,
        HUB_SECRET_KEY="served-test-secret-key",
        HUB_INSTANCE_PATH=str(instance),
        **settings,
    )
    return env


@contextmanager
def served(database_url: str, tmp_path: Path, *args: str, **settings: str) -> Iterator[str]:
    """Run `hub serve ARGS` until the block ends; yields its base URL (`http://127.0.0.1:PORT`)."""
    port = free_port()
    tmp_path.mkdir(parents=True, exist_ok=True)
    log = tmp_path / f"serve-{port}.log"
    argv = [HUB, "serve", "--host", LOOPBACK, "--port", str(port), *args]
    proc = start(argv, log, env=hub_env(database_url, tmp_path / "instance", **settings))
    base = f"http://{LOOPBACK}:{port}"
    try:
        wait_http(f"{base}/taxii2/", proc, timeout=60)
        yield base
    finally:
        stop(proc)
