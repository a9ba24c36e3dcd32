"""TAXII 2.1 resources built from the hub's rows. Envelopes splice stored JSON text, never re-encoding it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Row

from hub.policy import writing
from hub.policy.principal import Principal
from hub.sharing.models import Collection
from hub.stix.models import Submission
from hub.stix.query import Page
from hub.stix.validation import format_timestamp
from hub.taxii.http import STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE

AnyRow = Row[*tuple[Any, ...]]


def api_root(title: str, description: str, max_content_length: int) -> dict[str, Any]:
    """The API root resource (§4.2)."""
    return {
        "title": title,
        "description": description,
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": max_content_length,
    }


def collection(c: Collection, p: Principal) -> dict[str, Any]:
    """The collection resource (§5.2), with `can_read` / `can_write` for this principal."""
    resource: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "can_read": c.id in p.readable,
        "can_write": writing.may_write(p, c.id),
        "media_types": [STIX_MEDIA_TYPE],
    }
    if c.description:
        resource["description"] = c.description
    if c.alias:
        resource["alias"] = c.alias
    return resource


def collections(items: Sequence[Collection], p: Principal) -> dict[str, Any]:
    """The collections resource (§5.1); `{}` when there are none."""
    return {"collections": [collection(c, p) for c in items]} if items else {}


def envelope(page: Page[AnyRow], next_token: str | None) -> bytes:
    """The envelope (§3.7) of a page of `(body, date_added)` rows, spliced from the stored JSON text."""
    if not page.items:
        return b"{}"
    head = b'{"more":true,"next":' + orjson.dumps(next_token) + b"," if page.more else b'{"more":false,'
    return head + b'"objects":[' + ",".join([row[0] for row in page.items]).encode() + b"]}"


def manifest(page: Page[AnyRow], next_token: str | None) -> dict[str, Any]:
    """The manifest resource (§5.6) of a page of `(stix_id, version, version_text, date_added)` rows."""
    if not page.items:
        return {}
    objects = [
        {
            "id": row[0],
            "date_added": format_timestamp(row[3]),
            "version": _version(row[1], row[2]),
            "media_type": STIX_MEDIA_TYPE,
        }
        for row in page.items
    ]
    return _paged({"objects": objects}, page, next_token)


def versions(page: Page[AnyRow], next_token: str | None) -> dict[str, Any]:
    """The versions resource (§5.8) of a page of `(version, version_text, date_added)` rows."""
    if not page.items:
        return {}
    return _paged({"versions": [_version(row[0], row[1]) for row in page.items]}, page, next_token)


def status(s: Submission) -> dict[str, Any]:
    """The status resource (§4.3.1) of a submission."""
    results = orjson.loads(s.results)
    return {
        "id": s.id,
        "status": s.status,
        "request_timestamp": format_timestamp(s.request_timestamp),
        "total_count": s.total_count,
        "success_count": s.success_count,
        "successes": results.get("successes", []),
        "failure_count": s.failure_count,
        "failures": results.get("failures", []),
        "pending_count": s.pending_count,
        "pendings": results.get("pendings", []),
    }


def date_added_headers(page: Page[AnyRow]) -> dict[str, str]:
    """`X-TAXII-Date-Added-First/Last` (§3.2) over what this page returns; none for an empty page."""
    if not page.items:
        return {}
    return {
        "X-TAXII-Date-Added-First": format_timestamp(page.items[0][-1]),
        "X-TAXII-Date-Added-Last": format_timestamp(page.items[-1][-1]),
    }  # `date_added` comes last


def _version(version: int, text: str | None) -> str:
    """The object's own `modified` (else `created`) text, so clients comparing strings see what they hold;
    objects without either (SCOs) are versioned by their `date_added`, in the server's format."""
    return text if text is not None else format_timestamp(version)


def _paged(resource: dict[str, Any], page: Page[AnyRow], next_token: str | None) -> dict[str, Any]:
    if page.more:
        return {"more": True, "next": next_token, **resource}
    return {"more": False, **resource}
