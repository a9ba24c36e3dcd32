"""Reading TAXII query parameters (§3.4) into an `ObjectFilter`, a page size and a keyset position.

`next` tokens (§3.5) are stateless and signed with the app's secret: they carry the collection and endpoint,
the normalised filter, the user id and the keyset position (the `date_added` of the last item served).
A token is only honoured for the same collection, endpoint, filter and principal, so it can never widen what
the caller sees (visibility is applied afresh on every request anyway). A client may resend the filters with
`next`, or drop them (OpenCTI does): the token carries the filter it was made for.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from hub.errors import InvalidInput
from hub.policy.principal import Principal
from hub.stix.query import ALL, FIRST, LAST, ObjectFilter
from hub.stix.validation import InvalidStix, parse_timestamp

FILTER_NAMES = ("added_after", "match[id]", "match[type]", "match[version]", "match[spec_version]")
_SALT = "taxii-next"
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
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)
    return str(serializer.dumps({"s": scope, "u": p.user_id or 0, "f": _encode(f), "a": after}))


def _read_token(token: str, p: Principal, scope: str) -> tuple[ObjectFilter, int]:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)
    try:
        data = serializer.loads(token, max_age=int(current_app.config["NEXT_TOKEN_MAX_AGE_SECONDS"]))
        if data["s"] != scope or data["u"] != (p.user_id or 0):
            raise InvalidInput("this `next` token belongs to another collection, endpoint or user")
        return _decode(data["f"]), int(data["a"])
    except BadSignature:  # also covers expiry (SignatureExpired)
        raise InvalidInput(
            "the `next` token is not valid (expired, altered or not issued here); start again without it"
        ) from None
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("the `next` token is not valid; start again without it") from None


def _encode(f: ObjectFilter) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(f).items()}


def _decode(data: dict[str, Any]) -> ObjectFilter:
    values: dict[str, Any] = {key: tuple(v) if isinstance(v, list) else v for key, v in data.items()}
    return ObjectFilter(**values)


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
