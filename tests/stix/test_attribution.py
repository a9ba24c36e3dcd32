"""Issue 11, item 3: nobody attributes objects to another member organisation or to the hub, and the object
page names a source only when the poster owns that identity (a feed's objects show the feed)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert

from hub.identity import hub_identity_id
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.web.conftest import WebActions

IDENTITY_TIME = "2026-01-01T00:00:00.000Z"


@pytest.fixture
def world(session):
    poster_org = make_org(session, "Poster NGO", tier="vetted")
    victim_org = make_org(session, "Victim Helpline", tier="vetted")
    poster = make_user(session, poster_org, email="poster@ngo.example")
    reader = make_user(session, victim_org, email="reader@helpline.example")
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], title="Community")
    session.commit()
    return poster, reader, channel, poster_org, victim_org


def _identity(identity_id: str, name: str) -> dict:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": IDENTITY_TIME,
        "modified": IDENTITY_TIME,
        "name": name,
        "identity_class": "organization",
    }


def _failures(submission) -> dict[str, str]:
    return {f["id"]: f["message"] for f in json.loads(submission.results)["failures"]}


def test_another_members_identity_is_refused_as_created_by_ref(session, world, app):
    poster, _, channel, own, victim = world
    forged = indicator(Tlp.GREEN, created_by_ref=victim.identity_id)
    hub_claim = indicator(Tlp.GREEN, created_by_ref=hub_identity_id(app.config))
    honest = indicator(Tlp.GREEN, created_by_ref=own.identity_id)
    failures = _failures(post(session, poster, channel, [forged, hub_claim, honest]))
    assert set(failures) == {forged["id"], hub_claim["id"]}
    assert "created_by_ref" in failures[forged["id"]] and "Victim Helpline" not in failures[forged["id"]]


def test_an_identity_object_under_a_members_id_is_refused_but_ones_own_is_accepted(session, world, app):
    poster, _, channel, own, victim = world
    planted = _identity(victim.identity_id, "Victim Helpline (new address: evil.example)")
    hub_planted = _identity(hub_identity_id(app.config), "The hub")
    mine = _identity(own.identity_id, "Poster NGO")
    failures = _failures(post(session, poster, channel, [planted, hub_planted, mine]))
    assert set(failures) == {planted["id"], hub_planted["id"]}


def test_source_is_shown_only_when_the_poster_owns_the_identity(session, world, client):
    poster, reader, channel, own, victim = world
    forged = indicator(Tlp.GREEN, created_by_ref=victim.identity_id)
    body = json.dumps(forged)
    session.execute(  # stored before the check existed (or by a feed of an older hub)
        insert(ObjectVersion).values(
            collection_id=channel.id,
            stix_id=forged["id"],
            type="indicator",
            spec_version="2.1",
            version=1,
            date_added=1,
            tlp=int(Tlp.GREEN),
            state=0,
            producer_org_id=own.id,
            author_id=poster.id,
            is_anonymous=False,
            body=body,
        )
    )
    honest = indicator(Tlp.GREEN, created_by_ref=own.identity_id)
    post(session, poster, channel, [honest])
    session.commit()
    WebActions(client).login(reader)
    page = client.get(f"/collections/{channel.id}/objects/{forged['id']}").get_data(as_text=True)
    assert "Victim Helpline" not in page
    page = client.get(f"/collections/{channel.id}/objects/{honest['id']}").get_data(as_text=True)
    assert "Poster NGO" in page
