"""Reading TAXII query parameters (§3.4) into an `ObjectFilter`, a page size and a keyset position.

`next` tokens (§3.5) are stateless: the filter, the keyset position (the `date_added` of the last item
served) and the time of issue, packed as a JSON array, and an HMAC-SHA256 (under a key derived from the app's
secret) over the collection and endpoint, the user id and that array. The collection, endpoint and user are
not in the token but in its MAC, so a token is only honoured for the same collection, endpoint and principal
(and, when the filters are sent again, the same filters): it can never widen what the caller sees (visibility
is applied afresh on every request anyway). A client may resend the filters with `next`, or drop them (OpenCTI
does): the token carries the filter it was made for. itsdangerous did the same with zlib, base64 and key
derivation on every call, 0.4 ms of a first page (docs/performance.md); this costs a few microseconds.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
import time
from dataclasses import asdict, dataclass

import orjson
from flask import current_app
from werkzeug.datastructures import MultiDict

from hub.errors import InvalidInput
from hub.policy.principal import Principal
from hub.stix.query import ALL, FIRST, LAST, ObjectFilter
from hub.stix.validation import InvalidStix, parse_timestamp

FILTER_NAMES = ("added_after", "match[id]", "match[type]", "match[version]", "match[spec_version]")
_KEY_PURPOSE = b"hub taxii next token"
_MAC_BYTES = 16
_DIGITS = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What one page asks for: the filter, the page size and where to continue from."""

    filter: ObjectFilter
    limit: int
    after: int | None


def page_request(
    args: MultiDict[str, str],
    p: Principal,
    scope: str,
    allowed: tuple[str, ...] = FILTER_NAMES,
    fixed: ObjectFilter | None = None,
) -> PageRequest:
    """Parse the filters this endpoint allows, `limit` and `next`; `scope` names the collection and endpoint.

    `fixed` carries settings the endpoint imposes (the object id of the object and versions endpoints).
    :raises InvalidInput: a malformed parameter or a `next` token that is not for this request.
    """
    limit = _limit(args.get("limit"))
    given = any(name in args for name in allowed)
    f = object_filter(args, allowed, fixed or ObjectFilter())
    token = args.get("next")
    if token is None:
        return PageRequest(f, limit, None)
    saved, after = _read_token(token, p, scope)
    if given and _filter_key(f) != _filter_key(saved):
        raise InvalidInput("this `next` token was made for other filters; resend the same filters or none")
    return PageRequest(saved, limit, after)


def object_filter(args: MultiDict[str, str], allowed: tuple[str, ...], base: ObjectFilter) -> ObjectFilter:
    """The filter of a request: comma lists are OR within a field, fields are AND (§3.4.1)."""
    unknown = [name for name in FILTER_NAMES if name in args and name not in allowed]
    if unknown:
        raise InvalidInput(f"this endpoint does not take {', '.join(unknown)}")
    return ObjectFilter(
        ids=_values(args, "match[id]") or base.ids,
        types=_values(args, "match[type]"),
        versions=_versions(_values(args, "match[version]")) or base.versions,
        spec_versions=_values(args, "match[spec_version]"),
        added_after=_timestamp("added_after", args["added_after"]) if "added_after" in args else None,
    )


def next_token(p: Principal, scope: str, f: ObjectFilter, after: int) -> str:
    """A signed, self-contained token for the page after keyset position `after`."""
    payload = orjson.dumps(
        [int(time.time()), after, f.ids, f.types, f.versions, f.spec_versions, f.added_after]
    )
    return f"{_b64(payload)}.{_b64(_mac(scope, p, payload))}"


def _read_token(token: str, p: Principal, scope: str) -> tuple[ObjectFilter, int]:
    """The filter and keyset position of a token made for this scope and principal, and not expired."""
    text, _, mac = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        signature = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except (binascii.Error, ValueError):
        signature = payload = b""
    if not hmac.compare_digest(signature, _mac(scope, p, payload)):
        raise InvalidInput(
            "the `next` token is not valid here (altered, not issued here, or made for another collection, "
            "endpoint or user); start again without it"
        )
    try:
        issued, after, ids, types, versions, spec_versions, added_after = orjson.loads(payload)
        saved = ObjectFilter(
            ids=tuple(ids),
            types=tuple(types),
            versions=tuple(versions),
            spec_versions=tuple(spec_versions),
            added_after=added_after,
        )
    except (TypeError, ValueError):  # only a token signed with this secret but another layout gets here
        raise InvalidInput("the `next` token is not valid; start again without it") from None
    if time.time() - int(issued) > int(current_app.config["NEXT_TOKEN_MAX_AGE_SECONDS"]):
        raise InvalidInput("the `next` token has expired; start again without it")
    return saved, int(after)


def _mac(scope: str, p: Principal, payload: bytes) -> bytes:
    """What binds a token to its collection, endpoint and user: they are in the MAC, not in the token."""
    message = b"%s\x00%d\x00%s" % (scope.encode(), p.user_id or 0, payload)
    return hmac.new(_key(current_app.config["SECRET_KEY"]), message, hashlib.sha256).digest()[:_MAC_BYTES]


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    """The token key, derived from the app's secret for this purpose only (never the secret itself)."""
    return hmac.new(secret.encode(), _KEY_PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _filter_key(f: ObjectFilter) -> str:
    """A digest of the filter's meaning: order and repetition within a field do not matter."""
    normal = {
        key: sorted(set(map(str, value))) if isinstance(value, tuple) else value
        for key, value in asdict(f).items()
    }
    return hashlib.sha256(orjson.dumps(normal, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _limit(text: str | None) -> int:
    default = int(current_app.config["TAXII_DEFAULT_PAGE_SIZE"])
    cap = int(current_app.config["TAXII_MAX_PAGE_SIZE"])
    if text is None:
        return min(default, cap)
    if not _DIGITS.fullmatch(text) or int(text) < 1:
        raise InvalidInput(f"limit must be a positive whole number, not {text!r}")
    return min(int(text), cap)


def _values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    values = [v.strip() for text in args.getlist(name) for v in text.split(",")]
    if any(not v for v in values):
        raise InvalidInput(f"{name} has an empty value")
    return tuple(dict.fromkeys(values))


def _versions(values: tuple[str, ...]) -> tuple[str | int, ...]:
    return tuple(v if v in (FIRST, LAST, ALL) else _timestamp("match[version]", v) for v in values)


def _timestamp(name: str, text: str) -> int:
    try:
        return parse_timestamp(text)
    except InvalidStix:
        choices = "first, last, all or " if name == "match[version]" else ""
        raise InvalidInput(
            f"{name} must be {choices}a timestamp like 2026-01-31T12:00:00.000000Z; got {text[:60]!r}"
        ) from None
