"""`hub demo`: migrations, demo data and a server on 127.0.0.1:5000, in one command."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from hub.demo.seed import DEMO_PASSWORD, USERS, seed, seed_report
from hub.extensions import db
from hub.migrations import upgrade_database
from hub.notify.demo import start_demo_worker
from hub.reports.crypto import sealer_for
from hub.serve import run_server


@click.command("demo")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Prepare the demo database, then stop.")
@with_appcontext
def demo_command(port: int, no_serve: bool) -> None:
    """Run a demo hub on embedded SQLite with demo members, channels and intelligence."""
    upgrade_database()
    created = seed(db.session())
    receipt = seed_report(db.session(), sealer_for(current_app)) if created else None
    db.session.commit()
    click.echo(
        ("Created" if created else "Reusing")
        + f" the demo hub at {current_app.config['SQLALCHEMY_DATABASE_URI']}"
    )
    click.echo(f"\nOpen http://127.0.0.1:{port}/ and log in with one of these (password: {DEMO_PASSWORD}):")
    for user in USERS:
        click.echo(f"  {user.email:34} {user.role:12} {user.shows}")
    click.echo(
        "Coordinators and organisation admins set up their second factor (any TOTP app) at first login."
    )
    if receipt:
        click.echo(f"\nA demo incident report (Arabic) waits in the helpline's queue. Receipt: {receipt}")
    click.echo(f"\nTAXII 2.1 discovery: http://127.0.0.1:{port}/taxii2/  (tokens: hub token add EMAIL)")
    if not no_serve:
        db.session.remove()
        db.engine.dispose()
        click.echo("Notifications: a worker runs in this process; mail is written to the log.")
        start_demo_worker(current_app._get_current_object())  # type: ignore[attr-defined]
        run_server("127.0.0.1", port, workers=2)
