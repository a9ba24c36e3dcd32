"""The "My submissions" page and the organisation view: states, reasons, totals, filters; the organisation
view for its admins only; nothing the visibility rule hides."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from hub.accounts.service import needs_totp
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from hub.stix.moderation import reject
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


def _world(session):
    org = make_org(session, "New Voices", tier="registered")
    author, colleague = make_user(session, org), make_user(session, org)
    admin = make_user(session, org, role="org-admin")
    coordinator = make_user(session, make_org(session, "Coordination", tier="trusted"), role="coordinator")
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Community")
    post(session, author, channel, [indicator(Tlp.CLEAR, name="fake-bank-login")])
    post(session, colleague, channel, [refused := indicator(Tlp.GREEN, name="colleague-domain")])
    version = session.scalar(select(ObjectVersion).where(ObjectVersion.stix_id == refused["id"]))
    reject(session, principal(session, coordinator), version.id, "Already shared by Helpline")
    for user in (author, colleague, admin):
        user.totp_secret = pyotp.random_base32() if needs_totp(user) else None
    session.commit()
    return author, colleague, admin


def test_a_member_sees_their_own_submissions_with_their_state(client, web, session):
    author, _, _ = _world(session)
    web.login(author)
    page = client.get("/mine").get_data(as_text=True)
    assert "fake-bank-login" in page and "colleague-domain" not in page
    assert "Waiting for moderation" in page and "1 object" in page
    assert "?scope=org" not in page  # not an admin
    assert client.get("/mine?scope=org").status_code == 403


def test_the_org_admin_sees_the_organisation_and_the_reason_of_a_rejection(client, web, session):
    _, _, admin = _world(session)
    web.login(admin)
    page = client.get("/mine?scope=org").get_data(as_text=True)
    assert "fake-bank-login" in page and "colleague-domain" in page and "2 objects" in page
    assert "Already shared by Helpline" in page
    only = client.get("/mine?scope=org&status=rejected").get_data(as_text=True)
    assert "colleague-domain" in only and "fake-bank-login" not in only and "1 object" in only


def test_the_page_is_in_arabic(client, web, session):
    author, _, _ = _world(session)
    web.login(author)
    page = client.get("/mine?lang=ar").get_data(as_text=True)
    assert "My submissions" not in page and "Waiting for moderation" not in page
