"""What a member can be told about, and whether it is on when they never chose.

Members switch topics on and off on their notifications page; a topic without a saved choice takes its
default.
Role topics (a helpline's queue, a platform's cases, a coordinator's queues) only reach people in that role.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from hub.markers import N_
from hub.notify.models import Subscription


@dataclass(frozen=True, slots=True)
class Topic:
    """A kind of notification a member can switch on or off."""

    name: str
    label: str
    default: bool
    audience: str  # "member", "helpline", "platform" or "coordinator"


TOPICS = (
    Topic(
        "addressed",
        N_("Anything addressed to me: TLP:RED for me, replies to and sightings of my posts"),
        True,
        "member",
    ),
    Topic("moderation", N_("Moderation decisions on my posts"), True, "member"),
    Topic("reports.new", N_("A new incident report in our queue"), True, "helpline"),
    Topic("reports.followup", N_("A reporter's follow-up message"), True, "helpline"),
    Topic("escalation.answer", N_("A platform's answer to an escalation"), True, "helpline"),
    Topic("cases.new", N_("A new case escalated to our platform"), True, "platform"),
    Topic("applications.new", N_("New applications to join"), True, "coordinator"),
    Topic("quarantine", N_("Posts waiting in quarantine"), True, "coordinator"),
    Topic("deliveries.dead", N_("Notifications that could not be delivered"), True, "coordinator"),
)
BY_NAME = {topic.name: topic for topic in TOPICS}
OBJECTS = "objects"  # a filtered subscription to new objects (rows of their own, never on by default)


def enabled_for(session: Session | scoped_session[Session], user_ids: list[int], topic: str) -> set[int]:
    """The users among `user_ids` who receive `topic`: their saved choice, else the topic's default."""
    if not user_ids:
        return set()
    choices = dict(
        session.execute(
            select(Subscription.user_id, Subscription.enabled).where(
                Subscription.topic == topic, Subscription.user_id.in_(user_ids)
            )
        ).all()
    )
    default = BY_NAME[topic].default
    return {uid for uid in user_ids if choices.get(uid, default)}
