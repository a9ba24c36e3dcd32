"""Issue 11, item 4: every documented `HUB_*` setting takes effect (HUB_NAME & co. were stored as `NAME`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub import create_app
from hub.extensions import db
from hub.identity import hub_identity_id

ROOT = Path(__file__).resolve().parent.parent
# Documented settings read into the app's configuration: environment value -> expected config value.
APP_SETTINGS = {
    "HUB_NAME": ("Rights Hub Tunis", "HUB_NAME", "Rights Hub Tunis"),
    "HUB_CONTACT": ("security@rights.example", "HUB_CONTACT", "security@rights.example"),
    "HUB_DESCRIPTION": ("Our description", "HUB_DESCRIPTION", "Our description"),
    "HUB_DOMAINS": ("hub.example.org,hub.example.net", "HUB_DOMAINS", ("hub.example.org", "hub.example.net")),
    "HUB_SECRET_KEY": ("s" * 40, "SECRET_KEY", "s" * 40),
    "HUB_API_MAX_CONTENT_LENGTH": ("2048", "API_MAX_CONTENT_LENGTH", 2048),
    "HUB_LOGIN_RATE_LIMIT": ("3 per minute", "LOGIN_RATE_LIMIT", "3 per minute"),
    "HUB_NEXT_TOKEN_MAX_AGE_SECONDS": ("60", "NEXT_TOKEN_MAX_AGE_SECONDS", 60),
    "HUB_PERMANENT_SESSION_LIFETIME": ("600", "PERMANENT_SESSION_LIFETIME", 600),
    "HUB_PROXY_FIX": ("1", "PROXY_FIX", 1),
    "HUB_RATELIMIT_STORAGE_URI": ("memory://", "RATELIMIT_STORAGE_URI", "memory://"),
    "HUB_REPORTS_FOLLOW_UP_RATE_LIMIT": ("2 per hour", "REPORTS_FOLLOW_UP_RATE_LIMIT", "2 per hour"),
    "HUB_REPORTS_KEY": ("k" * 44, "REPORTS_KEY", "k" * 44),
    "HUB_REPORTS_RATE_LIMIT": ("4 per hour", "REPORTS_RATE_LIMIT", "4 per hour"),
    "HUB_REPORTS_RETENTION_DAYS": ("30", "REPORTS_RETENTION_DAYS", 30),
    "HUB_SESSION_COOKIE_SECURE": ("true", "SESSION_COOKIE_SECURE", True),
    "HUB_TAXII_API_ROOT": ("root2", "TAXII_API_ROOT", "root2"),
    "HUB_TAXII_DEFAULT_PAGE_SIZE": ("50", "TAXII_DEFAULT_PAGE_SIZE", 50),
    "HUB_TAXII_MAX_CONTENT_LENGTH": ("4096", "TAXII_MAX_CONTENT_LENGTH", 4096),
    "HUB_TAXII_MAX_PAGE_SIZE": ("70", "TAXII_MAX_PAGE_SIZE", 70),
    "HUB_WEB_MAX_CONTENT_LENGTH": ("8192", "WEB_MAX_CONTENT_LENGTH", 8192),
    "HUB_REPORTER_TOKEN_SECONDS": ("3600", "REPORTER_TOKEN_SECONDS", 3600),
    "HUB_ONION_URL": ("http://hubexample.onion/", "HUB_ONION_URL", "http://hubexample.onion/"),
    "HUB_QUICK_EXIT_URL": ("https://weather.example/", "HUB_QUICK_EXIT_URL", "https://weather.example/"),
    "HUB_FEED_MAX_PAGES": ("7", "FEED_MAX_PAGES", 7),
    "HUB_FEED_MAX_SECONDS": ("30", "FEED_MAX_SECONDS", 30),
    "HUB_FEED_REQUEST_DEADLINE_SECONDS": ("20", "FEED_REQUEST_DEADLINE_SECONDS", 20),
    "HUB_FEED_MAX_RESPONSE_BYTES": ("1000", "FEED_MAX_RESPONSE_BYTES", 1000),
    "HUB_FEED_ALLOW_PRIVATE": ("true", "FEED_ALLOW_PRIVATE", True),
    "HUB_MAX_OBJECT_BYTES": ("5000", "MAX_OBJECT_BYTES", 5000),
    "HUB_BASE_URL": ("https://hub.rights.example", "BASE_URL", "https://hub.rights.example"),
    "HUB_MAIL_FROM": ("hub@rights.example", "MAIL_FROM", "hub@rights.example"),
    "HUB_SMTP_HOST": ("smtp.rights.example", "SMTP_HOST", "smtp.rights.example"),
    "HUB_SMTP_PORT": ("2525", "SMTP_PORT", 2525),
    "HUB_SMTP_SECURITY": ("tls", "SMTP_SECURITY", "tls"),
    "HUB_SMTP_USERNAME": ("hub-mailer", "SMTP_USERNAME", "hub-mailer"),
    "HUB_SMTP_PASSWORD": ("mail-password", "SMTP_PASSWORD", "mail-password"),
    "HUB_NOTIFY_MAX_ATTEMPTS": ("3", "NOTIFY_MAX_ATTEMPTS", 3),
    "HUB_NOTIFY_BACKOFF_SECONDS": ("5", "NOTIFY_BACKOFF_SECONDS", 5),
    "HUB_NOTIFY_BACKOFF_CAP_SECONDS": ("60", "NOTIFY_BACKOFF_CAP_SECONDS", 60),
    "HUB_NOTIFY_LEASE_SECONDS": ("30", "NOTIFY_LEASE_SECONDS", 30),
    "HUB_NOTIFY_BATCH": ("10", "NOTIFY_BATCH", 10),
    "HUB_NOTIFY_POLL_SECONDS": ("2", "NOTIFY_POLL_SECONDS", 2),
    "HUB_NOTIFY_CONCURRENCY": ("4", "NOTIFY_CONCURRENCY", 4),
    "HUB_NOTIFY_RETENTION_DAYS": ("7", "NOTIFY_RETENTION_DAYS", 7),
    "HUB_WEBHOOK_ALLOW_PRIVATE": ("1", "WEBHOOK_ALLOW_PRIVATE", 1),
    "HUB_WEBHOOK_TIMEOUT_SECONDS": ("4", "WEBHOOK_TIMEOUT_SECONDS", 4),
    "HUB_WEBHOOK_MAX_RESPONSE_BYTES": ("2048", "WEBHOOK_MAX_RESPONSE_BYTES", 2048),
    "HUB_SQLALCHEMY_ENGINE_OPTIONS": (
        '{"pool_recycle": 300}',
        "SQLALCHEMY_ENGINE_OPTIONS",
        {"pool_recycle": 300},
    ),
}
# Documented names that are not app settings: read by the process (gunicorn, paths), tests, shell examples.
NOT_APP_SETTINGS = {
    "HUB_BIND",
    "HUB_WORKERS",
    "HUB_THREADS",
    "HUB_FORWARDED_ALLOW_IPS",
    "HUB_MIGRATIONS_DIR",
    "HUB_INSTANCE_PATH",
    "HUB_DATABASE_URL",
    "HUB_TEST_DATABASE_URL",
    "HUB_POLICY_EXAMPLES",
    "HUB_SCREENSHOTS",
    "HUB_TOKEN",
}


def _documented() -> set[str]:
    files = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "deploy").iterdir()]
    text = "".join(path.read_text(errors="ignore") for path in files if path.is_file())
    return set(re.findall(r"\bHUB_[A-Z][A-Z0-9_]*[A-Z0-9]\b", text))


def test_every_documented_setting_is_checked_here():
    unchecked = _documented() - set(APP_SETTINGS) - NOT_APP_SETTINGS
    assert not unchecked, f"documented but not checked by this test: {sorted(unchecked)}"


@pytest.mark.parametrize("variable", sorted(APP_SETTINGS))
def test_a_documented_setting_takes_effect(variable, monkeypatch, tmp_path):
    value, key, expected = APP_SETTINGS[variable]
    monkeypatch.setenv(variable, value)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path), "TESTING": True}
    )
    if isinstance(expected, dict):  # the hub may add its own options beside the operator's
        assert expected.items() <= app.config[key].items()
    else:
        assert app.config[key] == expected


def test_hub_name_description_and_contact_reach_taxii_and_the_hub_identity(_migrated, monkeypatch, tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": _migrated, "INSTANCE_PATH": str(tmp_path), "TESTING": True}
    default_identity = hub_identity_id(create_app(config).config)
    for variable, (value, _, _) in APP_SETTINGS.items():
        if variable in ("HUB_NAME", "HUB_CONTACT", "HUB_DESCRIPTION"):
            monkeypatch.setenv(variable, value)
    app = create_app(config)
    discovery = app.test_client().get("/taxii2/", headers={"Accept": "application/taxii+json;version=2.1"})
    with app.app_context():  # close its pooled connection now: the engine is shared for the whole run
        db.engine.dispose()
    assert discovery.json["title"] == "Rights Hub Tunis"
    assert discovery.json["description"] == "Our description"
    assert discovery.json["contact"] == "security@rights.example"
    assert hub_identity_id(app.config) != default_identity
