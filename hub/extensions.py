"""Unbound extension instances; `init_extensions` binds them to an app."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from hub.db import Base
from hub.paths import MIGRATIONS_DIR

db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
login_manager = LoginManager()


def init_extensions(app: Flask) -> None:
    """Bind every extension to the app."""
    import hub.models  # noqa: F401  (register every model with the metadata before anything uses it)

    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
