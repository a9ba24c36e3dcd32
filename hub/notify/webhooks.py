"""Organisations' webhooks: registering (with the SSRF check), listing, removing, and signing deliveries.

Signature (as GitHub and Stripe do): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, "<ts>.<body>")>`
with `X-Hub-Timestamp: <ts>` (Unix seconds), so a receiver can refuse replays outside its window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from sqlalchemy import select

from hub.db import get_or_raise
from hub.errors import InvalidInput
from hub.netguard import BlockedAddress, check_url
from hub.notify.audience import AnySession
from hub.notify.models import Delivery, Webhook
from hub.notify.outbox import emit
from hub.notify.settings import webhook_settings
from hub.orgs.models import Organisation
from hub.policy.admin_actions import require_own_organisation_admin
from hub.policy.principal import Principal
from hub.policy.roles import require_org_admin

EVENTS = ("objects", "cases", "reports")
SECRET_PREFIX = "whsec_"


def parse_events(text: str | None) -> list[str]:
    """Read `objects,cases,…`; all events when empty. :raises InvalidInput: an unknown event."""
    names = [name.strip().lower() for name in (text or "").split(",") if name.strip()]
    unknown = [name for name in names if name not in EVENTS]
    if unknown:
        raise InvalidInput(f"unknown event {unknown[0]!r}; events are {', '.join(EVENTS)}")
    return list(dict.fromkeys(names)) or list(EVENTS)


def check_endpoint(url: str) -> str:
    """The URL, if the hub may deliver there. :raises InvalidInput: with the reason."""
    settings = webhook_settings()
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > 2000:
        raise InvalidInput("the URL is too long")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(f"{url!r} is not an https:// URL with a host name")
    if parts.scheme != "https" and not settings.allow_private:
        raise InvalidInput("webhook URLs must use https://")
    if parts.username or parts.password:
        raise InvalidInput("put no user name or password in the URL; deliveries are signed instead")
    try:
        check_url(url, allow_private=settings.allow_private)
    except (BlockedAddress, ValueError) as exc:
        raise InvalidInput(f"cannot deliver to this URL: {exc}") from None
    return url


def add_webhook(session: AnySession, org: Organisation, url: str, events: list[str]) -> tuple[Webhook, str]:
    """Register an endpoint for `org`; returns it and its signing secret (shown once, to its admins)."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    hook = Webhook(
        org_id=org.id, url=check_endpoint(url), secret=secret, events=",".join(events), is_active=True
    )
    session.add(hook)
    session.flush()
    return hook, secret


def add_for(
    session: AnySession, p: Principal, org: Organisation, url: str, events: list[str]
) -> tuple[Webhook, str]:
    """`add_webhook` for the organisation's own admin (a coordinator only for their own organisation: a
    webhook delivers what the organisation may read). :raises PermissionDenied:"""
    require_own_organisation_admin(p, org.id)
    return add_webhook(session, org, url, events)


def list_webhooks(session: AnySession, org_id: int | None = None) -> list[Webhook]:
    """Every webhook (the operators' view), or one organisation's."""
    query = select(Webhook).order_by(Webhook.id)
    if org_id is not None:
        query = query.where(Webhook.org_id == org_id)
    return list(session.scalars(query))


def get_for(session: AnySession, p: Principal, webhook_id: int) -> Webhook:
    """One webhook its organisation's admins may manage. :raises NotFound: otherwise."""
    hook = get_or_raise(session, Webhook, webhook_id, f"no webhook {webhook_id}")
    require_org_admin(p, hook.org_id)
    return hook


def remove_webhook(session: AnySession, webhook_id: int) -> None:
    """Delete a webhook and its deliveries. :raises NotFound:"""
    hook = get_or_raise(session, Webhook, webhook_id, f"no webhook {webhook_id}")
    session.delete(hook)
    session.flush()


def send_test(session: AnySession, hook: Webhook) -> None:
    """Queue a `test` event to this endpoint (delivered by the worker like any other)."""
    if not hook.is_active:
        hook.is_active = True  # a test after a 410 is how an admin turns the endpoint back on
        hook.disabled_reason = None
    emit(session, "webhook.test", webhook_id=hook.id)


def last_deliveries(session: AnySession, webhook_id: int, limit: int = 20) -> list[Delivery]:
    """The endpoint's most recent deliveries, with their status codes."""
    return list(
        session.scalars(
            select(Delivery)
            .where(Delivery.webhook_id == webhook_id)
            .order_by(Delivery.created_us.desc(), Delivery.id)
            .limit(limit)
        )
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Hub-Signature-256` value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
