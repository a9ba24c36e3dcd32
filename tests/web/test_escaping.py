"""Every string from STIX objects or from users is escaped: script payloads render as inert text."""

from __future__ import annotations

import io
import json

import pyotp

from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.web.conftest import WebActions

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
PAYLOAD = f"{SCRIPT}{IMG}"


def _assert_inert(html: str) -> None:
    assert SCRIPT not in html and IMG not in html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert 'href="javascript:' not in html


def test_payloads_in_every_stix_text_field_render_inert(client, session):
    org = make_org(session, f"Org {PAYLOAD}", tier="trusted")
    coordinator = make_user(session, make_org(session, "Coordination", tier="trusted"), role="coordinator")
    coordinator.totp_secret = pyotp.random_base32()
    author = make_user(session, org)
    channel = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], title=f"T {PAYLOAD}"
    )
    channel.description = f"D {PAYLOAD}"
    target = indicator(
        Tlp.GREEN,
        name=f"N {PAYLOAD}",
        description=f"D {PAYLOAD}",
        labels=[f"L {PAYLOAD}"],
        indicator_types=[f"t{PAYLOAD}"],
        kill_chain_phases=[{"kill_chain_name": f"k{PAYLOAD}", "phase_name": f"p{PAYLOAD}"}],
        external_references=[
            {
                "source_name": f"s{PAYLOAD}",
                "url": "javascript:alert(3)",
                "description": f"d{PAYLOAD}",
                "external_id": f"e{PAYLOAD}",
            }
        ],
        valid_from="2026-01-01T00:00:00Z",
        x_custom=PAYLOAD,
    )
    target["pattern"] = "[url:value = '" + PAYLOAD.replace("'", "\\'") + "']"
    other = {
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--1c9a0a1e-6d2b-4b7e-9f0e-2b7f3e0f8a11",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"M {PAYLOAD}",
        "is_family": True,
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    relationship = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--3c9a0a1e-6d2b-4b7e-9f0e-2b7f3e0f8a13",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "relationship_type": "indicates",
        "description": PAYLOAD,
        "source_ref": target["id"],
        "target_ref": other["id"],
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    submission = post(session, author, channel, [target, other, relationship])
    assert submission.failure_count == 0, submission.results
    web = WebActions(client)
    web.login(author)
    client.post(
        f"/collections/{channel.id}/objects/{target['id']}/feedback",
        data={"kind": "seen", "note": f"n {PAYLOAD}"},
    )
    pages = [
        f"/collections/{channel.id}",
        f"/collections/{channel.id}?q={PAYLOAD}",
        f"/collections/{channel.id}/objects/{target['id']}",
        "/",
        "/collections",
        f"/share/{channel.id}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_inert(response.get_data(as_text=True))
    detail = client.get(f"/collections/{channel.id}/objects/{target['id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "n &lt;script&gt;" in detail  # the feedback note is shown, escaped
    client.post("/logout")
    web.login(coordinator)  # coordinators see organisation names in the audience preview
    preview = client.post(
        f"/share/{channel.id}/indicator",
        data={
            "collection": channel.id,
            "kind": "url",
            "value": f"https://evil.example/{PAYLOAD}",
            "name": PAYLOAD,
            "description": PAYLOAD,
            "threat": PAYLOAD,
            "indicator_type": "malicious-activity",
            "valid_from": "2026-01-01",
            "tlp": "green",
            "action": "preview",
        },
    )
    html = preview.get_data(as_text=True)
    assert "Org &lt;script&gt;" in html
    _assert_inert(html)


def test_upload_results_echo_payloads_inert(client, session):
    author = make_user(session, make_org(session, "Uploader", tier="vetted"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"])
    session.commit()
    WebActions(client).login(author)
    bundle = json.dumps(
        {
            "type": "bundle",
            "objects": [
                {"type": "indicator", "id": PAYLOAD, "name": PAYLOAD},
                {"type": PAYLOAD, "id": f"x--{PAYLOAD}"},
            ],
        }
    )
    response = client.post(
        f"/share/{channel.id}/upload",
        content_type="multipart/form-data",
        data={
            "upload-collection": channel.id,
            "upload-tlp": "green",
            "upload-bundle": (io.BytesIO(bundle.encode()), "b.json"),
        },
    )
    html = response.get_data(as_text=True)
    assert "0 of 2 objects stored" in html
    _assert_inert(html)
