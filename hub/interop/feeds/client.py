"""The taxii2-client connection of a feed, remembering the last response's `X-TAXII-Date-Added-Last`."""

from __future__ import annotations

from typing import Any

import requests
from taxii2client.common import _HTTPConnection
from taxii2client.v21 import Collection

from hub.interop.feeds.models import Feed

TIMEOUT_SECONDS = 60


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class RemoteCollection:
    """A remote TAXII 2.1 collection; `date_added_last` is the header of the latest response (None if absent).

    taxii2-client sets no timeout of its own, so every request here gets one.
    """

    def __init__(self, feed: Feed, secret: str | None) -> None:
        auth = _Bearer(secret) if feed.auth_kind == "token" and secret else None
        user = feed.username if feed.auth_kind == "basic" else None
        password = secret if feed.auth_kind == "basic" else None
        self._conn = _HTTPConnection(user=user, password=password, auth=auth, version="2.1")
        self._conn.session.hooks["response"].append(self._remember)
        self._conn.session.request = _with_timeout(self._conn.session.request)
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


def _with_timeout(request: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return request(*args, **kwargs)

    return call
