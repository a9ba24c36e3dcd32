"""Resolved credentials, cached per `Authorization` header for a few seconds while the policy has not changed.

Resolving a token into a principal (token, user and organisation, then the access rules) was a third of a
TAXII first page (docs/performance.md). A poller presents the same token again and again, so each worker
keeps what it resolved, keyed by an HMAC of the header under a key that exists only in this process (the
secret itself is never kept), and tagged with the policy version (`hub.policy.version`) read at the start of
resolution. An entry is used only while that version is still current: every change to rules, tiers,
memberships, suspensions, users or tokens moves it, in every process at once. Entries also end at their
token's expiry and after `TTL_SECONDS` at most, which bounds what a change made outside the ORM can outlive
and lets the full path note the token's last use about once a minute.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from hub.db import utcnow
from hub.policy.principal import Principal

TTL_SECONDS = 30.0
MAX_ENTRIES = 4096
_EXTENSION = "hub.principal_cache"


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a request's API token allows beyond its owner's principal: its scope and its collections."""

    token_id: int
    scope: str
    collection_ids: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class Credentials:
    """A request's principal and, when it presented a token, the token's grant and expiry."""

    principal: Principal
    grant: TokenGrant | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    credentials: Credentials
    version: int
    stored: float


class PrincipalCache:
    """A bounded, thread-safe map from an `Authorization` header's HMAC to the credentials it resolved to."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._entries: dict[bytes, _Entry] = {}
        self._lock = threading.Lock()

    def key(self, header: str | None) -> bytes:
        """The entry key of a header: an HMAC under this process's own key, so no secret is ever held. No
        header (the anonymous) and an empty one (no valid credentials: 401) get different keys."""
        marked = b"-" if header is None else b"+" + header.encode()
        return hmac.new(self._key, marked, hashlib.sha256).digest()

    def get(self, key: bytes, version: int) -> Credentials | None:
        """The credentials stored under `key` if they were resolved at `version` and are still fresh."""
        found = self.peek(key)
        return found[0] if found is not None and found[1] == version else None

    def peek(self, key: bytes) -> tuple[Credentials, int] | None:
        """The credentials stored under `key` if still fresh, with the policy version they were resolved at:
        usable only once that version is found current (`hub.policy.version_check`)."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry.stored > TTL_SECONDS:
            return None
        expires = entry.credentials.expires_at
        if expires is not None and expires <= utcnow():
            return None
        return entry.credentials, entry.version

    def put(self, key: bytes, version: int, credentials: Credentials) -> None:
        """Keep `credentials` resolved at `version`; when full, start again (cheaper than tracking age)."""
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = _Entry(credentials, version, time.monotonic())


def principal_cache() -> PrincipalCache:
    """The current app's cache (one per app, so per worker process)."""
    cache: PrincipalCache = current_app.extensions.setdefault(_EXTENSION, PrincipalCache())
    return cache
