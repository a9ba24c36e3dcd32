"""The share preview says where a value already is ("already in the hub N times"), never beyond what the
member may see; the rule itself is proven by `tests/policy/test_correlation_property.py`."""

from __future__ import annotations

import pytest

from hub.identity import hub_identity_id
from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post


@pytest.fixture
def world(session):
    vetted = make_org(session, "Rights Watch", tier="vetted")
    helpline = make_org(session, "Helpline", tier="trusted")
    newcomer = make_org(session, "New Voices", tier="registered")
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Community")
    closed = make_collection(session, read=["org:Helpline"], write=["org:Helpline"], title="Helpline only")
    session.commit()
    return {
        "author": make_user(session, vetted),
        "helpline": make_user(session, helpline),
        "unvetted": make_user(session, newcomer),
        "channel": channel,
        "closed": closed,
    }


def _preview(client, world, value, user="author"):
    data = {
        "collection": world["channel"].id,
        "kind": "domain",
        "value": value,
        "name": "Phishing page",
        "indicator_type": "malicious-activity",
        "valid_from": "2026-01-01",
        "tlp": "green",
        "action": "preview",
    }
    return client.post(f"/share/{world['channel'].id}/indicator", data=data).get_data(as_text=True)


def test_a_value_shared_before_is_correlated_with_its_channel_tlp_producer_and_sightings(
    client, session, web, world
):
    first = indicator(Tlp.GREEN, value="free247downloads.com", name="Fake downloads")
    post(session, world["helpline"], world["channel"], [first])
    post(session, world["author"], world["channel"], [indicator(Tlp.AMBER, value="free247downloads.com")])
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--6b3c6d5e-2d0f-4f7b-9d6e-5a0b1f6c2e11",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": first["id"],
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    post(session, world["author"], world["channel"], [sighting])
    web.login(world["author"])
    page = _preview(client, world, "FREE247DOWNLOADS[.]com.")
    assert "Already in the hub 2 times:" in page
    assert "Fake downloads" in page and "Helpline" in page and "Rights Watch" in page
    assert "TLP:AMBER" in page and "<td>1</td>" in page  # the Helpline indicator's one sighting


def test_a_url_is_correlated_with_its_domain_and_a_new_value_says_so(client, session, web, world):
    post(session, world["helpline"], world["channel"], [indicator(Tlp.GREEN, value="evil-host.example")])
    web.login(world["author"])
    data = {
        "collection": world["channel"].id,
        "kind": "url",
        "value": "hxxps://evil-host[.]example/login",
        "name": "Phishing page",
        "indicator_type": "malicious-activity",
        "valid_from": "2026-01-01",
        "tlp": "green",
        "action": "preview",
    }
    page = client.post(f"/share/{world['channel'].id}/indicator", data=data).get_data(as_text=True)
    assert "Already in the hub 1 time:" in page and "names evil-host.example" in page
    assert "Not yet in the hub" in _preview(client, world, "brand-new.example")


def test_anonymous_shares_show_the_hub_as_producer(client, session, web, world, app):
    options = {"anonymous": True, "hub_identity_id": hub_identity_id(app.config)}
    post(
        session, world["helpline"], world["channel"], [indicator(Tlp.GREEN, value="quiet.example")], **options
    )
    web.login(world["author"])
    page = _preview(client, world, "quiet.example")
    assert "Already in the hub 1 time:" in page and "the hub" in page and "Helpline" not in page


def test_what_the_member_may_not_see_is_not_counted(client, session, web, world):
    post(session, world["helpline"], world["closed"], [indicator(Tlp.GREEN, value="hidden.example")])
    post(session, world["helpline"], world["channel"], [indicator(Tlp.AMBER, value="hidden.example")])
    web.login(
        world["unvetted"]
    )  # registered tier: reads the channel, but not AMBER, and not the closed channel
    page = _preview(client, world, "hidden.example")
    assert "Not yet in the hub" in page and "time:" not in page and "hidden.example" in page


def test_the_correlation_is_in_arabic_for_arabic_readers(client, session, web, world):
    post(session, world["helpline"], world["channel"], [indicator(Tlp.GREEN, value="twice.example")])
    web.login(world["author"])
    client.get("/?lang=ar")
    page = _preview(client, world, "twice.example")
    assert "موجود في المنصة" in page and "time:" not in page
