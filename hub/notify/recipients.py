"""Who belongs to an audience, as plain queries: active people of active organisations only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select

from hub.notify.audience import AnySession
from hub.notify.models import Channel, Webhook
from hub.notify.topics import enabled_for
from hub.orgs.models import Organisation, OrgStatus, Role, User
from hub.reports.models import Helpline


@dataclass(frozen=True, slots=True)
class Recipient:
    """One planned delivery: who, by which channel, about what (`refs`, ids only)."""

    channel: Channel
    topic: str
    refs: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None
    webhook_id: int | None = None
    address: str | None = None


def active_user_ids(session: AnySession, *conditions: ColumnElement[bool]) -> list[int]:
    """Ids of active users of active organisations matching `conditions`."""
    query = (
        select(User.id)
        .join(Organisation, Organisation.id == User.org_id)
        .where(User.is_active.is_(True), Organisation.status == OrgStatus.ACTIVE.value, *conditions)
        .order_by(User.id)
    )
    return list(session.scalars(query))


def mail_to(
    session: AnySession, user_ids: Iterable[int], topic: str, refs: dict[str, Any]
) -> Iterator[Recipient]:
    """One email per user who has `topic` on."""
    for user_id in sorted(enabled_for(session, list(dict.fromkeys(user_ids)), topic)):
        yield Recipient(Channel.EMAIL, topic, refs, user_id=user_id)


def coordinators(session: AnySession) -> list[int]:
    """Every active coordinator."""
    return active_user_ids(session, User.role == Role.COORDINATOR.value)


def helpline_members(session: AnySession) -> list[int]:
    """Every active member of an organisation designated as a helpline."""
    return active_user_ids(session, User.org_id.in_(select(Helpline.org_id)))


def org_members(session: AnySession, org_id: int) -> list[int]:
    """Every active member of one organisation."""
    return active_user_ids(session, User.org_id == org_id)


def webhooks_for(session: AnySession, event: str, org_ids: Iterable[int] | None = None) -> list[Webhook]:
    """Active webhooks of active organisations that asked for `event` (optionally of some organisations)."""
    query = (
        select(Webhook)
        .join(Organisation, Organisation.id == Webhook.org_id)
        .where(Webhook.is_active.is_(True), Organisation.status == OrgStatus.ACTIVE.value)
        .order_by(Webhook.id)
    )
    if org_ids is not None:
        query = query.where(Webhook.org_id.in_(list(org_ids)))
    return [hook for hook in session.scalars(query) if event in hook.event_names]


def hooks_to(hooks: Iterable[Webhook], topic: str, refs: dict[str, Any]) -> Iterator[Recipient]:
    """One delivery per webhook."""
    for hook in hooks:
        yield Recipient(Channel.WEBHOOK, topic, refs, webhook_id=hook.id)
