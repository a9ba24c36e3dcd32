"""Posting a webhook delivery through `hub.netguard`'s guarded session (the connected socket's address is
checked,
so DNS cannot steer the hub inside its network), with a time limit, a cap on the answer's size, and no
redirects:
a 3xx is a failed delivery, so an endpoint cannot bounce the hub to another host."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import requests

from hub.netguard import BlockedAddress, guarded_session
from hub.notify.settings import WebhookSettings


@dataclass(frozen=True, slots=True)
class HttpResult:
    """What came back: a status code, or an error that prevented one."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


_local = threading.local()


def _session(allow_private: bool) -> requests.Session:
    """One keep-alive session per thread and setting (a worker thread reuses its connections)."""
    key = "private" if allow_private else "public"
    session: requests.Session | None = getattr(_local, key, None)
    if session is None:
        session = guarded_session(allow_private=allow_private)
        setattr(_local, key, session)
    return session


def post(url: str, headers: dict[str, str], body: bytes, settings: WebhookSettings) -> HttpResult:
    """POST `body` to `url`; never raises for network trouble (the result says what went wrong)."""
    try:
        response = _session(settings.allow_private).post(
            url,
            data=body,
            headers={**headers, "Content-Type": "application/json"},
            allow_redirects=False,
            stream=True,
            timeout=settings.timeout_seconds,
        )
    except BlockedAddress as exc:
        return HttpResult(None, str(exc))
    except requests.RequestException as exc:
        return HttpResult(None, f"{type(exc).__name__}: {exc}"[:500])
    with response:
        try:
            answer = response.raw.read(settings.max_response_bytes + 1)
        except (requests.RequestException, OSError) as exc:
            return HttpResult(response.status_code, f"reading the answer failed: {exc}"[:500])
        if len(answer) > settings.max_response_bytes:
            response.raw.close()  # the rest is never read: the connection is dropped, not drained
    status = response.status_code
    if 300 <= status < 400:
        return HttpResult(status, "the endpoint answered with a redirect; redirects are not followed")
    if not 200 <= status < 300:
        return HttpResult(status, f"the endpoint answered {status}")
    return HttpResult(status)
