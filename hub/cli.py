"""The `hub` command: the operators' interface (also usable as `flask --app hub`).

Each feature contributes its command group; `db` (Alembic migrations) comes from Flask-Migrate.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from hub import create_app
from hub.api.cli import observables_group
from hub.demo.cli import demo_command
from hub.interop.cli import export_command, import_command
from hub.interop.feeds.cli import feed_group
from hub.notify.cli import webhook_group, worker_command
from hub.orgs.cli import group_group, org_group, token_group, user_group
from hub.reports.cli import helpline_group, retention_group
from hub.serve import serve_command
from hub.sharing.cli import collection_group


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, add_default_commands=False)
def main() -> None:
    """Operate the HRD threat-intelligence hub."""


# Every command group of the hub, one row each (`hub --help` lists them by name).
COMMANDS: tuple[click.Command, ...] = (
    observables_group,
    org_group,
    user_group,
    group_group,
    token_group,
    collection_group,
    serve_command,
    demo_command,
    import_command,
    export_command,
    feed_group,
    retention_group,
    helpline_group,
    worker_command,
    webhook_group,
)
for command in COMMANDS:
    main.add_command(command)
