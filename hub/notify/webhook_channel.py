"""The webhook channel: a signed JSON POST (`X-Hub-Event`, `X-Hub-Delivery`, `X-Hub-Timestamp`,
`X-Hub-Signature-256`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from hub.notify import http
from hub.notify.audience import AnySession
from hub.notify.delivery import Claimed, Outcome, Verdict
from hub.notify.models import Webhook
from hub.notify.payloads import build_payload
from hub.notify.settings import WebhookSettings, webhook_settings
from hub.notify.webhooks import signature

USER_AGENT = "hrd-hub-webhooks/1"


@dataclass(frozen=True, slots=True)
class SignedPost:
    """One delivery to one endpoint; signed when it leaves, so the timestamp is the moment of sending."""

    url: str
    secret: str
    event: str
    delivery_id: str
    body: bytes
    settings: WebhookSettings

    def transmit(self) -> Outcome:
        """POST it; 2xx is sent, 410 disables the endpoint, anything else is retried."""
        stamp = int(time.time())
        headers = {
            "User-Agent": USER_AGENT,
            "X-Hub-Event": self.event,
            "X-Hub-Delivery": self.delivery_id,
            "X-Hub-Timestamp": str(stamp),
            "X-Hub-Signature-256": signature(self.secret, stamp, self.body),
        }
        result = http.post(self.url, headers, self.body, self.settings)
        if result.ok:
            return Outcome(Verdict.SENT, status=result.status)
        if result.status == 410:
            return Outcome(Verdict.GONE, "the endpoint answered 410 Gone; it was disabled", 410)
        return Outcome(Verdict.RETRY, result.error, result.status)


class WebhookChannel:
    """Builds signed posts for webhook deliveries."""

    def prepare(self, session: AnySession, claimed: Claimed) -> SignedPost | Outcome:
        """The post, or DROPPED when the endpoint is gone or nothing may be told any more."""
        hook = session.get(Webhook, claimed.webhook_id) if claimed.webhook_id is not None else None
        if hook is None or not hook.is_active:
            return Outcome(Verdict.DROPPED, "the webhook was removed or disabled")
        built = build_payload(session, hook, claimed.id, claimed.topic, claimed.refs, claimed.created_us)
        if built is None:
            return Outcome(Verdict.DROPPED, "the organisation may no longer see what this was about")
        event, body = built
        return SignedPost(hook.url, hook.secret, event, claimed.id, body, webhook_settings())
