"""Configuration: safe defaults, then `HUB_*` environment variables, then the test overrides.

Secrets are never hard-coded: the secret key is generated once and kept in the instance folder, so a
newcomer's `hub demo` works without setup and a production deployment sets `HUB_SECRET_KEY` itself.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from hub.markers import N_

MiB = 1024 * 1024


class Defaults:
    """Defaults that hold for every deployment; nothing here is secret."""

    HUB_NAME = N_("HRD Threat-Intelligence Hub")  # translated where shown: {{ _(config.HUB_NAME) }}
    HUB_CONTACT = ""
    HUB_DESCRIPTION = N_(
        "Threat intelligence shared among human-rights defenders, civil society, CERTs and platforms."
    )
    HUB_DOMAINS: tuple[str, ...] = ()
    HUB_ONION_URL = ""  # the hub's Tor onion address, e.g. http://….onion/ (deploy/tor/; docs/operations.md)
    HUB_QUICK_EXIT_URL = "https://www.wikipedia.org/"  # where "Leave this site quickly" goes: a neutral site
    TAXII_API_ROOT = "api"
    TAXII_MAX_CONTENT_LENGTH = 100 * MiB
    TAXII_DEFAULT_PAGE_SIZE = 1000
    TAXII_MAX_PAGE_SIZE = 1000
    TAXII_STATUS_RETENTION_HOURS = 72
    NEXT_TOKEN_MAX_AGE_SECONDS = 24 * 3600
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Layer the configuration: defaults, then HUB_* environment variables, then test overrides."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("HUB")
    _keep_hub_prefix(app)
    if test_config is not None:
        app.config.update(test_config)
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        url = app.config.get("DATABASE_URL")
        if not url:
            instance.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{instance / 'hub.sqlite3'}"
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(str(url))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(instance, "secret_key", lambda: secrets.token_urlsafe(48))
    # Test a pooled connection before lending it: after a PostgreSQL restart every worker's pool holds dead
    # connections, and without the ping the first request on each of them fails (a TAXII or API GET skips it:
    # its first statement is the check, retried once on a fresh connection, hub/liveness.py). Operators' own
    # engine options (HUB_SQLALCHEMY_ENGINE_OPTIONS) are merged over this default, not instead of it.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": True,
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
    }
    if isinstance(app.config.get("HUB_DOMAINS"), str):
        app.config["HUB_DOMAINS"] = tuple(d for d in app.config["HUB_DOMAINS"].split(",") if d)


def _keep_hub_prefix(app: Flask) -> None:
    """`from_prefixed_env("HUB")` strips the prefix, so `HUB_NAME` arrives as `NAME`: put the settings whose
    own name starts with `HUB_` back under it (`HUB_HUB_NAME` keeps working, older docs said so)."""
    for key in (name for name in vars(Defaults) if name.startswith("HUB_")):
        if key in os.environ and f"HUB_{key}" not in os.environ:
            app.config[key] = str(os.environ[key])
            app.config.pop(key.removeprefix("HUB_"), None)


def normalise_database_url(url: str) -> str:
    """Let operators write `postgresql://…`; SQLAlchemy needs the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance: Path, name: str, generate: Callable[[], str]) -> str:
    """Read the secret in file `name` of the instance folder, or create it once with owner-only permissions.

    Several workers may start at once: the first to create the file wins and the others read it.
    """
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    value = generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
