"""The one visibility rule, as a SQL condition. Every read path for STIX objects starts from `visible()`.

An object version is visible to a principal iff (see docs/access-control.md):
1. the principal may read its collection;
2. TLP gate: CLEAR; or GREEN/AMBER/AMBER+STRICT for a vetted active organisation (or the producer
   organisation); or RED for a reader named by a `user:` rule of the collection (or the author);
3. moderation gate: published, or the principal's organisation produced it, or the principal is a coordinator.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, or_, true

from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion, State


def visible(p: Principal, version: Any = ObjectVersion) -> ColumnElement[bool]:
    """SQL condition on `version` (ObjectVersion or an alias of it) that holds iff `p` may see the row."""
    if not p.readable:
        return false()
    readable = _among(version.collection_id, p.readable)
    return and_(readable, _tlp_gate(p, version), _moderation_gate(p, version))


def _among(column: Any, ids: frozenset[str]) -> ColumnElement[bool]:
    """`column IN (...)` with one bound parameter per id: rendered once with the statement, where a list of
    values is an expanding parameter that SQLAlchemy renders again at every execution."""
    parameters = [bindparam(None, value, type_=column.type, unique=True) for value in sorted(ids)]
    condition: ColumnElement[bool] = column.in_(parameters)
    return condition


def own(p: Principal, version: Any = ObjectVersion) -> ColumnElement[bool]:
    """SQL condition: `p`'s active organisation produced the version (never true for anonymous readers).
    Not a read permission on its own: combine it with `visible(p)`."""
    return _own(p, version)


def _own(p: Principal, version: Any) -> ColumnElement[bool]:
    if p.org_active and p.org_id is not None:
        return version.producer_org_id == p.org_id  # type: ignore[no-any-return]
    return false()


def _tlp_gate(p: Principal, version: Any) -> ColumnElement[bool]:
    amber_band = true() if p.is_vetted else _own(p, version)
    red_readers: list[ColumnElement[bool]] = []
    if p.named:
        red_readers.append(_among(version.collection_id, p.named))
    if p.org_active and p.user_id is not None:
        red_readers.append(version.author_id == p.user_id)
    return or_(
        version.tlp == int(Tlp.CLEAR),
        and_(version.tlp > int(Tlp.CLEAR), version.tlp < int(Tlp.RED), amber_band),
        and_(version.tlp == int(Tlp.RED), or_(*red_readers) if red_readers else false()),
    )


def _moderation_gate(p: Principal, version: Any) -> ColumnElement[bool]:
    if p.is_coordinator:
        return true()
    return or_(version.state == int(State.PUBLISHED), _own(p, version))
