"""A daily subscription holds objects and sends them as one digest a day, at a real SMTP server."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hub.notify.digest import DAY_US
from hub.notify.models import DigestItem, Subscription
from hub.notify.worker import run_once
from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post


@pytest.fixture
def mail_app(notify_app: Flask, smtp) -> Flask:  # type: ignore[no-untyped-def]
    notify_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="none")
    return notify_app


def test_daily_subscriptions_arrive_once_a_day_in_one_mail(mail_app: Flask, session: Session, smtp):
    poster = make_user(session, make_org(session, "Helpline"))
    reader = make_user(session, make_org(session, "NGO"))
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], default_tlp=Tlp.GREEN)
    session.add(
        Subscription(user_id=reader.id, topic="objects", collection_id=channel.id, text="pegasus", daily=True)
    )
    session.commit()
    post(session, poster, channel, [indicator(Tlp.GREEN, value="pegasus-c2.example"), indicator(Tlp.GREEN)])
    run_once(session)
    assert smtp.messages == []
    assert session.scalar(select(func.count()).select_from(DigestItem)) == 1  # the filter kept one of two
    session.execute(update(DigestItem).values(created_us=DigestItem.created_us - DAY_US))
    session.commit()
    run_once(session)
    [mail] = smtp.messages
    assert mail["Subject"] == "Your daily digest" and mail["To"] == reader.email
    assert "pegasus-c2.example" in mail.get_body(("plain",)).get_content()
    run_once(session)
    assert len(smtp.messages) == 1 and session.scalar(select(func.count()).select_from(DigestItem)) == 0
