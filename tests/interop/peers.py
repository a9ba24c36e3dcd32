"""A second hub for federation tests: its own app and its own database (SQLite file, or a PostgreSQL database
created and dropped here), served over loopback by a werkzeug server in a thread."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from hub import create_app
from hub.extensions import db
from tests.conftest import empty_tables


def peer_config(url: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "peer-secret-key-not-for-production",
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "FEED_ALLOW_PRIVATE": True,  # hub A listens on 127.0.0.1
    }


@contextmanager
def peer_database(database_url: str, folder: Path) -> Iterator[str]:
    """A second database, migrated to the newest revision; dropped afterwards (create it once per run: on
    PostgreSQL, DROP DATABASE waits for a checkpoint)."""
    url = make_url(database_url)
    admin = None
    if url.get_backend_name() == "postgresql":
        name = f"{url.database}_peer_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        peer_url = url.set(database=name).render_as_string(hide_password=False)
    else:
        peer_url = f"sqlite:///{folder / 'peer.sqlite3'}"
    app = create_app(peer_config(peer_url, folder / "instance"))
    try:
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield peer_url
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@contextmanager
def peer_hub(peer_url: str, instance: Path) -> Iterator[Flask]:
    """Hub B on the peer database; its tables are emptied afterwards."""
    app = create_app(peer_config(peer_url, instance))
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            empty_tables()
            db.engine.dispose()


class Served:
    """A hub answering HTTP on loopback; `api_root` is its TAXII API root URL."""

    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.api_root = f"http://127.0.0.1:{self._server.server_port}/taxii2/api/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextmanager
def served(app: Flask) -> Iterator[Served]:
    server = Served(app)
    try:
        yield server
    finally:
        server.stop()
