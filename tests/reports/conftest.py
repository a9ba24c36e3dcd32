"""Builders for the reporting tests: a platform, a helpline with a responder, a coordinator, and reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hub.orgs.models import Organisation, User
from hub.orgs.service import add_user
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.reports.crypto import Sealer, sealer_for
from hub.reports.intake import ReportInput, submit_report
from hub.reports.models import Report
from hub.reports.triage import designate_helpline
from tests.factories import make_org, principal

NONCE = re.compile(r'name="nonce" type="hidden" value="([A-Za-z0-9_-]{32})"')
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]{29})<')
SECRET_TEXT = "They sent me a link pretending to be my bank, my name is Layla Haddad"
SECRET_CONTACT = "signal: +96170123456"
SECRET_TRACE = "https://login-secure-bank.example/verify"
# what a reporter whose session expired is told, in English (the tests look it up in each catalogue)
SEND_AGAIN = (
    "Nothing was sent yet: this page was open for a long time, or your browser forgot it. "
    "Everything you wrote is still here. Please check it and press Send again."
)


@dataclass
class World:
    """The cast of a reporting test."""

    platform: Organisation
    helpline: Organisation
    responder: User
    coordinator: User
    platform_user: User
    outsider: User

    def p(self, session: Session, user: User) -> Principal:
        return principal(session, user)


@pytest.fixture
def sealer(app: Flask) -> Sealer:
    return sealer_for(app)


def make_user(session: Session, org: Organisation, role: str = "member", email: str | None = None) -> User:
    """A user without a password: hashing one costs a third of a second that most tests do not need."""
    return add_user(session, None, email or f"user{org.id}-{len(org.users)}@{org.id}.example", org, role)


@pytest.fixture
def world(session: Session) -> World:
    platform = make_org(session, "Example Social", org_type="platform")
    helpline = make_org(session, "Digital Helpline", tier="trusted", org_type="cert")
    hub_org = make_org(session, "Hub Coordination", tier="trusted", org_type="coordinator")
    designate_helpline(session, None, helpline)
    built = World(
        platform=platform,
        helpline=helpline,
        responder=make_user(session, helpline, email="responder@helpline.example"),
        coordinator=make_user(session, hub_org, "coordinator", email="coordinator@hub.example"),
        platform_user=make_user(session, platform, email="tns@social.example"),
        outsider=make_user(session, make_org(session, "Other NGO"), email="member@ngo.example"),
    )
    session.commit()
    return built


def file_report(
    session: Session,
    sealer: Sealer,
    world: World,
    *,
    share: Tlp | None = Tlp.GREEN,
    escalate: bool = True,
    category: str = "phishing",
    language: str = "en",
    traces: str = f"{SECRET_TRACE}\nevil-login.example\n",
    text: str = SECRET_TEXT,
    contact: str = SECRET_CONTACT,
) -> tuple[Report, str]:
    report, code = submit_report(
        session,
        sealer,
        ReportInput(
            category=category,
            language=language,
            text=text,
            traces=traces,
            contact=contact,
            platform_ids=(world.platform.id,),
            may_share=share is not None,
            share_max_tlp=share,
            may_escalate=escalate,
        ),
    )
    session.commit()
    return report, code


def nonce_of(html: str) -> str:
    """The nonce a reporter's form page carries."""
    found = NONCE.search(html)
    assert found, "no nonce in the page"
    return found.group(1)


def send_report(client: FlaskClient, form: dict[str, object], lang: str = "en") -> tuple[str, str]:
    """Open the report form, send it as a browser would, follow to the receipt: (receipt page, code or '')."""
    nonce = nonce_of(client.get(f"/report?lang={lang}").get_data(as_text=True))
    response = client.post(f"/report?lang={lang}", data={**form, "nonce": nonce}, follow_redirects=True)
    html = response.get_data(as_text=True)
    found = CODE.search(html)
    return html, found.group(1) if found else ""


def follow_up(client: FlaskClient, code: str, message: str = "") -> str:
    """Open the follow-up page and send the code (and a message), as a browser would."""
    nonce = nonce_of(client.get("/report/follow-up").get_data(as_text=True))
    data = {"code": code, "message": message, "nonce": nonce}
    return client.post("/report/follow-up", data=data).get_data(as_text=True)
