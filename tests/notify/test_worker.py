"""The outbox and the worker, against a real HTTP receiver: signing, retries, dead letters, 410, rollbacks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema_rs
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.notify.models import Delivery, DeliveryStatus, Event, Webhook
from hub.notify.worker import run_once
from hub.policy.tlp import Tlp
from hub.stix.ingest import add_objects
from tests.factories import indicator, make_collection, make_org, make_user, post, principal
from tests.notify.conftest import Receiver
from tests.notify.helpers import hook_for, verify

SCHEMA = jsonschema_rs.validator_for(
    json.loads((Path(__file__).resolve().parents[2] / "schemas" / "webhook-payload.json").read_text())
)


def _world(session: Session, receiver: Receiver) -> tuple[object, object, str]:
    org = make_org(session, "Platform", tier="vetted", org_type="platform")
    poster_org = make_org(session, "Helpline", tier="vetted")
    poster = make_user(session, poster_org)
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], default_tlp=Tlp.GREEN)
    _, secret = hook_for(session, org, receiver.url)
    return poster, channel, secret


def test_a_posted_object_reaches_the_webhook_signed_with_the_documented_headers(
    notify_app: Flask, session: Session, receiver: Receiver
):
    poster, channel, secret = _world(session, receiver)
    obj = indicator(Tlp.GREEN)
    post(session, poster, channel, [obj])
    stats = run_once(session)
    assert stats.sent == 1
    [arrived] = receiver.requests
    assert arrived.headers["X-Hub-Event"] == "objects"
    assert abs(int(arrived.headers["X-Hub-Timestamp"]) - time.time()) < 30
    assert verify(secret, arrived.headers, arrived.body)
    assert not verify("whsec_wrong", arrived.headers, arrived.body)
    payload = json.loads(arrived.body)
    assert payload["id"] == arrived.headers["X-Hub-Delivery"]
    assert [o["id"] for o in payload["data"]["objects"]] == [obj["id"]]
    SCHEMA.validate(payload)
    assert session.scalar(select(Delivery.status)) == DeliveryStatus.SENT


def test_a_change_that_rolls_back_sends_nothing(notify_app: Flask, session: Session, receiver: Receiver):
    poster, channel, _ = _world(session, receiver)
    add_objects(session, principal(session, poster), channel.id, [indicator(Tlp.GREEN)])
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Event)) == 0
    run_once(session)
    assert receiver.requests == []


def test_a_failing_receiver_is_retried_under_one_id_then_dead_lettered(
    notify_app: Flask, session: Session, receiver: Receiver
):
    poster, channel, _ = _world(session, receiver)
    coordinator = make_user(
        session, make_org(session, "Hub coordinators", tier="trusted"), role="coordinator"
    )
    receiver.answer = lambda n: (500, 0.0)
    post(session, poster, channel, [indicator(Tlp.GREEN)])
    for _ in range(3):
        run_once(session)
    assert len(receiver.requests) == 3  # NOTIFY_MAX_ATTEMPTS
    assert len({r.headers["X-Hub-Delivery"] for r in receiver.requests}) == 1
    delivery = session.scalars(select(Delivery).where(Delivery.webhook_id.is_not(None))).one()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("dead", 3, 500)
    run_once(session)  # nothing more is sent to the receiver; the coordinators are told
    assert len(receiver.requests) == 3
    told = session.scalars(select(Delivery).where(Delivery.topic == "deliveries.dead")).one()
    assert told.user_id == coordinator.id


def test_a_receiver_that_is_down_or_too_slow_is_retried(
    notify_app: Flask, session: Session, receiver: Receiver
):
    poster, channel, _ = _world(session, receiver)
    receiver.answer = lambda n: (200, 2.0) if n == 1 else (200, 0.0)  # past the 1 s timeout, then fine
    post(session, poster, channel, [indicator(Tlp.GREEN)])
    first = run_once(session)
    assert (first.sent, first.retried) == (0, 1)
    assert "Timeout" in (session.scalar(select(Delivery.last_error)) or "")
    run_once(session)
    assert session.scalar(select(Delivery.status)) == "sent"
    ids = {r.headers["X-Hub-Delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 2 and len(ids) == 1
    hook = session.scalars(select(Webhook)).one()
    hook.url = "http://127.0.0.1:9/closed"  # the discard port: nothing listens
    session.commit()
    post(session, poster, channel, [indicator(Tlp.GREEN)])
    for _ in range(3):
        run_once(session)
    dead = session.scalars(select(Delivery).where(Delivery.status == "dead")).one()
    assert dead.attempts == 3 and "Connection" in (dead.last_error or "")


def test_410_disables_the_endpoint(notify_app: Flask, session: Session, receiver: Receiver):
    poster, channel, _ = _world(session, receiver)
    receiver.answer = lambda n: (410, 0.0)
    post(session, poster, channel, [indicator(Tlp.GREEN)])
    run_once(session)
    hook = session.scalars(select(Webhook)).one()
    assert not hook.is_active and "410" in (hook.disabled_reason or "")
    assert session.scalar(select(Delivery.status).where(Delivery.webhook_id == hook.id)) == "dead"
    post(session, poster, channel, [indicator(Tlp.GREEN)])
    run_once(session)
    assert len(receiver.requests) == 1


def test_a_batch_is_sent_several_at_a_time_so_a_slow_receiver_holds_up_no_other(
    notify_app: Flask, session: Session, receiver: Receiver
):
    import threading

    poster, channel, _ = _world(session, receiver)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow(n: int) -> tuple[int, float]:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.2)  # long enough for the sends of one batch to overlap
        with lock:
            in_flight[0] -= 1
        return 200, 0.0

    receiver.answer = slow
    for _ in range(6):
        post(session, poster, channel, [indicator(Tlp.GREEN)])
    notify_app.config["NOTIFY_CONCURRENCY"] = 1
    from hub.notify.settings import worker_settings

    run_once(session, worker_settings())
    assert len(receiver.requests) == 6 and peak[0] == 1  # one at a time, as before
    for _ in range(6):
        post(session, poster, channel, [indicator(Tlp.GREEN)])
    notify_app.config["NOTIFY_CONCURRENCY"] = 8
    stats = run_once(session, worker_settings())
    assert stats.sent == 6 and len(receiver.requests) == 12
    assert peak[0] > 1
    assert len({r.headers["X-Hub-Delivery"] for r in receiver.requests}) == 12
