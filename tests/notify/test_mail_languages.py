"""Mails arrive in their reader's language, in every language the hub ships: subject, body and direction,
with none of the hub's English sentences left in them (read at a real SMTP server)."""

from __future__ import annotations

from email.message import Message

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hub.notify.worker import run_once
from hub.reports.triage import escalate
from tests.catalogues import LANGUAGES, direction, english_on, translate
from tests.notify.test_mail_flows import _parts, mail_app
from tests.reports.conftest import World, file_report, sealer, world

__all__ = ["mail_app", "sealer", "world"]  # fixtures of the mail and reporting tests, reused


def _check(mail: Message, lang: str, subject: str) -> None:
    text, html = _parts(mail)
    assert mail["Content-Language"] == lang and str(mail["Subject"]) == translate(lang, subject)
    assert f'dir="{direction(lang)}"' in html and f'lang="{lang}"' in html
    assert not english_on(html, lang) and not english_on(text, lang), english_on(html, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_helpline_and_the_platform_are_mailed_in_their_language(
    mail_app: Flask, session: Session, smtp, world: World, sealer, lang: str
):
    world.responder.locale = world.platform_user.locale = lang
    report, _ = file_report(session, sealer, world)
    run_once(session)
    [new_report] = [m for m in smtp.messages if m["To"] == world.responder.email]
    _check(new_report, lang, "A new incident report is in the queue")
    escalate(session, world.p(session, world.responder), sealer, report, world.platform, "please act")
    session.commit()
    run_once(session)
    [case] = [m for m in smtp.messages if m["To"] == world.platform_user.email]
    _check(case, lang, "A new case was escalated to your platform")
