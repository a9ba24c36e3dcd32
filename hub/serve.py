"""`hub serve`: the hub under gunicorn (never the Flask development server)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from hub.ratelimits import shares_counters

# No client address or user agent in access logs: reporters and members are not tracked by the hub
# (hub.accesslog also strips them, and secrets in URLs, whatever the format asks for).
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class HubServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn running the hub's app factory in each worker."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
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


def run_server(host: str, port: int, workers: int) -> None:
    """Serve until interrupted."""
    check_rate_limit_storage(workers)
    HubServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": "hub.accesslog.PrivateAccessLogger",
            "timeout": 120,
            "forwarded_allow_ips": "127.0.0.1,::1",
        }
    ).run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve the hub with gunicorn."""
    run_server(host, port, workers)
