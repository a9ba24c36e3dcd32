"""Members' pages for every role: what each may see in listings, details, searches and counts; no more."""

from __future__ import annotations

import pyotp
import pytest

from hub.accounts.service import needs_totp
from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.web.conftest import WebActions


@pytest.fixture
def world(session):
    author_org = make_org(session, "Rights Watch", tier="vetted")
    reader_org = make_org(session, "Helpline", tier="trusted")
    newcomer_org = make_org(session, "New Voices", tier="registered")
    coordination = make_org(session, "Coordination", tier="trusted", org_type="coordinator")
    users = {
        "author": make_user(session, author_org),
        "vetted": make_user(session, reader_org, email="reader@helpline.example"),
        "org_admin": make_user(session, reader_org, role="org-admin"),
        "registered": make_user(session, newcomer_org),
        "coordinator": make_user(session, coordination, role="coordinator"),
    }
    channel = make_collection(
        session,
        read=["tier:registered", "user:reader@helpline.example"],
        write=["tier:registered"],
        title="Community",
    )
    private = make_collection(session, read=["org:Rights Watch"], write=["org:Rights Watch"], title="Private")
    objects = {
        level: indicator(level, name=f"obj-{level.name.lower()}", value=f"{level.name.lower()}.example.net")
        for level in Tlp
    }
    post(session, users["author"], channel, list(objects.values()))
    quarantined = indicator(Tlp.GREEN, name="obj-quarantined", value="waiting.example.net")
    post(session, users["registered"], channel, [quarantined])
    secret = indicator(Tlp.CLEAR, name="obj-private", value="private.example.net")
    post(session, users["author"], private, [secret])
    for user in users.values():
        user.totp_secret = pyotp.random_base32() if needs_totp(user) else None
    session.commit()
    names = {f"obj-{level.name.lower()}": obj["id"] for level, obj in objects.items()}
    names["obj-quarantined"] = quarantined["id"]
    return {"users": users, "channel": channel, "private": private, "ids": names, "secret": secret}


EXPECTED = {
    "author": {"obj-clear", "obj-green", "obj-amber", "obj-amber_strict", "obj-red"},
    "vetted": {"obj-clear", "obj-green", "obj-amber", "obj-amber_strict", "obj-red"},
    "org_admin": {"obj-clear", "obj-green", "obj-amber", "obj-amber_strict"},
    "registered": {"obj-clear", "obj-quarantined"},
    "coordinator": {"obj-clear", "obj-green", "obj-amber", "obj-amber_strict", "obj-quarantined"},
}


def _login(client, user, session):
    response = WebActions(client).login(user)
    assert response.status_code == 302 and "/login" not in response.location


def _listed(client, url):
    page = client.get(url).get_data(as_text=True)
    return {
        name
        for name in (
            "obj-clear",
            "obj-green",
            "obj-amber",
            "obj-amber_strict",
            "obj-red",
            "obj-quarantined",
            "obj-private",
        )
        if f">{name}<" in page
    }


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_listing_shows_exactly_what_the_rule_allows(client, session, world, role):
    _login(client, world["users"][role], session)
    assert _listed(client, f"/collections/{world['channel'].id}") == EXPECTED[role]


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_detail_pages_of_hidden_objects_do_not_exist(client, session, world, role):
    _login(client, world["users"][role], session)
    for name, stix_id in world["ids"].items():
        response = client.get(f"/collections/{world['channel'].id}/objects/{stix_id}")
        assert response.status_code == (200 if name in EXPECTED[role] else 404), name
    private = client.get(f"/collections/{world['private'].id}/objects/{world['secret']['id']}")
    assert private.status_code == (200 if role == "author" else 404)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_search_finds_only_visible_objects(client, session, world, role):
    _login(client, world["users"][role], session)
    found = _listed(client, f"/collections/{world['channel'].id}?q=example.net")
    assert found == EXPECTED[role]
    assert _listed(client, f"/collections/{world['channel'].id}?q=AMBER") == EXPECTED[role] & {
        "obj-amber",
        "obj-amber_strict",
    }


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_home_counts_only_visible_objects(client, session, world, role):
    _login(client, world["users"][role], session)
    page = client.get("/").get_data(as_text=True)
    assert f">{len(EXPECTED[role])}<" in page.split("Community", 1)[1].split("</tr>", 1)[0]
    assert ("Private" in page) == (role == "author")


def test_private_channel_does_not_exist_for_others(client, session, world):
    _login(client, world["users"]["vetted"], session)
    assert client.get(f"/collections/{world['private'].id}").status_code == 404
    assert "Private" not in client.get("/collections").get_data(as_text=True)


def test_home_counts_what_is_new_since_the_last_visit(client, session, world):
    user = world["users"]["vetted"]
    _login(client, user, session)
    client.post("/logout")
    post(session, world["users"]["author"], world["channel"], [indicator(Tlp.GREEN, name="obj-new")])
    _login(client, user, session)
    row = client.get("/").get_data(as_text=True).split("Community", 1)[1].split("</tr>", 1)[0]
    assert ">1</a>" in row and "added_after=" in row


def test_browse_filters_by_type_tlp_and_date(client, session, world):
    _login(client, world["users"]["vetted"], session)
    base = f"/collections/{world['channel'].id}"
    assert _listed(client, f"{base}?tlp=green") == {"obj-green"}
    assert _listed(client, f"{base}?type=malware") == set()
    assert _listed(client, f"{base}?type=indicator") == EXPECTED["vetted"]
    assert _listed(client, f"{base}?added_to=2000-01-01") == set()
    assert _listed(client, f"{base}?added_from=2000-01-01") == EXPECTED["vetted"]


def test_browse_pages_with_a_keyset(client, session, world, monkeypatch):
    from hub.web import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _login(client, world["users"]["vetted"], session)
    base = f"/collections/{world['channel'].id}?type=indicator"
    first = client.get(base).get_data(as_text=True)
    assert 'rel="next"' in first
    seen = set()
    url = base
    for _ in range(5):
        page = client.get(url).get_data(as_text=True)
        seen |= _listed(client, url)
        if 'rel="next"' not in page:
            break
        url = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert seen == EXPECTED["vetted"]


def test_object_page_shows_fields_versions_relationships_and_raw_json(client, session, world):
    author, channel = world["users"]["author"], world["channel"]
    stix_id = world["ids"]["obj-green"]
    newer = indicator(
        Tlp.GREEN,
        stix_id=stix_id,
        name="obj-green",
        modified="2026-02-01T00:00:00.000Z",
        kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}],
        external_references=[{"source_name": "report", "url": "https://example.org/r"}],
    )
    malware = {
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--1c9a0a1e-6d2b-4b7e-9f0e-2b7f3e0f8a11",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "Pegasus",
        "is_family": True,
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    hidden = {
        **malware,
        "id": "malware--2c9a0a1e-6d2b-4b7e-9f0e-2b7f3e0f8a12",
        "name": "RedOnly",
        "object_marking_refs": [Tlp.RED.marking_id],
    }
    rels = [
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": f"relationship--{n}c9a0a1e-6d2b-4b7e-9f0e-2b7f3e0f8a1{n}",
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "relationship_type": "indicates",
            "source_ref": stix_id,
            "target_ref": target["id"],
            "object_marking_refs": [Tlp.GREEN.marking_id],
        }
        for n, target in ((3, malware), (4, hidden))
    ]
    post(session, author, channel, [newer, malware, hidden, *rels])
    _login(client, world["users"]["org_admin"], session)
    page = client.get(f"/collections/{channel.id}/objects/{stix_id}").get_data(as_text=True)
    assert "initial-access" in page and "https://example.org/r" in page
    assert "2026-01-01T00:00:00.000000Z" in page and "2026-02-01T00:00:00.000000Z" in page
    assert "Pegasus" in page and "RedOnly" not in page  # relationships to invisible objects are not shown
    assert "&#34;spec_version&#34;: &#34;2.1&#34;" in page or "&quot;spec_version&quot;" in page
    old = client.get(f"/collections/{channel.id}/objects/{stix_id}?version=1767225600000000")
    assert old.status_code == 200 and "initial-access" not in old.get_data(as_text=True)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_every_members_page_opens_for_every_role(client, session, world, role):
    _login(client, world["users"][role], session)
    channel = world["channel"].id
    clear = world["ids"]["obj-clear"]
    pages = [
        "/",
        "/collections",
        f"/collections/{channel}",
        f"/collections/{channel}/objects/{clear}",
        "/share",
        f"/share/{channel}",
        "/profile",
    ]
    for url in pages:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (role, url)
        assert "<main" in response.get_data(as_text=True)
