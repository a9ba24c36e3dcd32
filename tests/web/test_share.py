"""Sharing from the web: indicator preview and submit, audience, warnings, anonymity, uploads, feedback."""

from __future__ import annotations

import io
import json

import orjson
import pyotp
import pytest
from sqlalchemy import select

from hub.identity import hub_identity_id
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion, State
from tests.factories import indicator, make_collection, make_org, make_user, post


@pytest.fixture
def world(session):
    vetted = make_org(session, "Rights Watch", tier="vetted")
    other = make_org(session, "Helpline", tier="trusted")
    newcomer = make_org(session, "New Voices", tier="registered")
    author = make_user(session, vetted)
    reader = make_user(session, other)
    unvetted = make_user(session, newcomer)
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Community")
    session.commit()
    return {"author": author, "reader": reader, "unvetted": unvetted, "channel": channel}


def _indicator_form(world, **changes):
    data = {
        "collection": world["channel"].id,
        "kind": "domain",
        "value": "login-bank.evil-phish.net",
        "name": "Phishing page",
        "description": "Sent by SMS",
        "threat": "",
        "indicator_type": "malicious-activity",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "tlp": "amber",
        "action": "preview",
    }
    data.update(changes)
    return data


def _stored(session, channel):
    return list(session.scalars(select(ObjectVersion).where(ObjectVersion.collection_id == channel.id)))


def test_share_page_says_who_can_read_each_level(client, web, world):
    web.login(world["author"])
    page = client.get(f"/share/{world['channel'].id}").get_data(as_text=True)
    assert "TLP:CLEAR" in page and "TLP:AMBER+STRICT" in page
    assert "TLP:RED" not in page  # no named readers in this channel
    assert "3 organisations" in page and "2 organisations" in page
    assert "Helpline" not in page  # names are for coordinators only


def test_preview_then_share_builds_a_stix_indicator(client, session, web, world):
    web.login(world["author"])
    preview = client.post(
        f"/share/{world['channel'].id}/indicator", data=_indicator_form(world, threat="BankPhish")
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "[domain-name:value = &#39;login-bank.evil-phish.net&#39;]" in text
    assert "2 organisations" in text and "only to people in their organisation" in text
    assert "A new one named “BankPhish”" in text  # the threat step offers a new campaign or threat
    assert not _stored(session, world["channel"])
    unchosen = client.post(
        f"/share/{world['channel'].id}/indicator",
        data=_indicator_form(world, action="share", threat="BankPhish"),
    )
    assert unchosen.status_code == 400 and "Choose which one you mean" in unchosen.get_data(as_text=True)
    assert not _stored(session, world["channel"])
    done = client.post(
        f"/share/{world['channel'].id}/indicator",
        data=_indicator_form(
            world, action="share", threat="BankPhish", threat_ref="new", threat_type="campaign"
        ),
    )
    assert done.status_code == 200
    assert "3 of 3 objects stored" in done.get_data(as_text=True)
    rows = {row.type: row for row in _stored(session, world["channel"])}
    body = orjson.loads(rows["indicator"].body)
    assert rows["indicator"].tlp == Tlp.AMBER and body["object_marking_refs"] == [Tlp.AMBER.marking_id]
    assert "labels" not in body and body["created_by_ref"] == world["author"].org.identity_id
    campaign, link = orjson.loads(rows["campaign"].body), orjson.loads(rows["relationship"].body)
    assert campaign["name"] == "BankPhish" and rows["campaign"].tlp == Tlp.AMBER
    assert (link["relationship_type"], link["source_ref"], link["target_ref"]) == (
        "indicates",
        body["id"],
        campaign["id"],
    )
    assert rows["relationship"].tlp == Tlp.AMBER


def test_invalid_observable_is_explained_next_to_the_field(client, session, web, world):
    web.login(world["author"])
    response = client.post(
        f"/share/{world['channel'].id}/indicator",
        data=_indicator_form(world, kind="ipv4", value="999.1.1.1", action="share"),
    )
    assert response.status_code == 400
    assert 'id="value-errors"' in response.get_data(as_text=True)
    assert not _stored(session, world["channel"])


def test_warning_list_hits_need_insisting(client, session, web, world):
    web.login(world["author"])
    form = _indicator_form(world, value="google.com", action="share")
    warned = client.post(f"/share/{world['channel'].id}/indicator", data=form)
    assert "Please look again before sharing" in warned.get_data(as_text=True)
    assert not _stored(session, world["channel"])
    client.post(f"/share/{world['channel'].id}/indicator", data={**form, "insist": "y"})
    assert len(_stored(session, world["channel"])) == 1


def test_share_without_attribution_shows_the_hub_as_source(app, client, session, web, world):
    web.login(world["author"])
    client.post(
        f"/share/{world['channel'].id}/indicator", data=_indicator_form(world, action="share", anonymous="y")
    )
    [row] = _stored(session, world["channel"])
    assert orjson.loads(row.body)["created_by_ref"] == hub_identity_id(app.config)
    assert row.is_anonymous and row.producer_org_id == world["author"].org_id
    client.post("/logout")
    web.login(world["reader"])
    page = client.get(f"/collections/{world['channel'].id}/objects/{row.stix_id}").get_data(as_text=True)
    assert app.config["HUB_NAME"] in page and "Rights Watch" not in page


def test_attributed_objects_name_their_organisation(client, session, web, world):
    post(
        session,
        world["author"],
        world["channel"],
        [indicator(Tlp.GREEN, name="named", created_by_ref=world["author"].org.identity_id)],
    )
    web.login(world["reader"])
    [row] = _stored(session, world["channel"])
    page = client.get(f"/collections/{world['channel'].id}/objects/{row.stix_id}").get_data(as_text=True)
    assert "Rights Watch" in page


def test_registered_members_may_only_share_clear_and_green_and_are_moderated(client, session, web, world):
    web.login(world["unvetted"])
    page = client.get(f"/share/{world['channel'].id}").get_data(as_text=True)
    assert "a coordinator checks what you share" in page and "TLP:AMBER" not in page
    url = f"/share/{world['channel'].id}/indicator"
    refused = client.post(url, data=_indicator_form(world, action="share"))
    assert refused.status_code == 400 and not _stored(session, world["channel"])
    client.post(url, data=_indicator_form(world, tlp="green", action="share"))
    [row] = _stored(session, world["channel"])
    assert row.state == State.QUARANTINED


def test_a_coordinator_of_a_registered_organisation_is_offered_only_what_it_may_post(
    client, session, web, world
):
    """Issue #15: /share offered AMBER to a coordinator of a registered-tier organisation, and ingest refused
    it. The TLP ceiling binds coordinators too (docs/access-control.md); only quarantine spares them."""
    coordinator = make_user(session, world["unvetted"].org, role="coordinator")
    coordinator.totp_secret = pyotp.random_base32()
    session.commit()
    web.login(coordinator)
    page = client.get(f"/share/{world['channel'].id}").get_data(as_text=True)
    assert "TLP:GREEN" in page and "TLP:AMBER" not in page
    assert "a coordinator checks what you share" not in page
    url = f"/share/{world['channel'].id}/indicator"
    client.post(url, data=_indicator_form(world, tlp="green", action="share"))
    [row] = _stored(session, world["channel"])
    assert row.state == State.PUBLISHED


def test_upload_reports_each_object(client, session, web, world):
    web.login(world["author"])
    good = indicator(Tlp.GREEN)
    bad = {"type": "indicator", "id": "indicator--not-a-uuid"}
    bundle = {"type": "bundle", "id": "bundle--6f1c1f0e-8d0b-4d39-9a57-1b0a3c2e9b11", "objects": [good, bad]}
    response = client.post(
        f"/share/{world['channel'].id}/upload",
        content_type="multipart/form-data",
        data={
            "upload-collection": world["channel"].id,
            "upload-tlp": "amber",
            "upload-bundle": (io.BytesIO(json.dumps(bundle).encode()), "bundle.json"),
        },
    )
    text = response.get_data(as_text=True)
    assert "1 of 2 objects stored" in text and "Refused" in text and bad["id"] in text
    assert good["id"] not in text  # a summary, not a row per object
    assert [row.stix_id for row in _stored(session, world["channel"])] == [good["id"]]


def test_upload_of_something_else_than_json_is_refused(client, web, world):
    web.login(world["author"])
    response = client.post(
        f"/share/{world['channel'].id}/upload",
        content_type="multipart/form-data",
        data={
            "upload-collection": world["channel"].id,
            "upload-tlp": "amber",
            "upload-bundle": (io.BytesIO(b"<html>"), "x.json"),
        },
    )
    assert response.status_code == 400


def test_read_only_channel_cannot_be_shared_in(client, session, web, world):
    read_only = make_collection(session, read=["tier:registered"], write=["org:Helpline"])
    session.commit()
    web.login(world["author"])
    assert client.get(f"/share/{read_only.id}").status_code == 403
    hidden = make_collection(session, read=["org:Helpline"], write=["org:Helpline"])
    session.commit()
    assert client.get(f"/share/{hidden.id}").status_code == 404


def test_feedback_is_a_sighting_at_the_indicators_tlp(client, session, web, world):
    target = indicator(Tlp.AMBER)
    post(session, world["author"], world["channel"], [target])
    web.login(world["reader"])
    page = client.get(f"/collections/{world['channel'].id}/objects/{target['id']}").get_data(as_text=True)
    assert "Give feedback on this indicator" in page
    client.post(
        f"/collections/{world['channel'].id}/objects/{target['id']}/feedback",
        data={"kind": "false-positive", "note": "our own server"},
    )
    sightings = [r for r in _stored(session, world["channel"]) if r.type == "sighting"]
    assert len(sightings) == 1 and sightings[0].tlp == Tlp.AMBER
    body = orjson.loads(sightings[0].body)
    assert body["sighting_of_ref"] == target["id"] and body["x_hub_feedback"] == "false-positive"
    page = client.get(f"/collections/{world['channel'].id}/objects/{target['id']}").get_data(as_text=True)
    assert "Reported as a false positive by Helpline" in page and "our own server" in page


def test_sightings_name_the_reporting_organisation_unless_it_may_not_be_named(client, session, web, world):
    target = indicator(Tlp.GREEN)
    post(session, world["author"], world["channel"], [target])
    seen = {
        "type": "sighting",
        "spec_version": "2.1",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": target["id"],
        "x_hub_feedback": "seen",
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    named = {**seen, "id": "sighting--0b6d2a55-5d6c-4c35-9d4c-0c4c8f8f0a01"}
    named["created_by_ref"] = world["reader"].org.identity_id
    post(session, world["reader"], world["channel"], [named])
    claimed = {**seen, "id": "sighting--0b6d2a55-5d6c-4c35-9d4c-0c4c8f8f0a02"}  # no identity: cannot be named
    post(session, world["reader"], world["channel"], [claimed])
    web.login(world["author"])
    page = client.get(f"/collections/{world['channel'].id}/objects/{target['id']}").get_data(as_text=True)
    assert "Seen by Helpline" in page and "Seen by an organisation" in page
    assert '<span dir="auto">Seen by us' not in page  # "us" is only the feedback form's own choice


def test_feedback_without_a_kind_comes_back_with_the_note_and_the_error_next_to_the_choices(
    client, session, web, world
):
    target = indicator(Tlp.GREEN)
    post(session, world["author"], world["channel"], [target])
    web.login(world["reader"])
    client.get("/?lang=ar")
    url = f"/collections/{world['channel'].id}/objects/{target['id']}/feedback"
    response = client.post(url, data={"note": "Seen in our abuse queue"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="kind-errors"' in text
    assert "Seen in our abuse queue</textarea>" in text and "Choose what kind" not in text
    assert not [r for r in _stored(session, world["channel"]) if r.type == "sighting"]


def test_feedback_on_an_invisible_indicator_is_not_found(client, session, web, world):
    target = indicator(Tlp.AMBER)
    post(session, world["author"], world["channel"], [target])
    web.login(world["unvetted"])
    response = client.post(
        f"/collections/{world['channel'].id}/objects/{target['id']}/feedback", data={"kind": "seen"}
    )
    assert response.status_code == 404
    assert not [r for r in _stored(session, world["channel"]) if r.type == "sighting"]


def test_red_is_offered_only_where_people_are_named_and_says_who(client, session, web, world):
    named = make_collection(
        session,
        read=["org:Rights Watch", f"user:{world['reader'].email}"],
        write=["org:Rights Watch"],
        title="Escalations",
    )
    session.commit()
    web.login(world["author"])
    assert "TLP:RED" not in client.get(f"/share/{world['channel'].id}").get_data(as_text=True)
    page = client.get(f"/share/{named.id}").get_data(as_text=True)
    assert "TLP:RED" in page and "1 named person" in page
    preview = client.post(
        f"/share/{named.id}/indicator", data=_indicator_form(world, collection=named.id, tlp="red")
    )
    text = preview.get_data(as_text=True)
    assert "Only the named people may read this" in text and "1 named person" in text


def test_coordinators_still_see_who_shared_without_attribution(client, session, web, world):
    coordinator = make_user(session, make_org(session, "Coordination", tier="trusted"), role="coordinator")
    coordinator.totp_secret = pyotp.random_base32()
    post(
        session,
        world["author"],
        world["channel"],
        [indicator(Tlp.GREEN, name="hidden source")],
        anonymous=True,
        hub_identity_id="identity--9b0f3c52-7a7e-4c1d-8f0e-5d2a1c6b4e83",
    )
    [row] = _stored(session, world["channel"])
    url = f"/collections/{world['channel'].id}/objects/{row.stix_id}"
    web.login(world["reader"])
    assert "Rights Watch" not in client.get(url).get_data(as_text=True)
    client.post("/logout")
    web.login(coordinator)
    page = client.get(url).get_data(as_text=True)
    assert "Rights Watch" in page and "only coordinators see this" in page
