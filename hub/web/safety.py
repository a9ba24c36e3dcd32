"""Redirect targets that cannot leave the hub."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(url: str | None, default: str = "/") -> str:
    """`url` if it is a same-site relative path (`/…`, not `//host` or `/\\host`), else `default`."""
    if not url:
        return default
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return default
    return url
