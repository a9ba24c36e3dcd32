"""`hub db` (Alembic migrations through Flask-Migrate), loaded when a migration is run, not at every start.

Flask-Migrate imports Alembic: about 0.15 s of CPU and 11 MiB in every process that imports it, which was
every `hub` command (a `hub import` of 10,000 objects is mostly its start-up) and every server worker,
though only `hub db …`, `flask_migrate.upgrade()` (demo, tests, benchmarks) and `migrations/env.py` use it.
The app gets a stand-in for what Flask-Migrate keeps in `app.extensions["migrate"]` and a `db` command
group with Flask-Migrate's options whose subcommands are Flask-Migrate's own; the first use binds
Flask-Migrate to the app as `Migrate.init_app` always did.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, g
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy

from hub.paths import MIGRATIONS_DIR

# Schema objects made by migrations that are not models (full-text search, hub.search.models): Alembic's
# comparison of models and database leaves them alone.
SCHEMA_EXTRAS = ("search_fts", "ix_search_text_trigram")


def _is_model_schema(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    return not (name or "").startswith(SCHEMA_EXTRAS)


class _Migrations:
    """What Flask-Migrate keeps in `app.extensions["migrate"]`, bound on first use: any attribute read
    (`migrate`, `db`, `configure_args`, …) binds Flask-Migrate to the app and answers from its own."""

    def __init__(self, app: Flask, database: SQLAlchemy) -> None:
        self._app = app
        self._database = database
        self._bound: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._bound is None:
            from flask_migrate import Migrate

            Migrate(
                directory=str(MIGRATIONS_DIR),
                render_as_batch=True,
                compare_type=True,
                include_object=_is_model_schema,
            ).init_app(self._app, self._database)
            self._bound = self._app.extensions["migrate"]
        return getattr(self._bound, name)


class _FlaskMigrateCommands(click.Group):
    """A group whose subcommands are Flask-Migrate's (`upgrade`, `downgrade`, `current`, …), imported when the
    group is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return _flask_migrate_group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return _flask_migrate_group().get_command(ctx, cmd_name)


def _flask_migrate_group() -> click.Group:
    from flask_migrate.cli import db as group

    found: click.Group = group
    return found


@click.group("db", cls=_FlaskMigrateCommands)
@click.option("-d", "--directory", default=None, help='Migration script directory (default is "migrations")')
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments consumed by custom env.py scripts")
@with_appcontext
def db_group(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Perform database migrations."""
    g.directory = directory  # read by Flask-Migrate's `Migrate.get_config`, as its own group sets them
    g.x_arg = x_arg


def upgrade_database() -> None:
    """Apply every migration to the app's database (in an app context), as `hub db upgrade` does."""
    from flask_migrate import upgrade

    upgrade()


def init_migrations(app: Flask, database: SQLAlchemy) -> None:
    """Give the app its migrations (Flask-Migrate's `init_app`, deferred to first use) and `hub db`."""
    app.extensions["migrate"] = _Migrations(app, database)
    app.cli.add_command(db_group)
