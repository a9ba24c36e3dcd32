"""Each subscription of the existing flows, end to end: make the change, run the worker, read what arrived
at a real SMTP server (aiosmtpd) or HTTP receiver — language, TLP treatment, and exactly the right people."""

from __future__ import annotations

import json
from email.message import Message

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub.notify.worker import run_once
from hub.orgs.applications import reject as reject_application
from hub.orgs.applications import submit as submit_application
from hub.policy.tlp import Tlp
from hub.reports.intake import add_from_reporter
from hub.reports.models import Outcome
from hub.reports.triage import answer_escalation, escalate
from hub.stix.moderation import approve
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.notify.conftest import Receiver
from tests.notify.helpers import hook_for
from tests.reports.conftest import (
    SECRET_CONTACT,
    SECRET_TEXT,
    SECRET_TRACE,
    World,
    file_report,
    sealer,
    world,
)

__all__ = ["sealer", "world"]  # fixtures of the reporting tests, reused


@pytest.fixture
def mail_app(notify_app: Flask, smtp) -> Flask:  # type: ignore[no-untyped-def]
    notify_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_SECURITY="none")
    return notify_app


def _parts(message: Message) -> tuple[str, str]:
    text = html = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_payload(decode=True).decode()
        elif part.get_content_type() == "text/html":
            html = part.get_payload(decode=True).decode()
    return text, html


def _to(smtp, address: str) -> list[Message]:  # type: ignore[no-untyped-def]
    return [m for m in smtp.messages if m["To"] == address]


def test_a_new_report_reaches_the_helpline_in_its_language_without_the_reporters_words(
    mail_app: Flask, session: Session, smtp, world: World, sealer, receiver: Receiver
):
    world.responder.locale = "ar"
    hook_for(session, world.helpline, receiver.url, "reports")
    report, code = file_report(session, sealer, world)
    run_once(session)
    [mail] = _to(smtp, world.responder.email)
    assert mail["Content-Language"] == "ar" and mail.is_multipart()
    text, html = _parts(mail)
    assert "وصل بلاغ جديد" in mail["Subject"]
    assert 'dir="rtl"' in html and f"/reports/{report.id}" in text
    for secret in (SECRET_TEXT, SECRET_CONTACT, SECRET_TRACE):
        assert all(secret not in m.as_string() for m in smtp.messages)
        assert all(secret.encode() not in r.body for r in receiver.requests)
    # platforms, other members and the coordinator (not a helpline) are not told; the reporter never is
    assert {m["To"] for m in smtp.messages} == {world.responder.email}
    [hook] = receiver.requests
    assert json.loads(hook.body)["data"]["report"]["id"] == report.id
    add_from_reporter(session, sealer, code, "one more thing")
    session.commit()
    run_once(session)
    assert len(_to(smtp, world.responder.email)) == 2 and len(receiver.requests) == 2


def test_an_escalated_case_reaches_the_platform_by_mail_and_webhook_and_its_answer_the_helpline(
    mail_app: Flask, session: Session, smtp, world: World, sealer, receiver: Receiver
):
    hook_for(session, world.platform, receiver.url, "cases")
    report, _ = file_report(session, sealer, world)
    run_once(session)
    smtp.messages.clear()
    escalation = escalate(
        session, world.p(session, world.responder), sealer, report, world.platform, "please act"
    )
    session.commit()
    run_once(session)
    assert [m["To"] for m in smtp.messages] == [world.platform_user.email]
    [hook] = receiver.requests
    assert hook.headers["X-Hub-Event"] == "cases"
    case = json.loads(hook.body)["data"]["case"]
    assert case["id"] == escalation.id and case["api_url"].endswith(f"/api/v1/cases/{escalation.id}")
    assert b"please act" not in hook.body
    smtp.messages.clear()
    answer_escalation(
        session, world.p(session, world.platform_user), sealer, escalation.id, Outcome.ACTIONED, ""
    )
    session.commit()
    run_once(session)
    assert [m["To"] for m in smtp.messages] == [world.responder.email]
    assert "actioned" in _parts(smtp.messages[0])[0]


def test_moderation_decisions_reach_the_author_and_quarantine_the_coordinators(
    mail_app: Flask, session: Session, smtp
):
    coordinator = make_user(session, make_org(session, "Hub", tier="trusted"), role="coordinator")
    newcomer = make_user(session, make_org(session, "New NGO", tier="registered"))
    channel = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], default_tlp=Tlp.GREEN
    )
    post(session, newcomer, channel, [indicator(Tlp.GREEN, value="quarantined.example")])
    run_once(session)
    assert [m["To"] for m in smtp.messages] == [coordinator.email]
    assert "quarantined.example" not in smtp.messages[0].as_string()
    from hub.stix.models import ObjectVersion

    version = session.query(ObjectVersion).one()
    approve(session, make_principal(session, coordinator), version.id)
    session.commit()
    run_once(session)
    [decision] = _to(smtp, newcomer.email)
    assert "approved" in _parts(decision)[0]


def make_principal(session, user):  # type: ignore[no-untyped-def]
    from tests.factories import principal

    return principal(session, user)


def test_applications_reach_coordinators_and_the_decision_the_contact_address(
    mail_app: Flask, session: Session, smtp
):
    coordinator = make_user(session, make_org(session, "Hub", tier="trusted"), role="coordinator")
    session.commit()
    submitted = submit_application(
        session,
        name="Rights Watch",
        org_type="ngo",
        country="Lebanon",
        description="We document attacks on journalists.",
        contact_email="contact@rightswatch.example",
        references="",
    )
    session.commit()
    run_once(session)
    assert [m["To"] for m in smtp.messages] == [coordinator.email]
    reject_application(
        session, make_principal(session, coordinator), submitted.application.id, "not in scope"
    )
    session.commit()
    run_once(session)
    [decision] = _to(smtp, "contact@rightswatch.example")
    assert "not in scope" in _parts(decision)[0]
