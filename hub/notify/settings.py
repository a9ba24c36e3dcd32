"""Notification settings, read from the app's configuration (`HUB_*` environment variables) with safe
defaults.

`HUB_SMTP_HOST` unset means mail is written to the log (development and `hub demo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

SECURITY_MODES = ("none", "starttls", "tls")


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How hard the worker tries: `max_attempts` then dead letter; backoff doubles from `backoff_seconds`."""

    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 6 * 3600.0
    lease_seconds: float = 120.0
    batch: int = 100
    poll_seconds: float = 1.0
    concurrency: int = 8  # messages of a batch sent at once (threads), so one slow receiver holds up no other


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Outbound HTTP limits for webhooks."""

    allow_private: bool = False
    timeout_seconds: float = 10.0
    max_response_bytes: int = 64 * 1024
    replay_window_seconds: int = 300


@dataclass(frozen=True, slots=True)
class MailSettings:
    """SMTP, or the log when `host` is empty."""

    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""
    sender: str = "hub@localhost"
    timeout_seconds: float = 30.0


def worker_settings() -> WorkerSettings:
    """The worker's settings from `HUB_NOTIFY_*`."""
    c = current_app.config
    return WorkerSettings(
        max_attempts=int(c.get("NOTIFY_MAX_ATTEMPTS", 8)),
        backoff_seconds=float(c.get("NOTIFY_BACKOFF_SECONDS", 30.0)),
        backoff_cap_seconds=float(c.get("NOTIFY_BACKOFF_CAP_SECONDS", 6 * 3600.0)),
        lease_seconds=float(c.get("NOTIFY_LEASE_SECONDS", 120.0)),
        batch=int(c.get("NOTIFY_BATCH", 100)),
        poll_seconds=float(c.get("NOTIFY_POLL_SECONDS", 1.0)),
        concurrency=max(1, int(c.get("NOTIFY_CONCURRENCY", 8))),
    )


def webhook_settings() -> WebhookSettings:
    """Webhook limits from `HUB_WEBHOOK_*`."""
    c = current_app.config
    return WebhookSettings(
        allow_private=_flag(c.get("WEBHOOK_ALLOW_PRIVATE", False)),
        timeout_seconds=float(c.get("WEBHOOK_TIMEOUT_SECONDS", 10.0)),
        max_response_bytes=int(c.get("WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024)),
    )


def mail_settings() -> MailSettings:
    """SMTP settings from `HUB_SMTP_*` and `HUB_MAIL_FROM`. :raises ValueError: an unknown security mode."""
    c = current_app.config
    security = str(c.get("SMTP_SECURITY", "starttls")).strip().lower()
    if security not in SECURITY_MODES:
        raise ValueError(f"HUB_SMTP_SECURITY is {security!r}; choose one of {', '.join(SECURITY_MODES)}")
    default_port = {"none": 25, "starttls": 587, "tls": 465}[security]
    return MailSettings(
        host=str(c.get("SMTP_HOST") or ""),
        port=int(c.get("SMTP_PORT") or default_port),
        security=security,
        username=str(c.get("SMTP_USERNAME") or ""),
        password=str(c.get("SMTP_PASSWORD") or ""),
        sender=str(c.get("MAIL_FROM") or "hub@localhost"),
    )


def base_url() -> str:
    """Where links in messages point (`HUB_BASE_URL`), without a trailing slash."""
    return str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
