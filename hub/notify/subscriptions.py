"""A member's own notification choices: topics on or off, filtered subscriptions to new objects, and an
OpenPGP key.

Only the member changes their own choices; what they are then told is still decided per message by the
visibility rule, so a subscription can never widen what someone sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from hub.errors import InvalidInput, NotFound
from hub.notify.audience import AnySession
from hub.notify.models import MemberKey, Subscription
from hub.notify.pgp import read_public_key
from hub.notify.topics import BY_NAME, OBJECTS, TOPICS, Topic
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp

# the kinds of value a subscription may ask for, as the share form names them, and the observable index's
# kinds each one covers ("hash": any of the four digests)
VALUE_KINDS: dict[str, tuple[str, ...]] = {
    "domain": ("domain",),
    "url": ("url",),
    "ipv4": ("ipv4",),
    "ipv6": ("ipv6",),
    "email": ("email",),
    "hash": ("md5", "sha1", "sha256", "sha512"),
    "account": ("account",),
    "phone": ("phone",),
}


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """A topic and whether the member receives it."""

    topic: Topic
    enabled: bool


def _me(p: Principal) -> int:
    if p.user_id is None:
        raise NotFound("no such page")
    return p.user_id


def topic_choices(session: AnySession, p: Principal) -> list[TopicChoice]:
    """Every topic with the member's choice (or its default)."""
    saved = dict(
        session.execute(
            select(Subscription.topic, Subscription.enabled).where(
                Subscription.user_id == _me(p), Subscription.topic != OBJECTS
            )
        ).all()
    )
    return [TopicChoice(topic, saved.get(topic.name, topic.default)) for topic in TOPICS]


def set_topics(session: AnySession, p: Principal, enabled: set[str]) -> None:
    """Save the member's choice for every topic (those not in `enabled` are switched off)."""
    user_id = _me(p)
    session.execute(
        delete(Subscription).where(Subscription.user_id == user_id, Subscription.topic != OBJECTS)
    )
    for topic in TOPICS:
        session.add(Subscription(user_id=user_id, topic=topic.name, enabled=topic.name in enabled))
    session.flush()


def object_subscriptions(session: AnySession, p: Principal) -> list[Subscription]:
    """The member's filtered subscriptions to new objects."""
    query = select(Subscription).where(Subscription.user_id == _me(p), Subscription.topic == OBJECTS)
    return list(session.scalars(query.order_by(Subscription.id)))


def add_object_subscription(
    session: AnySession,
    p: Principal,
    collection_id: str | None,
    object_type: str,
    max_tlp: str,
    text: str,
    daily: bool,
    value_kind: str = "",
) -> Subscription:
    """Subscribe to new objects of one readable channel (or all) matching a filter. :raises InvalidInput:"""
    if collection_id and collection_id not in p.readable:
        raise InvalidInput("choose a channel you may read")
    level = None
    if max_tlp:
        try:
            level = int(Tlp.parse(max_tlp))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    if len(object_type) > 250 or len(text) > 200:
        raise InvalidInput("the filter is too long")
    if value_kind and value_kind not in VALUE_KINDS:
        raise InvalidInput(f"unknown kind of value {value_kind!r}")
    row = Subscription(
        user_id=_me(p),
        topic=OBJECTS,
        collection_id=collection_id or None,
        object_type=object_type.strip() or None,
        max_tlp=level,
        text=text.strip() or None,
        value_kind=value_kind or None,
        daily=daily,
    )
    session.add(row)
    session.flush()
    return row


def remove_object_subscription(session: AnySession, p: Principal, subscription_id: int) -> None:
    """Delete one of the member's own subscriptions. :raises NotFound:"""
    row = session.get(Subscription, subscription_id)
    if row is None or row.user_id != _me(p) or row.topic != OBJECTS:
        raise NotFound(f"no subscription {subscription_id}")
    session.delete(row)


def member_key(session: AnySession, p: Principal) -> MemberKey | None:
    """The member's OpenPGP key, if any."""
    return session.get(MemberKey, _me(p))


def set_member_key(session: AnySession, p: Principal, armored: str) -> MemberKey:
    """Save (or replace) the member's public key after checking it. :raises InvalidInput:"""
    key = read_public_key(armored)
    row = session.get(MemberKey, _me(p)) or MemberKey(user_id=_me(p))
    row.fingerprint, row.armored = key.fingerprint, key.armored
    session.add(row)
    session.flush()
    return row


def remove_member_key(session: AnySession, p: Principal) -> None:
    """Stop encrypting mail to the member."""
    session.execute(delete(MemberKey).where(MemberKey.user_id == _me(p)))


def topic_names() -> set[str]:
    """Every topic a form may switch."""
    return set(BY_NAME)
