"""`hub retention run` forgets finished notification deliveries after HUB_NOTIFY_RETENTION_DAYS, never pending
ones, and the events left without deliveries."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.cli import main
from hub.db import now_us
from hub.notify.models import Delivery, DeliveryStatus, Event
from hub.notify.retention import DAY_US, purge_deliveries


def _delivery(session: Session, event: Event, status: DeliveryStatus, days_old: int) -> str:
    stamp = now_us() - days_old * DAY_US
    row = Delivery(
        id=str(uuid.uuid4()),
        event_id=event.id,
        channel="email",
        topic="objects",
        address="applicant@example.org",
        refs="{}",
        status=status.value,
        attempts=1,
        next_attempt_us=stamp,
        created_us=stamp,
    )
    session.add(row)
    return row.id


def _event(session: Session, days_old: int) -> Event:
    event = Event(kind="objects.added", payload="{}", created_us=now_us() - days_old * DAY_US, expanded=True)
    session.add(event)
    session.flush()
    return event


def test_finished_deliveries_age_out_pending_ones_stay_and_empty_events_go(
    app: Flask, session: Session, runner
):  # type: ignore[no-untyped-def]
    old, recent = _event(session, 40), _event(session, 2)
    kept = {
        _delivery(session, old, DeliveryStatus.PENDING, 40),  # still to be sent: never purged
        _delivery(session, recent, DeliveryStatus.SENT, 2),
    }
    for status in (DeliveryStatus.SENT, DeliveryStatus.DROPPED, DeliveryStatus.DEAD):
        _delivery(session, old, status, 40)
    lonely = _event(session, 40)
    _delivery(session, lonely, DeliveryStatus.SENT, 40)
    session.commit()
    result = runner.invoke(main, ["retention", "run"])
    session.rollback()
    assert result.exit_code == 0, result.output
    assert "purged 4 notification deliveries older than 30 days" in result.output
    assert set(session.scalars(select(Delivery.id))) == kept
    assert set(session.scalars(select(Event.id))) == {old.id, recent.id}  # `lonely` had nothing left


def test_the_period_is_a_setting_and_at_least_a_day(app: Flask, session: Session, runner):  # type: ignore[no-untyped-def]
    event = _event(session, 0)
    young = _delivery(session, event, DeliveryStatus.SENT, 0)
    session.commit()
    assert purge_deliveries(session, 0) == 0  # "0 days" still keeps today's history
    session.execute(update(Delivery).values(created_us=Delivery.created_us - 8 * DAY_US))
    session.commit()
    app.config["NOTIFY_RETENTION_DAYS"] = 7
    result = runner.invoke(main, ["retention", "run"])
    session.rollback()
    assert "purged 1 notification deliveries older than 7 days" in result.output
    assert session.get(Delivery, young) is None
