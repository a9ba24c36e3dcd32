"""`hub retention run` (safe from a timer) and `hub helpline add|remove|list`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from hub.cli_support import cli_errors
from hub.extensions import db
from hub.notify.retention import DEFAULT_DAYS as DELIVERY_DAYS
from hub.notify.retention import purge_deliveries
from hub.orgs.service import get_org
from hub.reports.retention import DEFAULT_DAYS, purge_closed
from hub.reports.triage import designate_helpline, list_helplines
from hub.stix.retention import MINIMUM_HOURS, purge_submissions

retention_group = AppGroup("retention", help="Purge what the hub no longer needs to keep.")
helpline_group = AppGroup("helpline", help="Organisations whose members respond to incident reports.")


@retention_group.command("run")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Keep closed reports this many days (default: HUB_REPORTS_RETENTION_DAYS, else 90).",
)
@cli_errors
def retention_run(days: int | None) -> None:
    """Purge the text, contact, traces and messages of reports closed more than DAYS ago, TAXII status
    resources older than HUB_TAXII_STATUS_RETENTION_HOURS and finished notification deliveries older than
    HUB_NOTIFY_RETENTION_DAYS; idempotent."""
    period = days if days is not None else int(current_app.config.get("REPORTS_RETENTION_DAYS", DEFAULT_DAYS))
    count = purge_closed(db.session(), period)
    click.echo(f"purged {count} closed reports older than {period} days")
    hours = int(current_app.config["TAXII_STATUS_RETENTION_HOURS"])
    statuses = purge_submissions(db.session(), hours)
    click.echo(f"purged {statuses} TAXII status resources older than {max(hours, MINIMUM_HOURS)} hours")
    delivery_days = int(current_app.config.get("NOTIFY_RETENTION_DAYS", DELIVERY_DAYS))
    deliveries = purge_deliveries(db.session(), delivery_days)
    click.echo(f"purged {deliveries} notification deliveries older than {max(delivery_days, 1)} days")


@helpline_group.command("add")
@click.argument("org_name")
@cli_errors
def helpline_add(org_name: str) -> None:
    """Designate an organisation as a helpline."""
    designate_helpline(db.session(), None, get_org(db.session(), org_name))
    click.echo(f"{org_name} is a helpline")


@helpline_group.command("remove")
@click.argument("org_name")
@cli_errors
def helpline_remove(org_name: str) -> None:
    """Stop an organisation being a helpline."""
    designate_helpline(db.session(), None, get_org(db.session(), org_name), designated=False)
    click.echo(f"{org_name} is no longer a helpline")


@helpline_group.command("list")
def helpline_list() -> None:
    """The helplines, one per line."""
    for org in list_helplines(db.session()):
        click.echo(org.name)
