"""The API and TAXII page: the channels a member may read (and only those), their own tokens, and nobody
else's secret; organisation admins see and revoke their members' tokens but create none for them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub.orgs.models import ApiToken, TokenScope
from hub.orgs.tokens import token_for_secret
from hub.policy.tlp import Tlp
from tests.admin.conftest import log_in
from tests.factories import indicator, make_collection, make_org, make_user

SECRET = re.compile(r"hub_[A-Za-z0-9_-]{20,}")
TAXII = {"Accept": "application/taxii+json;version=2.1"}


@pytest.fixture
def world(session):
    watch = make_org(session, "Rights Watch", tier="vetted")
    other = make_org(session, "Other NGO", tier="vetted")
    member = make_user(session, watch, email="analyst@watch.example")
    admin = make_user(session, watch, role="org-admin", email="admin@watch.example")
    stranger = make_user(session, other, role="org-admin", email="admin@other.example")
    channels = {
        "Community": make_collection(
            session, read=["tier:registered"], write=["tier:registered"], title="Community"
        ),
        "Advisories": make_collection(session, read=["public"], write=["tier:trusted"], title="Advisories"),
        "Watch only": make_collection(session, read=["org:Rights Watch"], title="Watch only"),
        "Drop box": make_collection(
            session, read=["org:Other NGO"], write=["tier:registered"], title="Drop box"
        ),
        "Other only": make_collection(session, read=["org:Other NGO"], title="Other only"),
    }
    session.commit()
    return {"member": member, "admin": admin, "stranger": stranger, "channels": channels}


def test_the_page_lists_exactly_the_channels_the_member_may_read(app, world):
    page = log_in(app, world["member"]).get("/connect").get_data(as_text=True)
    channels = world["channels"]
    for title in ("Community", "Advisories", "Watch only"):
        assert channels[title].id in page and f"/taxii2/api/collections/{channels[title].id}/" in page, title
    for title in ("Drop box", "Other only"):  # writable but unreadable, and neither: never listed
        assert channels[title].id not in page and title not in page, title
    assert "http://localhost/taxii2/" in page and "analyst@watch.example" in page
    assert 'href="/export/"' in page and 'href="/connect"' in page  # both in the navigation


def test_a_member_creates_a_read_only_token_sees_it_once_and_uses_it(app, session, client, world):
    browser = log_in(app, world["member"])
    community = world["channels"]["Community"]
    created = browser.post("/connect/tokens", data={"label": "SIEM poller", "expires_days": 30})
    assert created.status_code == 200
    [secret] = set(SECRET.findall(created.get_data(as_text=True)))
    token = token_for_secret(session, secret)
    assert token.user_id == world["member"].id and token.scope == TokenScope.READ  # read-only by default
    session.commit()
    listing = browser.get("/connect").get_data(as_text=True)
    assert "SIEM poller" in listing and secret not in listing and not SECRET.search(listing)

    auth = {**TAXII, "Authorization": f"Bearer {secret}"}
    assert client.get(f"/taxii2/api/collections/{community.id}/objects/", headers=auth).status_code == 200
    envelope = {"objects": [indicator(Tlp.GREEN)]}
    posted = client.post(
        f"/taxii2/api/collections/{community.id}/objects/",
        json=envelope,
        headers={**auth, "Content-Type": "application/taxii+json;version=2.1"},
    )
    assert posted.status_code == 403

    assert browser.post(f"/connect/tokens/{token.id}/revoke").status_code == 302
    assert client.get(f"/taxii2/api/collections/{community.id}/objects/", headers=auth).status_code == 401


def test_a_token_limited_to_a_channel_and_bad_input_keeps_the_form(app, session, world):
    browser = log_in(app, world["member"])
    watch_only = world["channels"]["Watch only"]
    refused = browser.post("/connect/tokens", data={"label": "Keep me", "expires_days": 0})
    assert refused.status_code == 400 and 'value="Keep me"' in refused.get_data(as_text=True)
    assert session.scalars(select(ApiToken)).all() == []
    created = browser.post(
        "/connect/tokens",
        data={"label": "One channel", "expires_days": 7, "scope": "write", "collections": [watch_only.id]},
    )
    [secret] = set(SECRET.findall(created.get_data(as_text=True)))
    token = token_for_secret(session, secret)
    assert token.scope == TokenScope.WRITE and token.collection_ids == {watch_only.id}
    other = world["channels"]["Other only"].id
    refused = browser.post("/connect/tokens", data={"label": "x", "expires_days": 7, "collections": [other]})
    assert refused.status_code == 400


def test_tokens_are_ones_own_and_admins_only_see_and_revoke(app, session, world):
    member_token = log_in(app, world["member"]).post(
        "/connect/tokens", data={"label": "mine", "expires_days": 5}
    )
    [secret] = set(SECRET.findall(member_token.get_data(as_text=True)))
    token_id = token_for_secret(session, secret).id
    session.commit()
    admin = log_in(app, world["admin"])
    assert admin.post(f"/connect/tokens/{token_id}/revoke").status_code == 404  # not the admin's own
    org_page = admin.get(f"/admin/orgs/{world['member'].org_id}/tokens").get_data(as_text=True)
    assert "mine" in org_page and secret not in org_page and "/connect" in org_page
    assert admin.post(f"/admin/orgs/{world['member'].org_id}/tokens", data={"label": "x"}).status_code == 405
    stranger = log_in(app, world["stranger"])
    assert stranger.post(f"/admin/tokens/{token_id}/revoke").status_code == 404
    assert token_for_secret(session, secret) is not None
    assert admin.post(f"/admin/tokens/{token_id}/revoke").status_code == 302
    assert token_for_secret(session, secret) is None


def test_the_page_never_prints_a_secret_and_works_in_arabic(app, session, world):
    browser = log_in(app, world["member"])
    browser.post("/connect/tokens", data={"label": "first", "expires_days": 5})
    browser.post("/language", data={"lang": "ar", "next": "/connect"})
    page = browser.get("/connect").get_data(as_text=True)
    assert 'dir="rtl"' in page and "TAXII" in page and not SECRET.search(page)
    assert "analyst@watch.example" in page
