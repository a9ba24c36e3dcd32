"""Correcting and revoking a stored object, in STIX terms: always a new version, never a change in place.

An edit is a new version of the object with a later `modified`; a revocation is a final version with
`revoked: true` (STIX 2.1, 3.6). Both go through `hub.stix.ingest.add_objects` like any other version, so the
same write rules, TLP ceiling, moderation and version ordering apply, and TAXII subscribers receive them as
new versions. Who may revise, whether TLP may widen, and the level older versions are read at afterwards are
write decisions of `hub.policy.writing`. The object is loaded through the visibility rule: a member never
revises what they cannot see (a colleague's TLP:RED object addressed only to its author, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import now_us
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.policy import writing
from hub.policy.principal import Principal
from hub.policy.tlp import LEVEL_BY_MARKING_ID, Tlp, is_tlp_marking_definition
from hub.sharing.audience import Audience, audience
from hub.sharing.models import Collection
from hub.stix.build import ObservableKind, observable_of, pattern_for
from hub.stix.ingest import IngestOptions, add_objects
from hub.stix.models import ObjectVersion, State, Submission
from hub.stix.query import ALL, LAST, ObjectFilter, list_versions
from hub.stix.validation import InvalidStix, format_timestamp, parse_timestamp
from hub.stix.validation.patterns import check_pattern

REVOKED = '"revoked":true'  # as orjson writes a stored body; inside a JSON string the quotes are escaped
_SIMPLE = re.compile(r"^\[([a-z0-9-]+:[a-z_.]+|file:hashes\.'[A-Z0-9-]+') = '((?:[^'\\]|\\.)*)'\]$")
_KINDS = {
    "domain-name:value": ObservableKind.DOMAIN,
    "url:value": ObservableKind.URL,
    "ipv4-addr:value": ObservableKind.IPV4,
    "ipv6-addr:value": ObservableKind.IPV6,
    "email-addr:value": ObservableKind.EMAIL,
    "user-account:account_login": ObservableKind.ACCOUNT,
    "x-phone-number:value": ObservableKind.PHONE,
}


class RevisionRefused(InvalidInput):
    """An edit the hub does not store; `field` names the form field it concerns (for the error beside it)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, details={"field": field})
        self.field = field


@dataclass(frozen=True, slots=True)
class Revisable:
    """The latest version of an object that `p` may see, and whether `p` may add a version to it now."""

    version: ObjectVersion
    body: dict[str, Any]
    allowed: bool
    revoked: bool

    @property
    def tlp(self) -> Tlp:
        """The level the latest visible version is read at."""
        return Tlp(self.version.tlp)


@dataclass(frozen=True, slots=True)
class IndicatorEdit:
    """What the edit form changes on an indicator. `value` replaces the value of a one-value pattern (same
    kind, normalised as on the share form); otherwise `pattern` replaces the whole pattern."""

    name: str
    description: str
    valid_until: date | None
    confidence: int | None
    labels: tuple[str, ...]
    tlp: Tlp
    value: str | None = None
    pattern: str | None = None


def simple_value(pattern: str) -> str | None:
    """The value of a one-comparison pattern the share form could have built, else None (edit the pattern)."""
    m = _SIMPLE.match(pattern)
    if m is None or not (m.group(1) in _KINDS or m.group(1).startswith("file:hashes.")):
        return None
    return m.group(2).replace("\\'", "'").replace("\\\\", "\\")


def revisable(session: Session, p: Principal, collection_id: str, stix_id: str) -> Revisable:
    """The object as `p` would revise it. :raises NotFound: `p` sees no version of it in the collection."""
    latest = list_versions(session, p, collection_id, ObjectFilter(ids=(stix_id,), versions=(LAST,)), 1).items
    if not latest:
        raise NotFound(f"no object {stix_id!r} in this collection")
    # Who owns it and whether it was revoked are read over every version, as ingest decides them.
    is_revoked = ObjectVersion.body.contains(REVOKED, autoescape=True)
    rows = session.execute(
        select(ObjectVersion.producer_org_id, ObjectVersion.date_added, is_revoked).where(
            ObjectVersion.collection_id == collection_id, ObjectVersion.stix_id == stix_id
        )
    ).all()
    first = min(rows, key=lambda row: row.date_added).producer_org_id
    revoked = any(row[2] for row in rows)  # read in the database: bodies can be large
    body = orjson.loads(latest[0].body)
    allowed = writing.may_revise(p, collection_id, first, revoked) and not is_tlp_marking_definition(body)
    return Revisable(latest[0], body, allowed, revoked)


def require_revisable(session: Session, p: Principal, collection_id: str, stix_id: str) -> Revisable:
    """Like `revisable`. :raises PermissionDenied: `p` may see it but not add a version."""
    found = revisable(session, p, collection_id, stix_id)
    if found.revoked:
        raise PermissionDenied("this object was revoked; a revoked object takes no new version")
    if not found.allowed:
        raise PermissionDenied("only the organisation that posted this object may edit or revoke it")
    return found


def revise_indicator(
    session: Session,
    p: Principal,
    collection_id: str,
    stix_id: str,
    edit: IndicatorEdit,
    widening_confirmed: bool = False,
) -> Submission:
    """Store the edited indicator as a new version (the caller commits).

    :raises RevisionRefused: a value, date or TLP change the hub refuses (names the field).
    """
    found = require_revisable(session, p, collection_id, stix_id)
    if found.version.type != "indicator":
        raise RevisionRefused("only indicators can be edited here", "name")
    refusal = writing.tlp_change_refusal(found.tlp, edit.tlp, widening_confirmed)
    if refusal:
        raise RevisionRefused(refusal, "tlp")
    return _add(session, p, found, edited_indicator(found.body, edit, now_us()))


def revoke(session: Session, p: Principal, collection_id: str, stix_id: str) -> Submission:
    """Store the final version with `revoked: true` (the caller commits): the content of the latest published
    version, at the level of the latest version, so it says nothing readers did not already see and is
    published at once even where posts wait for a coordinator (`writing.revocation_state`)."""
    found = require_revisable(session, p, collection_id, stix_id)
    every = ObjectFilter(ids=(stix_id,), versions=(ALL,))
    published = [
        v for v in list_versions(session, p, collection_id, every, 200).items if v.state == State.PUBLISHED
    ]
    base = max(published, key=lambda v: v.version) if published else found.version
    obj = {**orjson.loads(base.body), "revoked": True, "modified": _later(found.body, now_us())}
    _mark(obj, max(found.tlp, Tlp(base.tlp)))
    return _add(session, p, found, obj)


def edited_indicator(base: dict[str, Any], edit: IndicatorEdit, now: int) -> dict[str, Any]:
    """The next version of `base` with the edit applied: same id and `created`, a later `modified`."""
    obj = {**base, "name": edit.name.strip() or base.get("name", ""), "modified": _later(base, now)}
    obj["pattern"] = _pattern(base.get("pattern", ""), edit)
    _mark(obj, edit.tlp)
    _set(obj, "description", edit.description.strip() or None)
    _set(obj, "confidence", edit.confidence)
    _set(obj, "labels", [label for label in edit.labels if label.strip()] or None)
    _set(obj, "valid_until", _valid_until(base, edit.valid_until))
    return obj


def _mark(obj: dict[str, Any], level: Tlp) -> None:
    """Replace every TLP marking (object-level and granular; the most restrictive one binds) with `level`."""
    others = [ref for ref in obj.get("object_marking_refs") or () if ref not in LEVEL_BY_MARKING_ID]
    obj["object_marking_refs"] = [*others, level.marking_id]
    granular = [
        g for g in obj.get("granular_markings") or () if g.get("marking_ref") not in LEVEL_BY_MARKING_ID
    ]
    _set(obj, "granular_markings", granular or None)


def _pattern(pattern: str, edit: IndicatorEdit) -> str:
    if edit.value is not None and simple_value(pattern) is not None:
        return _with_value(pattern, edit.value)
    text = (edit.pattern if edit.pattern is not None else pattern).strip()
    try:
        check_pattern(text)
    except InvalidStix:
        raise RevisionRefused("this is not a valid STIX pattern", "pattern") from None
    return text


def _with_value(pattern: str, raw: str) -> str:
    """The pattern with its one value replaced by `raw`, checked and normalised as the share form does."""
    path = _SIMPLE.match(pattern).group(1)  # type: ignore[union-attr]  # simple_value matched it
    kind = ObservableKind.HASH if path.startswith("file:hashes.") else _KINDS[path]
    try:
        return pattern_for(kind, observable_of(kind, raw))
    except InvalidInput:
        raise RevisionRefused(f"this is not a valid {kind.value} value", "value") from None


def _valid_until(base: dict[str, Any], day: date | None) -> str | None:
    if day is None:
        return None
    text = f"{day.isoformat()}T00:00:00Z"
    valid_from = base.get("valid_from")
    if isinstance(valid_from, str) and parse_timestamp(text) <= parse_timestamp(valid_from):
        raise RevisionRefused("'valid until' must be after 'valid from'", "valid_until")
    return text


def _set(obj: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        obj.pop(key, None)
    else:
        obj[key] = value


def _later(base: dict[str, Any], now: int) -> str:
    """A `modified` after the base version's (STIX orders versions by it), in milliseconds as clients
    expect; the clock may lag the stored one, so at least one millisecond later."""
    previous = base.get("modified") or base.get("created")
    floor = parse_timestamp(previous) + 1000 if isinstance(previous, str) else 0
    stamp = -(-max(now, floor) // 1000) * 1000  # rounded up to the millisecond
    return format_timestamp(stamp)[:23] + "Z"


def _add(session: Session, p: Principal, found: Revisable, obj: dict[str, Any]) -> Submission:
    """Ingest the new version as the first was shared (with or without attribution)."""
    options = IngestOptions(
        anonymous=found.version.is_anonymous,
        hub_identity_id=found.body.get("created_by_ref") if found.version.is_anonymous else None,
    )
    submission = add_objects(session, p, found.version.collection_id, [obj], options)
    failures = orjson.loads(submission.results)["failures"]
    if failures:
        raise RevisionRefused(failures[0]["message"], "tlp")
    return submission


def widening_gain(session: Session, collection: Collection, old: Tlp, new: Tlp) -> Audience:
    """Who gains access when an object of `collection` goes from `old` to the wider `new`: the audience at
    `new` less the one at `old` (the same rules at a wider level reach a superset)."""
    before, after = audience(session, collection, old), audience(session, collection, new)
    names = sorted(set(after.org_names) - set(before.org_names))
    by_tier = {tier: max(0, count - before.by_tier.get(tier, 0)) for tier, count in after.by_tier.items()}
    return Audience(new, after.public and not before.public, by_tier, names, 0)
