"""`hub worker` (the delivery loop) and `hub webhook` (organisations' endpoints)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from hub.cli_support import cli_errors
from hub.extensions import db
from hub.notify import webhooks
from hub.notify.worker import run_forever, run_once
from hub.orgs import service


@click.command("worker")
@click.option(
    "--once", is_flag=True, help="Deliver what is due now and exit (for cron, tests and operators)."
)
@with_appcontext
def worker_command(once: bool) -> None:
    """Deliver notifications (email and webhooks) from the outbox; runs until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if once:
        stats = run_once(db.session())
        click.echo(
            f"expanded {stats.expanded} events; sent {stats.sent}, retrying {stats.retried}, "
            f"dead {stats.dead}, dropped {stats.dropped}"
        )
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo("worker started; stop it with SIGTERM or Ctrl-C")
    run_forever(db.session(), stop)


@click.group("webhook", cls=AppGroup)
def webhook_group() -> None:
    """Organisations' webhooks (signed HTTPS deliveries)."""


@webhook_group.command("add")
@click.argument("org_name")
@click.option("--url", required=True, help="The HTTPS endpoint.")
@click.option(
    "--events", default="", help=f"Comma-separated, of: {', '.join(webhooks.EVENTS)} (default: all)."
)
@cli_errors
def webhook_add(org_name: str, url: str, events: str) -> None:
    """Register an endpoint for an organisation; prints the signing secret on the last line."""
    org = service.get_org(db.session(), org_name)
    hook, secret = webhooks.add_webhook(db.session(), org, url, webhooks.parse_events(events))
    click.echo(f"added webhook {hook.id} for {org.name!r} -> {hook.url} (events: {hook.events})")
    click.echo(secret)


@webhook_group.command("list")
@with_appcontext
def webhook_list() -> None:
    """Every webhook: id, organisation, state, events, URL."""
    for hook in webhooks.list_webhooks(db.session()):
        state = "active" if hook.is_active else f"disabled ({hook.disabled_reason})"
        click.echo(f"{hook.id}\t{hook.org.name}\t{state}\t{hook.events}\t{hook.url}")


@webhook_group.command("remove")
@click.argument("webhook_id", type=int)
@cli_errors
def webhook_remove(webhook_id: int) -> None:
    """Delete a webhook and its delivery history."""
    webhooks.remove_webhook(db.session(), webhook_id)
    click.echo(f"removed webhook {webhook_id}")
