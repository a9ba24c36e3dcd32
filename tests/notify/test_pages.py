"""The notification pages, as their users drive them: a forgotten password (same answer for any address, the
link arrives by mail), an organisation's webhooks (register, send a test event, see the delivery), and the
coordinators' failed deliveries with "retry"."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.notify.models import Delivery, Event, Webhook
from hub.notify.worker import run_once
from tests.admin.conftest import log_in
from tests.factories import make_org, make_user
from tests.notify.conftest import Receiver
from tests.notify.helpers import hook_for


@pytest.fixture
def mail_app(notify_app: Flask, smtp) -> Flask:  # type: ignore[no-untyped-def]
    notify_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="none")
    return notify_app


def test_a_forgotten_password_gets_a_link_by_mail_and_the_same_answer_for_unknown_addresses(
    mail_app: Flask, session: Session, smtp
):
    member = make_user(session, make_org(session, "NGO"), email="member@ngo.example")
    session.commit()
    client = mail_app.test_client()
    answers = [
        client.post("/login/forgot", data={"email": address}, follow_redirects=True).get_data(as_text=True)
        for address in ("Member@ngo.example", "nobody@ngo.example")
    ]
    assert all("If an account uses this address" in answer for answer in answers)
    run_once(session)
    [mail] = smtp.messages
    assert mail["To"] == member.email
    link = next(
        line.strip()
        for line in mail.get_body(("plain",)).get_content().splitlines()
        if "/join/invite/" in line
    )
    path = link.split("hub.example", 1)[1]
    assert client.get(path).status_code == 200  # the one-time page to choose a password


def test_an_org_admin_registers_a_webhook_sends_a_test_event_and_sees_the_delivery(
    notify_app: Flask, session: Session, receiver: Receiver
):
    org = make_org(session, "Platform", org_type="platform")
    admin = make_user(session, org, role="org-admin")
    outsider_admin = make_user(session, make_org(session, "Other"), role="org-admin")
    session.commit()
    client = log_in(notify_app, admin)
    page = client.post(
        f"/admin/orgs/{org.id}/webhooks", data={"url": receiver.url, "events": "objects,cases"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "whsec_" in html
    refused = client.post(f"/admin/orgs/{org.id}/webhooks", data={"url": "ftp://example.org/x", "events": ""})
    assert refused.status_code == 400 and "https" in refused.get_data(as_text=True)
    hook_id = session.scalars(select(Webhook.id)).one()
    assert log_in(notify_app, outsider_admin).get(f"/admin/orgs/{org.id}/webhooks").status_code in (403, 404)
    assert client.post(f"/admin/webhooks/{hook_id}/test").status_code == 302
    run_once(session)
    [arrived] = receiver.requests
    assert (
        arrived.headers["X-Hub-Event"] == "test" and json.loads(arrived.body)["data"]["webhook_id"] == hook_id
    )
    listing = client.get(f"/admin/orgs/{org.id}/webhooks").get_data(as_text=True)
    assert arrived.headers["X-Hub-Delivery"] in listing and "<td>200</td>" in listing


def test_coordinators_see_dead_letters_and_retry_them_under_the_same_id(
    notify_app: Flask, session: Session, receiver: Receiver
):
    coordinator = make_user(session, make_org(session, "Hub", tier="trusted"), role="coordinator")
    member = make_user(session, make_org(session, "NGO"))
    org = make_org(session, "Platform", org_type="platform")
    hook_id, _ = hook_for(session, org, receiver.url)
    receiver.answer = lambda n: (500, 0.0) if n <= 3 else (200, 0.0)
    from hub.notify.outbox import emit

    emit(session, "webhook.test", webhook_id=hook_id)
    session.commit()
    for _ in range(3):
        run_once(session)
    dead = session.scalars(select(Delivery).where(Delivery.status == "dead")).one()
    assert log_in(notify_app, member).get("/admin/deliveries").status_code == 403
    client = log_in(notify_app, coordinator)
    assert dead.id in client.get("/admin/deliveries").get_data(as_text=True)
    assert client.post(f"/admin/deliveries/{dead.id}/retry").status_code == 302
    run_once(session)
    assert receiver.requests[-1].headers["X-Hub-Delivery"] == dead.id
    session.expire_all()
    assert session.get(Delivery, dead.id).status == "sent"


def test_a_member_chooses_topics_subscribes_with_a_filter_and_saves_a_key(
    mail_app: Flask, session: Session, smtp, member_gpg
):

    from hub.policy.tlp import Tlp
    from tests.factories import indicator, make_collection, post

    poster = make_user(session, make_org(session, "Helpline"))
    member = make_user(session, make_org(session, "NGO"), email="named@ngo.example")
    channel = make_collection(session, read=["tier:vetted", "user:named@ngo.example"], write=["tier:vetted"])
    session.commit()
    client = log_in(mail_app, member)
    assert client.get("/notifications").status_code == 200
    client.post("/notifications/topics", data={"topic": ["moderation"]})  # "addressed to me" switched off
    client.post(
        "/notifications/objects", data={"collection_id": channel.id, "text": "pegasus", "max_tlp": "green"}
    )
    refused = client.post("/notifications/key", data={"key": "not a key"})
    assert refused.status_code == 400
    gpg = member_gpg
    key = gpg.gen_key(
        gpg.gen_key_input(
            name_email=member.email,
            key_type="EDDSA",
            key_curve="ed25519",
            subkey_type="ECDH",
            subkey_curve="cv25519",
            no_protection=True,
        )
    )
    assert (
        client.post("/notifications/key", data={"key": gpg.export_keys(key.fingerprint)}).status_code == 302
    )
    assert key.fingerprint in client.get("/notifications").get_data(as_text=True)
    post(
        session,
        poster,
        channel,
        [indicator(Tlp.RED), indicator(Tlp.GREEN, value="pegasus.example"), indicator(Tlp.GREEN)],
    )
    run_once(session)
    [mail] = smtp.messages  # one: the filtered subscription; the RED one was switched off
    assert mail.get_content_type() == "multipart/encrypted" and mail["Subject"].startswith("New objects")
    armored = [p for p in mail.walk() if p.get_content_type() == "application/octet-stream"][0]
    from email import message_from_bytes
    from email.policy import default

    inner = message_from_bytes(gpg.decrypt(armored.get_payload(decode=True)).data, policy=default)
    clear = inner.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "pegasus.example" in clear and "1 new objects" in clear


def test_an_event_that_cannot_be_planned_stops_nobody_else_and_waits_for_a_coordinators_retry(
    notify_app: Flask, session: Session, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
):
    from hub.notify.outbox import emit
    from hub.notify.plan_events import PLANNERS

    coordinator = make_user(session, make_org(session, "Hub", tier="trusted"), role="coordinator")
    hook_id, _ = hook_for(session, make_org(session, "Platform", org_type="platform"), receiver.url)
    broken = {"on": True}

    def planner(session_: object, refs: dict[str, object]) -> object:
        if broken["on"]:
            raise RuntimeError("a bug in a planner")
        return PLANNERS["webhook.test"](session_, {"webhook_id": hook_id})

    monkeypatch.setitem(PLANNERS, "broken.kind", planner)
    emit(session, "broken.kind")
    emit(session, "webhook.test", webhook_id=hook_id)  # queued after the broken one
    session.commit()
    stats = run_once(session)
    assert stats.sent == 1 and len(receiver.requests) == 1  # the later event was not held up
    stuck = session.scalars(select(Event).where(Event.kind == "broken.kind")).one()
    assert (
        not stuck.expanded and stuck.attempts == 1 and "RuntimeError: a bug in a planner" in stuck.last_error
    )
    for _ in range(5):  # notify_app allows 3 attempts: then it waits, and the worker stops trying
        run_once(session)
    session.expire_all()
    assert stuck.attempts == 3
    client = log_in(notify_app, coordinator)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert f"broken.kind #{stuck.id}" in page and "a bug in a planner" in page
    broken["on"] = False
    assert client.post(f"/admin/events/{stuck.id}/retry").status_code == 302
    run_once(session)
    session.expire_all()
    assert stuck.expanded and len(receiver.requests) == 2
    assert client.post(f"/admin/events/{stuck.id}/retry").status_code == 404
