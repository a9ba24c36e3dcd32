"""Correcting and revoking: new versions, never changes in place; the producer organisation only; a tightened
version hides the older, wider one on every read path from the readers who lose access."""

from __future__ import annotations

from datetime import date
from io import StringIO

import orjson
import pytest
from sqlalchemy import select

from hub.api.service import lookup
from hub.errors import NotFound, PermissionDenied
from hub.interop.exporter import ExportScope, export_stix
from hub.policy.tlp import Tlp
from hub.search.service import SearchQuery, search
from hub.stix.browsing import NEWEST, browse
from hub.stix.correlation import correlate
from hub.stix.models import ObjectVersion, State
from hub.stix.moderation import approve
from hub.stix.query import ALL, LAST, ObjectFilter, list_versions
from hub.stix.revision import IndicatorEdit, RevisionRefused, revise_indicator, revoke, simple_value
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


def _edit(tlp: Tlp, **changes) -> IndicatorEdit:
    values = {
        "name": "Phishing domain (corrected)",
        "description": "",
        "valid_until": None,
        "confidence": None,
        "labels": (),
        "tlp": tlp,
    }
    values.update(changes)
    return IndicatorEdit(**values)


@pytest.fixture
def world(session):
    """A vetted producer, a registered-tier reader (CLEAR only) and a vetted reader; a CLEAR indicator."""
    producer_org = make_org(session, tier="vetted")
    producer, colleague = make_user(session, producer_org), make_user(session, producer_org)
    small = make_user(session, make_org(session, tier="registered"))
    vetted = make_user(session, make_org(session, tier="vetted"))
    collection = make_collection(session, read=["tier:registered"], write=["tier:vetted"])
    obj = indicator(Tlp.CLEAR, value="tighten-me.example")
    post(session, producer, collection, [obj])
    return producer, colleague, small, vetted, collection, obj["id"]


def _versions(session, user, collection, stix_id, which=ALL):
    f = ObjectFilter(ids=(stix_id,), versions=(which,))
    return list_versions(session, principal(session, user), collection.id, f, 10).items


def test_an_edit_is_a_new_version_with_a_later_modified_and_the_old_one_kept(session, world):
    producer, colleague, _, _, collection, stix_id = world
    old = _versions(session, producer, collection, stix_id)[0]
    old_body = old.body
    edit = _edit(Tlp.GREEN, value="Corrected[.]example", confidence=80, labels=("pegasus",))
    revise_indicator(session, principal(session, colleague), collection.id, stix_id, edit)
    session.commit()
    versions = _versions(session, producer, collection, stix_id)
    assert len(versions) == 2
    assert versions[0].body == old_body  # never changed in place
    first, second = (orjson.loads(v.body) for v in sorted(versions, key=lambda v: v.version))
    assert second["modified"] > first["modified"] and second["created"] == first["created"]
    assert second["pattern"] == "[domain-name:value = 'corrected.example']"
    assert (second["confidence"], second["labels"], second["name"]) == (80, ["pegasus"], edit.name)


def test_revoking_stores_a_final_revoked_version_and_nothing_may_follow(session, world):
    producer, _, _, vetted, collection, stix_id = world
    revoke(session, principal(session, producer), collection.id, stix_id)
    session.commit()
    last = orjson.loads(_versions(session, vetted, collection, stix_id, LAST)[0].body)
    assert last["revoked"] is True
    with pytest.raises(PermissionDenied):
        revise_indicator(session, principal(session, producer), collection.id, stix_id, _edit(Tlp.GREEN))
    # Nor through ingest (TAXII, upload): a later version of a revoked object is refused.
    later = indicator(Tlp.GREEN, stix_id=stix_id, modified="2030-01-01T00:00:00.000Z")
    failures = orjson.loads(post(session, producer, collection, [later]).results)["failures"]
    assert failures and "revoked" in failures[0]["message"]


def test_only_the_producer_organisation_revises(session, world):
    _, _, _, vetted, collection, stix_id = world
    with pytest.raises(PermissionDenied):
        revoke(session, principal(session, vetted), collection.id, stix_id)
    with pytest.raises(PermissionDenied):
        revise_indicator(session, principal(session, vetted), collection.id, stix_id, _edit(Tlp.GREEN))


def test_a_colleague_cannot_revise_or_detect_a_red_object_addressed_to_its_author(session):
    org = make_org(session, tier="trusted")
    author, colleague = make_user(session, org), make_user(session, org)
    collection = make_collection(
        session, read=[f"org:{org.name}", f"user:{author.email}"], write=[f"org:{org.name}"]
    )
    red = indicator(Tlp.RED)
    post(session, author, collection, [red])
    with pytest.raises(NotFound):
        revoke(session, principal(session, colleague), collection.id, red["id"])
    revoke(session, principal(session, author), collection.id, red["id"])


def test_widening_needs_the_confirmation_and_leaves_older_versions_where_they_were(session):
    producer = make_user(session, make_org(session, tier="vetted"))
    collection = make_collection(session, read=["tier:registered"], write=["tier:vetted"])
    obj = indicator(Tlp.AMBER)
    post(session, producer, collection, [obj])
    p = principal(session, producer)
    with pytest.raises(RevisionRefused) as refused:
        revise_indicator(session, p, collection.id, obj["id"], _edit(Tlp.CLEAR))
    assert refused.value.field == "tlp"
    revise_indicator(session, p, collection.id, obj["id"], _edit(Tlp.CLEAR), widening_confirmed=True)
    session.commit()
    levels = session.scalars(
        select(ObjectVersion.tlp).where(ObjectVersion.stix_id == obj["id"]).order_by(ObjectVersion.version)
    ).all()
    assert levels == [Tlp.AMBER, Tlp.CLEAR]


def test_bad_values_are_refused_with_the_field_named(session, world):
    producer, _, _, _, collection, stix_id = world
    p = principal(session, producer)
    cases = [
        (_edit(Tlp.GREEN, value="not a domain"), "value"),
        (_edit(Tlp.GREEN, valid_until=date(2020, 1, 1)), "valid_until"),
    ]
    for edit, field in cases:
        with pytest.raises(RevisionRefused) as refused:
            revise_indicator(session, p, collection.id, stix_id, edit)
        assert refused.value.field == field
    assert simple_value("[domain-name:value = 'a.example'] OR [url:value = 'b']") is None


def test_a_tightened_object_is_hidden_old_version_included_on_every_read_path(session, world):
    producer, _, small, vetted, collection, stix_id = world
    p_small = principal(session, small)
    assert _versions(session, small, collection, stix_id)  # CLEAR: the registered tier read it
    assert search(session, p_small, SearchQuery(text="tighten-me.example")).total == 1
    assert correlate(session, p_small, ["tighten-me.example"])[0].count == 1
    revise_indicator(session, principal(session, producer), collection.id, stix_id, _edit(Tlp.GREEN))
    session.commit()
    p_small = principal(session, small)
    assert _versions(session, small, collection, stix_id) == []  # TAXII and the object page read these
    assert _versions(session, small, collection, stix_id, LAST) == []
    assert not browse(session, p_small, collection.id, ObjectFilter(), NEWEST, 1, 50).rows
    assert search(session, p_small, SearchQuery(text="tighten-me.example")).total == 0
    assert search(session, p_small, SearchQuery(text="Phishing")).total == 0
    assert lookup(session, p_small, ["tighten-me.example"])[0].matches == []
    assert correlate(session, p_small, ["tighten-me.example"])[0].count == 0
    out = StringIO()
    export_stix(session, p_small, ExportScope(all_versions=True), out)
    assert stix_id not in out.getvalue()
    # The readers who keep access still see both versions; the old one is now read at GREEN.
    assert len(_versions(session, vetted, collection, stix_id)) == 2
    assert correlate(session, principal(session, vetted), ["tighten-me.example"])[0].count == 1


def test_a_registered_organisations_revocation_is_published_at_once_an_edit_waits(session):
    """Revoking withdraws information: it must reach subscribers without waiting for a coordinator (a wrong
    indicator may be blocking an HRD's own site). It carries the published content only, so nothing
    unmoderated gets out; an edit of a registered-tier organisation still waits."""
    small = make_user(session, make_org(session, tier="registered"))
    coordinator = make_user(session, make_org(session, tier="trusted"), role="coordinator")
    collection = make_collection(session, read=["tier:registered"], write=["tier:registered"])
    obj = indicator(Tlp.CLEAR, value="wrongly-listed.example")
    post(session, small, collection, [obj])
    row = session.scalars(select(ObjectVersion).where(ObjectVersion.stix_id == obj["id"])).one()
    approve(session, principal(session, coordinator), row.id)
    session.commit()
    p = principal(session, small)
    revise_indicator(session, p, collection.id, obj["id"], _edit(Tlp.CLEAR, name="unmoderated text"))
    session.commit()
    revoke(session, p, collection.id, obj["id"])
    session.commit()
    states = [
        (State(v.state), orjson.loads(v.body))
        for v in session.scalars(
            select(ObjectVersion).where(ObjectVersion.stix_id == obj["id"]).order_by(ObjectVersion.version)
        )
    ]
    assert [s for s, _ in states] == [State.PUBLISHED, State.QUARANTINED, State.PUBLISHED]
    revoked = states[-1][1]
    assert revoked["revoked"] is True and revoked["name"] == obj["name"]  # not the waiting edit's text
    reader = make_user(session, make_org(session, tier="registered"))
    last = _versions(session, reader, collection, obj["id"], LAST)
    assert orjson.loads(last[0].body)["revoked"] is True
    # A "revocation" that changes the content is moderated like any post.
    other = indicator(Tlp.CLEAR)
    post(session, small, collection, [other])
    changed = {**other, "name": "new words", "revoked": True, "modified": "2027-01-01T00:00:00.000Z"}
    post(session, small, collection, [changed])
    newest = session.scalars(
        select(ObjectVersion)
        .where(ObjectVersion.stix_id == other["id"])
        .order_by(ObjectVersion.version.desc())
    ).first()
    assert newest.state == State.QUARANTINED
