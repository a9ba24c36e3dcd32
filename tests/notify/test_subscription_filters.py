"""Subscription filters beyond type and TLP, end to end at a real SMTP server: a threat name finds the
indicators that *indicate* it (as the search box does), only through relationships the subscriber may see; a
kind of value keeps only indicators of that kind."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub.notify.models import Subscription
from hub.notify.worker import run_once
from hub.policy.tlp import Tlp
from tests.admin.conftest import log_in
from tests.factories import indicator, make_collection, make_org, make_user, post

STAMP = "2026-01-01T00:00:00.000Z"


@pytest.fixture
def mail_app(notify_app: Flask, smtp) -> Flask:  # type: ignore[no-untyped-def]
    notify_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="none")
    return notify_app


def _malware(name: str, tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": STAMP,
        "modified": STAMP,
        "name": name,
        "is_family": True,
        "object_marking_refs": [tlp.marking_id],
    }


def _indicates(source: dict[str, Any], target: dict[str, Any], tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": STAMP,
        "modified": STAMP,
        "relationship_type": "indicates",
        "source_ref": source["id"],
        "target_ref": target["id"],
        "object_marking_refs": [tlp.marking_id],
    }


def _told(smtp, address: str) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(m.get_body(("plain",)).get_content() for m in smtp.messages if m["To"] == address)


def test_a_threat_name_finds_the_indicators_that_indicate_it_through_visible_relationships_only(
    mail_app: Flask, session: Session, smtp
):
    poster = make_user(session, make_org(session, "Helpline", tier="trusted"))
    reader = make_user(session, make_org(session, "NGO"))
    open_channel = make_collection(
        session, read=["tier:vetted"], write=["tier:vetted"], default_tlp=Tlp.GREEN
    )
    closed = make_collection(session, read=["tier:trusted"], write=["tier:trusted"], default_tlp=Tlp.GREEN)
    session.add(Subscription(user_id=reader.id, topic="objects", text="pegasus"))
    session.commit()
    pegasus = _malware("Pegasus", Tlp.GREEN)
    related = indicator(Tlp.GREEN, value="cdn-update-service.example")
    unrelated = indicator(Tlp.GREEN, value="weather-today.example")
    post(
        session, poster, open_channel, [pegasus, related, unrelated, _indicates(related, pegasus, Tlp.GREEN)]
    )
    # the same threat, linked where the reader cannot see the relationship (a closed channel)
    hidden_link = indicator(Tlp.GREEN, value="secret-link.example")
    post(session, poster, open_channel, [hidden_link])
    post(session, poster, closed, [_indicates(hidden_link, pegasus, Tlp.GREEN)])
    run_once(session)
    told = _told(smtp, reader.email)
    assert "cdn-update-service.example" in told  # no "pegasus" in its own JSON: found through `indicates`
    assert "weather-today.example" not in told
    assert "secret-link.example" not in told  # the link lives where the reader cannot look


def test_a_kind_of_value_keeps_only_indicators_of_that_kind(mail_app: Flask, session: Session, smtp):
    poster = make_user(session, make_org(session, "Helpline"))
    reader = make_user(session, make_org(session, "NGO"))
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], default_tlp=Tlp.GREEN)
    session.add(Subscription(user_id=reader.id, topic="objects", value_kind="hash"))
    session.commit()
    digest = "a" * 64
    by_hash = indicator(Tlp.GREEN, pattern=f"[file:hashes.'SHA-256' = '{digest}']")
    post(session, poster, channel, [indicator(Tlp.GREEN, value="only-a-domain.example"), by_hash])
    run_once(session)
    told = _told(smtp, reader.email)
    assert digest in told and "only-a-domain.example" not in told


def test_the_form_offers_the_kinds_and_refuses_an_unknown_one(mail_app: Flask, session: Session):
    reader = make_user(session, make_org(session, "NGO"))
    session.commit()
    client = log_in(mail_app, reader)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'name="value_kind"' in page and '<option value="hash">' in page
    refused = client.post("/notifications/objects", data={"value_kind": "ssn"})
    assert refused.status_code == 400 and "unknown kind of value" in refused.get_data(as_text=True)
    assert client.post("/notifications/objects", data={"value_kind": "url"}).status_code == 302
    client.get("/notifications?lang=ar")
    listed = client.get("/notifications").get_data(as_text=True)
    assert session.query(Subscription).filter_by(user_id=reader.id, value_kind="url").count() == 1
    assert "url" not in listed.split('id="objects"')[1].split("<form")[0]  # shown as a translated label
