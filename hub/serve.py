"""`hub serve`: the hub under gunicorn (never the Flask development server)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

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


def run_server(host: str, port: int, workers: int) -> None:
    """Serve until interrupted."""
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
