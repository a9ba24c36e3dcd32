"""The taxii2-client connection of a feed, remembering the last response's `X-TAXII-Date-Added-Last`.

A remote server is not trusted to behave: every request goes through `hub.netguard` (no internal addresses
unless the operator allows them, no redirect to another origin), has a total deadline (not only a per-read
timeout, which an upstream dripping a few bytes at a time never trips), and its body is read as a stream and
refused past a byte limit instead of being held whole in memory.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import Collection

from hub.interop.feeds.models import Feed
from hub.netguard import guarded_session

MiB = 1024 * 1024
CHUNK = 64 * 1024


class RemoteMisbehaved(Exception):
    """The remote server broke a limit of the hub (size, time, paging); the message says which."""


@dataclass(frozen=True, slots=True)
class FeedLimits:
    """Per-request and per-run limits of feeds (settings `HUB_FEED_*`, see docs/interop.md)."""

    request_deadline: float = 120.0
    max_response_bytes: int = 64 * MiB
    max_pages: int = 200
    max_seconds: float = 900.0
    allow_private: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FeedLimits:
        """The limits from the app's configuration; missing settings keep the defaults."""
        default = cls()
        return cls(
            request_deadline=float(config.get("FEED_REQUEST_DEADLINE_SECONDS", default.request_deadline)),
            max_response_bytes=int(config.get("FEED_MAX_RESPONSE_BYTES", default.max_response_bytes)),
            max_pages=int(config.get("FEED_MAX_PAGES", default.max_pages)),
            max_seconds=float(config.get("FEED_MAX_SECONDS", default.max_seconds)),
            allow_private=_truthy(config.get("FEED_ALLOW_PRIVATE", default.allow_private)),
        )


def _truthy(value: object) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class RemoteCollection:
    """A remote TAXII 2.1 collection; `date_added_last`: the latest response's header (None if absent)."""

    def __init__(self, feed: Feed, secret: str | None, limits: FeedLimits | None = None) -> None:
        self.limits = limits or FeedLimits()
        auth = _Bearer(secret) if feed.auth_kind == "token" and secret else None
        user = feed.username if feed.auth_kind == "basic" else None
        password = secret if feed.auth_kind == "basic" else None
        self._conn = _HTTPConnection(user=user, password=password, auth=auth, version="2.1")
        guarded_session(self.limits.allow_private, self._conn.session)
        self._conn.session.hooks["response"].append(self._remember)
        self._conn.session.request = _bounded(self._conn.session.request, self.limits)
        self.date_added_last: str | None = None
        url = f"{feed.api_root_url}collections/{feed.remote_collection_id}/"
        self.collection = Collection(url, conn=self._conn)

    def _remember(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        self.date_added_last = response.headers.get("X-TAXII-Date-Added-Last")

    def get_page(self, added_after: str | None, next_token: str | None, limit: int) -> dict[str, Any]:
        """One envelope, continuing from `next_token` when given, else from `added_after`."""
        self.date_added_last = None
        params: dict[str, Any] = {"limit": limit}
        if next_token:
            params["next"] = next_token
        if added_after:
            params["added_after"] = added_after
        envelope: dict[str, Any] = self.collection.get_objects(**params)
        return envelope

    def add(self, objects_json: str) -> Any:
        """POST an envelope whose `objects` are already JSON text; returns the taxii2-client Status."""
        return self.collection.add_objects('{"objects":[' + objects_json + "]}", wait_for_completion=False)

    def close(self) -> None:
        """Release the connection pool."""
        self._conn.close()


def _bounded(request: Any, limits: FeedLimits) -> Any:
    """`Session.request` with a total deadline and a byte limit on the body, read as a stream."""

    def call(*args: Any, **kwargs: Any) -> requests.Response:
        deadline = time.monotonic() + limits.request_deadline
        kwargs["timeout"] = min(30.0, limits.request_deadline)
        kwargs["stream"] = True
        response: requests.Response = request(*args, **kwargs)
        try:
            response._content = _read_body(response, deadline, limits)
        finally:
            response.close()
        return response

    return call


def _read_body(response: requests.Response, deadline: float, limits: FeedLimits) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_response_bytes:
        raise RemoteMisbehaved(_too_large(response.url, limits))
    body = bytearray()
    while True:
        if time.monotonic() > deadline:
            raise RemoteMisbehaved(
                f"{response.url}: no complete answer within {limits.request_deadline:g} s "
                "(HUB_FEED_REQUEST_DEADLINE_SECONDS)"
            )
        chunk = response.raw.read1(CHUNK, decode_content=True)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limits.max_response_bytes:
            raise RemoteMisbehaved(_too_large(response.url, limits))


def _too_large(url: str, limits: FeedLimits) -> str:
    return f"{url}: the answer is larger than {limits.max_response_bytes} bytes (HUB_FEED_MAX_RESPONSE_BYTES)"
