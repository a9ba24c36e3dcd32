"""`hub serve`: the hub under gunicorn (never the Flask development server)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from hub.cli_support import freeze_built_objects
from hub.ratelimits import shares_counters

# No client address or user agent in access logs: reporters and members are not tracked by the hub
# (hub.accesslog also strips them, and secrets in URLs, whatever the format asks for).
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
DEFAULT_BIND = "127.0.0.1:8000"
DEFAULT_THREADS = 2
# How long a kept-alive connection may stay idle: longer than the idle expiry of common clients' connection
# pools (httpx 5 s, aiohttp 15 s). With 5 s, as before, a client reusing a connection just as the server
# closed it lost that request (`RemoteProtocolError` in bench/load.py; docs/scaling.md). Idle connections wait
# in the worker's poller and cost no thread; a new connection must still send within 5 s (hub.serve_worker).
KEEPALIVE_SECONDS = 20


def default_workers() -> int:
    """Two worker processes per core (`HUB_WORKERS` overrides)."""
    return int(os.environ.get("HUB_WORKERS", (os.cpu_count() or 1) * 2))


def gunicorn_settings(
    bind: str | None = None, workers: int | None = None, threads: int | None = None
) -> dict[str, Any]:
    """Every gunicorn setting of the hub, in one place: `hub serve` and `deploy/gunicorn.conf.py` both use it.

    Arguments override the environment (`HUB_BIND`, `HUB_WORKERS`, `HUB_THREADS`, `HUB_FORWARDED_ALLOW_IPS`).
    """
    return {
        "bind": bind or os.environ.get("HUB_BIND", DEFAULT_BIND),
        "workers": workers or default_workers(),
        # threads, and idle connections parked in the poller instead of tying up a worker (hub.serve_worker)
        "worker_class": "hub.serve_worker.IdleSafeThreadWorker",
        "threads": threads or int(os.environ.get("HUB_THREADS", DEFAULT_THREADS)),
        "keepalive": KEEPALIVE_SECONDS,
        "timeout": 120,
        "graceful_timeout": 30,
        "max_requests": 5000,  # recycle workers now and then: bounds memory growth from any leak
        "max_requests_jitter": 500,
        "forwarded_allow_ips": os.environ.get("HUB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        # strips addresses, user agents, referrers and invitation links' secrets whatever the format says
        "logger_class": "hub.accesslog.PrivateAccessLogger",
        "on_starting": refuse_per_process_counters,
        "post_worker_init": freeze_startup_objects,
    }


def refuse_per_process_counters(server: Any) -> None:
    """Gunicorn's `on_starting` hook: the rate-limit check, for `gunicorn -c deploy/gunicorn.conf.py` too."""
    try:
        check_rate_limit_storage(int(server.cfg.workers))
    except click.ClickException as refused:
        raise SystemExit(f"Error: {refused.message}") from None


def freeze_startup_objects(worker: Any) -> None:
    """Gunicorn's `post_worker_init` hook: once the worker has built the app, move everything built so far
    (modules, the app, SQLAlchemy's mappers: about 165,000 objects) out of the cyclic garbage collector's
    sight (`gc.freeze`); they live as long as the worker. Each full collection scanned them all: about every
    ten 1,000-value lookups, 0.1 s of CPU (a quarter of such a lookup's own CPU time at 100k objects)."""
    freeze_built_objects()


class HubServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn running an app factory in each worker: the hub's, unless another is given (the benchmark's
    floor app runs under these very settings, so the two differ only in the app)."""

    def __init__(self, options: dict[str, Any], factory: Callable[[], Flask] | None = None) -> None:
        self.options = options
        self.factory = factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        if self.factory is not None:
            return self.factory()
        from hub import create_app

        return create_app()


def check_rate_limit_storage(workers: int) -> None:
    """Refuse per-process rate-limit counters when several workers serve: each would count on its own and
    every limit would be multiplied by the number of workers. :raises click.ClickException:"""
    from hub import create_app

    config = create_app().config
    uri = str(config.get("RATELIMIT_STORAGE_URI", ""))
    if workers > 1 and config.get("RATELIMIT_ENABLED", True) and not shares_counters(uri):
        raise click.ClickException(
            f"HUB_RATELIMIT_STORAGE_URI={uri} counts per worker process; with {workers} workers every rate "
            f"limit would be {workers} times too high: unset it (the database is shared) or use redis://"
        )


def run_server(host: str, port: int, workers: int | None, threads: int | None = None) -> None:
    """Serve until interrupted, with the settings of `deploy/gunicorn.conf.py` (the same function)."""
    settings = gunicorn_settings(f"{host}:{port}", workers, threads)
    check_rate_limit_storage(settings["workers"])
    HubServer(settings).run()


@click.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Loopback by default: serve behind a proxy."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers", type=click.IntRange(min=1), help="Worker processes [default: HUB_WORKERS or 2 x cores]."
)
@click.option("--threads", type=click.IntRange(min=1), help="Threads per worker [default: HUB_THREADS or 2].")
def serve_command(host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Serve the hub with gunicorn."""
    run_server(host, port, workers, threads)
