"""Small builders for notification tests."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from hub.notify.webhooks import add_webhook, parse_events
from hub.orgs.models import Organisation


def hook_for(session: Session, org: Organisation, url: str, events: str = "objects") -> tuple[int, str]:
    hook, secret = add_webhook(session, org, url, parse_events(events))
    session.commit()
    return hook.id, secret


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check, written as docs/notifications.md tells receivers to write it."""
    signed = headers["X-Hub-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Hub-Signature-256"])
