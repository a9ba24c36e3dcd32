"""Bulk paste and list upload, threat links, and errors kept inside the share forms (issue 12 items 5-8)."""

from __future__ import annotations

import io
import re
import uuid

import orjson
import pytest
from sqlalchemy import select

from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from hub.web import share_bulk
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post


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


def _threat(threat_type, name, tlp, **extra):
    obj = {
        "type": threat_type,
        "spec_version": "2.1",
        "id": f"{threat_type}--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "object_marking_refs": [tlp.marking_id],
        **extra,
    }
    if threat_type == "malware":
        obj["is_family"] = True
    return obj


def _form(world, **changes):
    data = {
        "values": (
            "hxxps://Evil-Login[.]evil-phish.net/x\n\nEvil-Login.evil-phish.net.\n"
            "1.2.3.4\nnot a value\n1.2.3.4\n"
        ),
        "description": "From a report",
        "threat": "",
        "indicator_type": "malicious-activity",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "tlp": "green",
        "action": "preview",
    }
    data.update(changes)
    return data


def _bulk(client, world, data, channel="channel"):
    """POST the bulk form; its fields carry the form's prefix (the tick boxes and the button do not)."""
    fields = {key if key in ("keep", "action") else f"bulk-{key}": value for key, value in data.items()}
    return client.post(f"/share/{world[channel].id}/bulk", data=fields, content_type="multipart/form-data")


def _state(page):
    return re.search(r'name="bulk-state" type="hidden" value="([^"]+)"', page).group(1)


def _ticked(page):
    return [int(n) for n in re.findall(r'name="keep" value="(\d+)"[^>]*checked', page)]


def _stored(session, channel, stix_type=None):
    query = select(ObjectVersion).where(ObjectVersion.collection_id == channel.id)
    if stix_type:
        query = query.where(ObjectVersion.type == stix_type)
    return list(session.scalars(query))


def test_a_pasted_list_is_read_line_by_line_and_unticked_lines_are_not_shared(client, session, web, world):
    web.login(world["author"])
    preview = _bulk(client, world, _form(world))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "http://evil-login.evil-phish.net/x" not in page  # defanged https stays https
    assert "https://evil-login.evil-phish.net/x" in page and "evil-login.evil-phish.net</code>" in page
    assert "Not recognised" in page and "The same value as line 4" in page
    assert _ticked(page) == [1, 3, 4]  # blank, unrecognised and duplicate lines cannot be ticked
    share = _form(world, action="share", state=_state(page), keep=["1", "4"])  # line 3 unticked
    done = _bulk(client, world, share)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "2 of 2 objects stored" in text
    assert "See what you just shared" in text and "added_after=" in text
    patterns = sorted(orjson.loads(row.body)["pattern"] for row in _stored(session, world["channel"]))
    assert patterns == [
        "[ipv4-addr:value = '1.2.3.4']",
        "[url:value = 'https://evil-login.evil-phish.net/x']",
    ]


def test_values_on_a_warning_list_are_unticked_and_need_the_box(client, session, web, world):
    web.login(world["author"])
    page = _bulk(client, world, _form(world, values="google.com\nphish-a.evil-phish.net\n")).get_data(
        as_text=True
    )
    assert _ticked(page) == [2]
    assert "one of the most visited domains" in page
    share = _form(world, values="google.com\nphish-a.evil-phish.net\n", action="share", state=_state(page))
    refused = _bulk(client, world, {**share, "keep": ["1", "2"]})
    assert refused.status_code == 400
    assert 'id="bulk-insist-errors"' in refused.get_data(as_text=True)
    assert "Tick this box to share despite the warnings" in refused.get_data(as_text=True)
    assert not _stored(session, world["channel"])
    assert _ticked(refused.get_data(as_text=True)) == [1, 2]  # the member's ticks survive the error
    _bulk(client, world, {**share, "keep": ["1", "2"], "insist": "y"})
    assert len(_stored(session, world["channel"])) == 2


def test_share_stores_only_what_was_previewed(client, session, web, world, monkeypatch):
    web.login(world["author"])
    page = _bulk(client, world, _form(world, values="one.evil-phish.net\n")).get_data(as_text=True)
    changed = _form(
        world, values="one.evil-phish.net\ntwo.evil-phish.net\n", action="share", state=_state(page)
    )
    again = _bulk(client, world, {**changed, "keep": ["1"]})
    assert again.status_code == 400 and "The list changed since the preview" in again.get_data(as_text=True)
    assert not _stored(session, world["channel"])
    monkeypatch.setattr(share_bulk, "STATE_MAX_AGE", -1)
    old = _form(world, values="one.evil-phish.net\n", action="share", state=_state(page), keep=["1"])
    expired = _bulk(client, world, old)
    assert expired.status_code == 400 and "This preview is too old" in expired.get_data(as_text=True)
    assert "one.evil-phish.net" in expired.get_data(as_text=True)  # the list is still there
    assert not _stored(session, world["channel"])


def test_a_csv_list_file_is_read_from_its_first_column_into_the_text_area(client, web, world):
    web.login(world["author"])
    csv = b"value,comment\nhxxp://bad[.]evil-phish.net/a,seen in SMS\n203.0.113.9,c2\n"
    page = _bulk(client, world, _form(world, values="", listfile=(io.BytesIO(csv), "iocs.csv")))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "http://bad.evil-phish.net/a" in text and "203.0.113.9" in text and "seen in SMS" not in text
    assert re.search(
        r"<textarea[^>]*>\s*value\nhxxp://bad\[\.\]evil-phish\.net/a\n203\.0\.113\.9</textarea>", text
    )
    assert "Not recognised" in text  # the header line cannot be ticked


def test_a_bad_list_file_keeps_the_form_and_says_why_in_the_members_language(client, web, world):
    web.login(world["author"])
    data = _form(world, values="", description="Kept", listfile=(io.BytesIO(b"%PDF-1.4"), "report.pdf"))
    page = _bulk(client, world, data)
    text = page.get_data(as_text=True)
    assert (
        page.status_code == 400
        and 'id="bulk-listfile-errors"' in text
        and "Choose a .txt or .csv file" in text
    )
    assert re.search(r">\s*Kept</textarea>", text) and "InvalidInput" not in text
    client.get("/?lang=ar")
    data = _form(world, values="", description="Kept", listfile=(io.BytesIO(b"\xff\xfe\x00"), "list.txt"))
    text = _bulk(client, world, data).get_data(as_text=True)
    assert 'id="bulk-listfile-errors"' in text and "UTF-8" in text and "The file is not" not in text


def test_bulk_correlation_counts_only_what_the_member_may_see(client, session, web, world):
    post(session, world["helpline"], world["closed"], [indicator(Tlp.GREEN, value="hidden.evil-phish.net")])
    post(session, world["helpline"], world["channel"], [indicator(Tlp.AMBER, value="hidden.evil-phish.net")])
    post(session, world["helpline"], world["channel"], [indicator(Tlp.CLEAR, value="shown.evil-phish.net")])
    web.login(
        world["unvetted"]
    )  # registered tier: reads CLEAR in the channel, not AMBER, not the closed channel
    page = _bulk(client, world, _form(world, values="hidden.evil-phish.net\nshown.evil-phish.net\n"))
    text = page.get_data(as_text=True)
    assert "1 value already in the hub" in text and text.count("<details>") == 1
    assert "Helpline only" not in text and "TLP:AMBER" not in text


def test_a_threat_is_found_by_its_name_and_linked_at_the_same_tlp(client, session, web, world):
    pegasus = _threat("malware", "Pegasus", Tlp.GREEN)
    hidden = _threat("malware", "Pegasus Hidden Variant", Tlp.GREEN)
    post(session, world["helpline"], world["channel"], [pegasus])
    post(session, world["helpline"], world["closed"], [hidden])
    web.login(world["author"])
    page = _bulk(client, world, _form(world, values="a.evil-phish.net\nb.evil-phish.net", threat="pegasus"))
    text = page.get_data(as_text=True)
    assert "Pegasus (malware, TLP:GREEN)" in text and "Hidden Variant" not in text
    assert f'value="{pegasus["id"]}" checked' not in text  # "pegasus" is not its exact name: nothing chosen
    share = _form(
        world,
        values="a.evil-phish.net\nb.evil-phish.net",
        threat="pegasus",
        action="share",
        state=_state(text),
    )
    _bulk(client, world, {**share, "keep": ["1", "2"], "threat_ref": pegasus["id"]})
    links = [orjson.loads(row.body) for row in _stored(session, world["channel"], "relationship")]
    assert len(links) == 2 and {link["target_ref"] for link in links} == {pegasus["id"]}
    assert {link["relationship_type"] for link in links} == {"indicates"}
    assert all(row.tlp == Tlp.GREEN for row in _stored(session, world["channel"], "relationship"))


def test_a_threat_the_member_may_not_see_cannot_be_linked_even_by_a_forged_form(client, session, web, world):
    hidden = _threat("intrusion-set", "Secret Group", Tlp.GREEN)
    post(session, world["helpline"], world["closed"], [hidden])
    web.login(world["author"])
    page = _bulk(client, world, _form(world, values="c.evil-phish.net", threat="Secret Group")).get_data(
        as_text=True
    )
    assert "Secret Group (" not in page and "A new one named “Secret Group”" in page
    share = _form(world, values="c.evil-phish.net", threat="Secret Group", action="share", state=_state(page))
    forged = _bulk(client, world, {**share, "keep": ["1"], "threat_ref": hidden["id"]})
    assert forged.status_code == 400 and "not in the list any more" in forged.get_data(as_text=True)
    assert not _stored(session, world["channel"])


def test_a_link_to_a_more_restrictive_threat_is_refused_next_to_the_field(client, session, web, world):
    actor = _threat("threat-actor", "Quiet Actor", Tlp.AMBER)
    post(session, world["helpline"], world["channel"], [actor])
    web.login(world["author"])
    data = _form(world, values="d.evil-phish.net", threat="Quiet Actor", threat_ref=actor["id"])
    page = _bulk(client, world, data).get_data(as_text=True)
    assert 'id="bulk-threat_ref-errors"' in page and "more restrictive TLP than TLP:GREEN" in page
    share = {**data, "action": "share", "state": _state(page), "keep": ["1"]}
    assert _bulk(client, world, share).status_code == 400
    assert not _stored(session, world["channel"], "indicator")
    _bulk(client, world, {**share, "tlp": "amber"})
    [link] = _stored(session, world["channel"], "relationship")
    assert link.tlp == Tlp.AMBER and orjson.loads(link.body)["target_ref"] == actor["id"]


def test_an_unticked_warnings_box_is_an_error_next_to_it_in_english_and_arabic(client, session, web, world):
    web.login(world["author"])
    form = {
        "collection": world["channel"].id,
        "kind": "domain",
        "value": "google.com",
        "name": "Not really",
        "indicator_type": "malicious-activity",
        "valid_from": "2026-01-01",
        "tlp": "green",
        "action": "share",
    }
    text = client.post(f"/share/{world['channel'].id}/indicator", data=form).get_data(as_text=True)
    assert 'id="insist-errors"' in text and "Tick this box to share despite the warnings" in text
    assert 'value="google.com"' in text
    client.get("/?lang=ar")
    text = client.post(f"/share/{world['channel'].id}/indicator", data=form).get_data(as_text=True)
    assert 'id="insist-errors"' in text and "Tick this box" not in text and "most visited" not in text
    assert not _stored(session, world["channel"])


def test_a_bad_bundle_is_explained_next_to_the_file_field_with_the_choices_kept(client, web, world):
    web.login(world["author"])
    data = {"upload-collection": world["channel"].id, "upload-tlp": "clear", "upload-anonymous": "y"}
    response = client.post(
        f"/share/{world['channel'].id}/upload",
        content_type="multipart/form-data",
        data={**data, "upload-bundle": (io.BytesIO(b"<html>"), "x.json")},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "InvalidInput" not in text
    assert 'id="upload-bundle-errors"' in text and "The file is not JSON" in text
    upload_form = text[text.index('id="upload"') :]
    assert re.search(r'<option selected value="clear">|<option value="clear" selected>', upload_form)
    assert re.search(r'id="upload-anonymous"[^>]*checked|checked[^>]*id="upload-anonymous"', upload_form)
    client.get("/?lang=ar")
    text = client.post(
        f"/share/{world['channel'].id}/upload", content_type="multipart/form-data", data=data
    ).get_data(as_text=True)
    assert (
        'id="upload-bundle-errors"' in text
        and "Choose a STIX" not in text
        and "This field is required" not in text
    )


def test_error_pages_never_show_an_exception_name(app):
    from hub.web.errors import render_error

    with app.test_request_context("/share/x/upload"):
        page = render_error(400, "InvalidInput", "the file is not JSON").get_data(as_text=True)
    assert "InvalidInput" not in page and "The hub could not use what you sent" in page
    assert '<p class="detail" lang="en" dir="ltr">the file is not JSON</p>' in page


@pytest.fixture
def guarded(app, variant):
    """The hub with CSRF checks on, as in production (same secret key: the same passwords work)."""
    return variant(WTF_CSRF_ENABLED=True, SECRET_KEY=app.config["SECRET_KEY"])


def test_an_expired_form_comes_back_with_the_input_and_a_translated_message(guarded, session, world):
    session.commit()  # the served app has a connection of its own
    client = guarded.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    login = client.post(
        "/login", data={"email": world["author"].email, "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 302
    stale = {
        "bulk-values": "late.evil-phish.net\n",
        "bulk-description": "Written before lunch",
        "bulk-csrf_token": "x",
    }
    response = client.post(f"/share/{world['channel'].id}/bulk", data={**stale, "action": "share"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form has expired" in text
    assert "late.evil-phish.net" in text and "Written before lunch" in text and "CSRF" not in text
    assert not _stored(session, world["channel"])
    data = {"kind": "domain", "value": "kept.evil-phish.net", "name": "Kept name", "csrf_token": "x"}
    client.get("/?lang=ar")
    text = client.post(f"/share/{world['channel'].id}/indicator", data=data).get_data(as_text=True)
    assert 'value="kept.evil-phish.net"' in text and 'value="Kept name"' in text
    assert "This form has expired" not in text and "CSRF" not in text
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)
    again = client.post(
        f"/share/{world['channel'].id}/indicator",
        data={
            **data,
            "csrf_token": fresh,
            "indicator_type": "malicious-activity",
            "valid_from": "2026-01-01",
            "tlp": "green",
            "action": "share",
        },
    )
    assert again.status_code == 200  # the new token works
    session.commit()  # see what the served app committed
    assert len(_stored(session, world["channel"])) == 1
