"""Editing and revoking from the object page: the producer organisation only, a new version each time,
widening TLP only after the page showed who gains access, and every refusal keeps the member's input."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select

from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from tests.factories import indicator, make_collection, make_org, make_user, post


@pytest.fixture
def world(session):
    producer_org = make_org(session, "Rights Watch", tier="vetted")
    author, colleague = make_user(session, producer_org), make_user(session, producer_org)
    reader = make_user(session, make_org(session, "Helpline", tier="trusted"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Community")
    obj = indicator(Tlp.AMBER, value="login-bank.evil-phish.net", name="Phishing page")
    post(session, author, channel, [obj])
    session.commit()
    base = f"/collections/{channel.id}/objects/{obj['id']}"
    return {
        "author": author,
        "colleague": colleague,
        "reader": reader,
        "channel": channel,
        "id": obj["id"],
        "url": base,
    }


def _form(**changes):
    data = {
        "name": "Phishing page (corrected)",
        "value": "login-bank2.evil-phish.net",
        "description": "Sent by SMS",
        "labels": "BankPhish, sms",
        "valid_until": "",
        "confidence": "80",
        "tlp": "amber",
        "widen": "",
    }
    data.update(changes)
    return data


def _versions(session, world):
    rows = session.scalars(
        select(ObjectVersion).where(ObjectVersion.stix_id == world["id"]).order_by(ObjectVersion.version)
    )
    return [(Tlp(v.tlp), orjson.loads(v.body)) for v in rows]


def test_only_the_producer_organisation_is_offered_and_allowed_to_edit(client, web, world):
    web.login(world["reader"])
    page = client.get(world["url"]).get_data(as_text=True)
    assert "/edit" not in page and "/revoke" not in page
    assert client.get(world["url"] + "/edit").status_code == 403
    assert client.post(world["url"] + "/revoke").status_code == 403
    client.post("/logout")
    web.login(world["colleague"])
    page = client.get(world["url"]).get_data(as_text=True)
    assert world["url"] + "/edit" in page and world["url"] + "/revoke" in page


def test_an_edit_is_stored_as_a_new_version_and_shown_in_the_history(client, web, world, session):
    web.login(world["colleague"])
    form = client.get(world["url"] + "/edit").get_data(as_text=True)
    assert 'value="login-bank.evil-phish.net"' in form and 'value="Phishing page"' in form
    response = client.post(world["url"] + "/edit", data=_form())
    assert response.status_code == 302
    (old_tlp, old), (new_tlp, new) = _versions(session, world)
    assert new["pattern"] == "[domain-name:value = 'login-bank2.evil-phish.net']"
    assert (new["labels"], new["confidence"], new["modified"] > old["modified"]) == (
        ["BankPhish", "sms"],
        80,
        True,
    )
    page = client.get(world["url"]).get_data(as_text=True)
    assert "Version history" in page and page.count('class="tlp') >= 3


def test_a_bad_value_keeps_every_input_and_says_why_beside_the_field(client, web, world, session):
    web.login(world["author"])
    for changes, message in [
        ({"value": "not a domain at all"}, "This is not a valid value of this kind."),
        ({"confidence": "120"}, "Give a whole number from 0 to 100."),
        ({"valid_until": "2020-01-01"}, "&#39;Valid until&#39; must be after &#39;valid from&#39;."),
    ]:
        response = client.post(world["url"] + "/edit", data=_form(**changes))
        page = response.get_data(as_text=True)
        assert response.status_code == 400, changes
        assert message in page and 'class="errors"' in page
        assert 'value="Phishing page (corrected)"' in page and "Sent by SMS" in page
        for value in changes.values():
            assert value in page
    assert len(_versions(session, world)) == 1


def test_widening_shows_who_gains_access_and_stores_only_after_the_confirmation(client, web, world, session):
    web.login(world["author"])
    first = client.post(world["url"] + "/edit", data=_form(tlp="clear"))
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "Who gains access:" in page and "Widen and save" in page
    assert 'name="widen" type="hidden" value="clear"' in page
    assert len(_versions(session, world)) == 1
    # A confirmation of another level does not count: CLEAR was confirmed, GREEN is asked for.
    again = client.post(world["url"] + "/edit", data=_form(tlp="green", widen="clear"))
    assert "Who gains access:" in again.get_data(as_text=True) and len(_versions(session, world)) == 1
    assert client.post(world["url"] + "/edit", data=_form(tlp="clear", widen="clear")).status_code == 302
    assert [level for level, _ in _versions(session, world)] == [Tlp.AMBER, Tlp.CLEAR]


def test_tightening_needs_no_confirmation(client, web, world, session):
    web.login(world["author"])
    assert client.post(world["url"] + "/edit", data=_form(tlp="amber_strict")).status_code == 302
    assert [level for level, _ in _versions(session, world)] == [Tlp.AMBER_STRICT, Tlp.AMBER_STRICT]


def test_revoking_asks_first_then_stores_a_final_version(client, web, world, session):
    web.login(world["author"])
    confirm = client.get(world["url"] + "/revoke").get_data(as_text=True)
    assert "This cannot be undone" in confirm
    assert client.post(world["url"] + "/revoke").status_code == 302
    assert _versions(session, world)[-1][1]["revoked"] is True
    page = client.get(world["url"]).get_data(as_text=True)
    assert "Revoked by its producer" in page and "/edit" not in page
    assert client.get(world["url"] + "/edit").status_code == 403


def test_the_pages_are_in_arabic(client, web, world):
    web.login(world["author"])
    page = client.get(world["url"] + "/edit?lang=ar").get_data(as_text=True)
    assert "حفظ" in page and "Save as a new version" not in page
    refused = client.post(world["url"] + "/edit", data=_form(value="???")).get_data(as_text=True)
    assert "This is not a valid value" not in refused and 'value="???"' in refused
    assert "This cannot be undone" not in client.get(world["url"] + "/revoke").get_data(as_text=True)
