"""Planning `objects.added`: webhooks and filtered subscriptions, "anything addressed to me", quarantine.

Every recipient is checked with the visibility rule (`hub.notify.audience`); nobody is told about an object
they could not open.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import scoped_session

from hub.db import now_us
from hub.notify.audience import AnySession, org_principal, user_principal, visible_ids
from hub.notify.models import Channel, DigestItem, Subscription
from hub.notify.recipients import Recipient, coordinators, hooks_to, webhooks_for
from hub.notify.subscriptions import VALUE_KINDS
from hub.notify.topics import OBJECTS, enabled_for
from hub.orgs.models import User
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.search.service import found_among
from hub.sharing.models import AccessRule, Mode, RuleKind
from hub.stix.models import ObjectVersion, State
from hub.stix.observable_index import IndexedObservable


def plan_objects(session: AnySession, refs: dict[str, Any]) -> Iterator[Recipient]:
    """Recipients for versions just stored (or just published by a coordinator)."""
    collection_id: str = refs["collection_id"]
    rows = session.execute(
        select(
            ObjectVersion.id,
            ObjectVersion.tlp,
            ObjectVersion.state,
            ObjectVersion.type,
            ObjectVersion.author_id,
            ObjectVersion.body,
        )
        .where(ObjectVersion.id.in_(refs["version_ids"]))
        .order_by(ObjectVersion.id)
    ).all()
    published = [row for row in rows if row.state == State.PUBLISHED]
    waiting = [row.id for row in rows if row.state == State.QUARANTINED]
    if waiting:  # each coordinator hears only of the posts they may see (a coordinator is no superuser)
        for user_id in sorted(enabled_for(session, coordinators(session), "quarantine")):
            user = session.get(User, user_id)
            allowed = visible_ids(session, user_principal(session, user), waiting) if user else []
            if allowed:
                yield Recipient(Channel.EMAIL, "quarantine", {"version_ids": allowed}, user_id=user_id)
    if not published:
        return
    ids = [row.id for row in published]
    for hook in webhooks_for(session, "objects"):
        allowed = visible_ids(session, org_principal(session, hook.org), ids, below_red=True)
        if allowed:
            yield from hooks_to([hook], "objects", {"version_ids": allowed})
    yield from _subscribers(session, collection_id, published)
    yield from _addressed(session, collection_id, published)
    yield from _about_my_posts(session, published)


def _subscribers(session: AnySession, collection_id: str, rows: Sequence[Any]) -> Iterator[Recipient]:
    """Filtered subscriptions to new objects: immediate ones now, daily ones into the digest."""
    subscriptions = session.scalars(
        select(Subscription)
        .where(Subscription.topic == OBJECTS, Subscription.enabled.is_(True))
        .where((Subscription.collection_id.is_(None)) | (Subscription.collection_id == collection_id))
        .order_by(Subscription.user_id, Subscription.id)
    ).all()
    by_user: dict[int, list[Subscription]] = {}
    for subscription in subscriptions:
        by_user.setdefault(subscription.user_id, []).append(subscription)
    for user_id, chosen in by_user.items():
        user = session.get(User, user_id)
        if user is None:
            continue
        p = user_principal(session, user)
        allowed = set(visible_ids(session, p, [row.id for row in rows]))
        seen = [row for row in rows if row.id in allowed]
        hits = {s.id: _hits(session, p, s, seen) for s in chosen} if seen else {}
        now = [row.id for row in seen if any(row.id in hits[s.id] for s in chosen if not s.daily)]
        later = [row.id for row in seen if row.id not in now and any(row.id in hits[s.id] for s in chosen)]
        for version_id in later:
            session.add(DigestItem(user_id=user_id, version_id=version_id, created_us=now_us()))
        if now:
            yield Recipient(Channel.EMAIL, OBJECTS, {"version_ids": now}, user_id=user_id)


def _hits(session: AnySession, p: Principal, subscription: Subscription, rows: Sequence[Any]) -> set[int]:
    """The versions among `rows` (all visible to `p`) that the subscription's filter matches."""
    ids = {row.id for row in rows if matches(subscription, row.type, row.tlp)}
    if subscription.value_kind and ids:
        ids &= set(
            session.scalars(
                select(IndexedObservable.version_id).where(
                    IndexedObservable.version_id.in_(ids),
                    IndexedObservable.kind.in_(VALUE_KINDS.get(subscription.value_kind, ())),
                )
            )
        )
    if subscription.text and ids:
        needle = subscription.text.lower()
        in_body = {row.id for row in rows if row.id in ids and needle in row.body.lower()}
        plain = session() if isinstance(session, scoped_session) else session
        ids = in_body | found_among(plain, p, subscription.text, sorted(ids - in_body))
    return ids


def matches(subscription: Subscription, object_type: str, tlp: int) -> bool:
    """The subscription's plain filters: the object's type and the highest TLP."""
    if subscription.object_type and subscription.object_type != object_type:
        return False
    return subscription.max_tlp is None or tlp <= subscription.max_tlp


def _addressed(session: AnySession, collection_id: str, rows: Sequence[Any]) -> Iterator[Recipient]:
    """TLP:RED in a channel whose `user:` read rule names the member (on by default)."""
    red = [row.id for row in rows if row.tlp == Tlp.RED]
    if not red:
        return
    named = session.scalars(
        select(AccessRule.user_id).where(
            AccessRule.collection_id == collection_id,
            AccessRule.kind == RuleKind.USER.value,
            AccessRule.mode == Mode.READ.value,
        )
    ).all()
    for user_id in sorted(enabled_for(session, [u for u in named if u is not None], "addressed")):
        user = session.get(User, user_id)
        if user is None:
            continue
        allowed = visible_ids(session, user_principal(session, user), red)
        if allowed:
            yield Recipient(
                Channel.EMAIL, "addressed", {"version_ids": allowed, "why": "red"}, user_id=user_id
            )


def _referenced(body: str, object_type: str) -> list[str]:
    obj = orjson.loads(body)
    if object_type == "sighting":
        ref = obj.get("sighting_of_ref")
        return [ref] if isinstance(ref, str) else []
    if object_type in ("note", "opinion"):
        return [ref for ref in obj.get("object_refs", ()) if isinstance(ref, str)]
    return []


def _about_my_posts(session: AnySession, rows: Sequence[Any]) -> Iterator[Recipient]:
    """A sighting of, or a note or opinion on, an object a member posted: told to its author."""
    for row in rows:
        refs = _referenced(row.body, row.type)
        if not refs:
            continue
        authors = set(
            session.scalars(
                select(ObjectVersion.author_id).where(
                    ObjectVersion.stix_id.in_(refs), ObjectVersion.author_id.is_not(None)
                )
            )
        ) - {row.author_id, None}
        why = "sighting" if row.type == "sighting" else "reply"
        for user_id in sorted(enabled_for(session, sorted(a for a in authors if a is not None), "addressed")):
            user = session.get(User, user_id)
            if user is not None and visible_ids(session, user_principal(session, user), [row.id]):
                yield Recipient(
                    Channel.EMAIL, "addressed", {"version_ids": [row.id], "why": why}, user_id=user_id
                )
