"""`hub observables`: maintain the observable lookup index."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hub.cli_support import cli_errors
from hub.extensions import db
from hub.stix.observable_index import reindex


@click.group("observables", cls=AppGroup)
def observables_group() -> None:
    """The observable lookup index (`/api/v1/lookup`)."""


@observables_group.command("reindex")
@click.option(
    "--batch-size",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Object versions per transaction.",
)
@cli_errors
def reindex_command(batch_size: int) -> None:
    """Rebuild the index rows (and warning flags) of every stored indicator and sighting; safe to repeat."""
    done = reindex(db.session(), batch_size)
    click.echo(f"indexed {done:,} indicator and sighting versions")
