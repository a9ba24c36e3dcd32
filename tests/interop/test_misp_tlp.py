"""Issue 11, items 1 and 2: nothing derived from a MISP event is stored below the TLP its event, its attribute
or its MISP `distribution` gives it; what cannot be placed in the collection is refused, object by object."""

from __future__ import annotations

import copy
import json

from sqlalchemy import select

from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from tests.factories import make_collection
from tests.interop.test_misp import EVENT


def _event(**changes) -> dict:
    event = copy.deepcopy(EVENT)
    event["Event"].update(changes)
    return event


def _import(hub, member, tmp_path, event, collection=None):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    target = collection or member.collection
    return hub("import", path, "--as", member.email, "--collection", target.id)


def _stored(session, collection_id) -> dict[str, Tlp]:
    session.expire_all()
    rows = session.scalars(select(ObjectVersion).where(ObjectVersion.collection_id == collection_id))
    return {row.stix_id: Tlp(row.tlp) for row in rows if row.type != "marking-definition"}


def _public(session):
    collection = make_collection(
        session, read=["public"], write=["org:Importing NGO"], default_tlp=Tlp.CLEAR, title="public"
    )
    session.commit()
    return collection


def test_a_red_event_stores_nothing_at_the_collection_default(hub, session, member, tmp_path):
    public = _public(session)
    result = _import(hub, member, tmp_path, _event(Tag=[{"name": "tlp:red"}]), public)
    assert _stored(session, public.id) == {}, "a value of a TLP:RED event was stored in a public collection"
    assert "failed domain-name--" in result.output
    assert "TLP:RED objects need named readers" in result.output


def test_an_attribute_tagged_red_keeps_its_observables_red(hub, session, member, tmp_path):
    event = _event(Tag=[{"name": "tlp:clear"}])
    event["Event"]["Attribute"][0]["Tag"] = [{"name": "tlp:red"}]
    public = _public(session)
    _import(hub, member, tmp_path, event, public)
    stored = _stored(session, public.id)
    assert not [stix_id for stix_id in stored if stix_id.endswith("2a03")], stored
    assert stored, "the CLEAR attributes of the event should still be stored"


def test_an_attribute_cannot_lower_its_event_tlp(hub, session, member, tmp_path):
    event = _event(Tag=[{"name": "tlp:amber"}])
    event["Event"]["Attribute"][0]["Tag"] = [{"name": "tlp:clear"}]
    _import(hub, member, tmp_path, event)
    stored = _stored(session, member.collection.id)
    assert stored and min(stored.values()) == Tlp.AMBER, stored


def test_every_derived_object_carries_the_level_and_its_marking(hub, session, member, tmp_path):
    event = _event(Tag=[{"name": "tlp:amber+strict"}])
    _import(hub, member, tmp_path, event)
    session.expire_all()
    rows = list(
        session.scalars(select(ObjectVersion).where(ObjectVersion.collection_id == member.collection.id))
    )
    derived = [row for row in rows if row.type != "marking-definition"]
    assert {row.type for row in derived} >= {"domain-name", "url", "indicator", "relationship", "grouping"}
    for row in derived:
        assert row.tlp == Tlp.AMBER_STRICT, row.stix_id
        assert json.loads(row.body)["object_marking_refs"] == [Tlp.AMBER_STRICT.marking_id]


def test_distribution_your_organisation_only_is_amber_strict(hub, session, member, tmp_path):
    public = make_collection(
        session, read=["public", "tier:vetted"], write=["org:Importing NGO"], default_tlp=Tlp.CLEAR
    )
    session.commit()
    _import(hub, member, tmp_path, _event(Tag=[], distribution="0"), public)
    stored = _stored(session, public.id)
    assert stored and set(stored.values()) == {Tlp.AMBER_STRICT}, stored


def test_distribution_community_and_sharing_group_are_amber_at_least(hub, session, member, tmp_path):
    for distribution in ("1", 4):
        collection = make_collection(
            session, read=["public", "tier:vetted"], write=["org:Importing NGO"], default_tlp=Tlp.CLEAR
        )
        session.commit()
        _import(
            hub, member, tmp_path, _event(Tag=[], distribution=distribution, sharing_group_id="7"), collection
        )
        stored = _stored(session, collection.id)
        assert stored and set(stored.values()) == {Tlp.AMBER}, (distribution, stored)


def test_attribute_distribution_counts_too(hub, session, member, tmp_path):
    event = _event(Tag=[{"name": "tlp:clear"}], distribution="3")
    event["Event"]["Attribute"][0]["distribution"] = "0"
    public = make_collection(
        session, read=["public", "tier:vetted"], write=["org:Importing NGO"], default_tlp=Tlp.CLEAR
    )
    session.commit()
    _import(hub, member, tmp_path, event, public)
    stored = _stored(session, public.id)
    own = {stix_id: level for stix_id, level in stored.items() if stix_id.endswith("2a03")}
    assert own and set(own.values()) == {Tlp.AMBER_STRICT}, stored
    assert stored["indicator--5e0f3c5a-1b7c-4c1e-9a62-8c1f0d1e2a05"] == Tlp.CLEAR
