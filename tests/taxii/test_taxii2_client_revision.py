"""A subscriber running the OASIS `taxii2-client` against a served hub learns of corrections and revocations
as STIX does: an edited object arrives as a new version, a revoked one as a final `revoked: true` version, and
a reader who loses access through a tightened TLP receives neither the new version nor the old one."""

from __future__ import annotations

import requests
from taxii2client.v21 import Collection

from hub.policy.tlp import Tlp
from hub.stix.revision import IndicatorEdit, revise_indicator, revoke
from tests.factories import indicator, make_user, post, principal
from tests.taxii.conftest import member
from tests.taxii.test_taxii2_client import _Bearer, _bounded_requests, connection  # noqa: F401  (fixture)


def _edit(tlp: Tlp, name: str = "Corrected name") -> IndicatorEdit:
    return IndicatorEdit(name=name, description="", valid_until=None, confidence=70, labels=(), tlp=tlp)


def test_an_edit_arrives_as_a_new_version_and_a_revocation_as_a_revoked_one(session, base_url, hub):
    obj = indicator(Tlp.GREEN)
    post(session, hub.producer.user, hub.shared, [obj])
    colleague = make_user(session, hub.producer.user.org)
    session.commit()
    url = f"{base_url}/taxii2/api/collections/{hub.shared.id}/"
    for conn in connection(hub.reader):
        subscriber = Collection(url, conn=conn)
        last_seen = subscriber.get_manifest()["objects"][-1]["date_added"]
        revise_indicator(session, principal(session, colleague), hub.shared.id, obj["id"], _edit(Tlp.GREEN))
        session.commit()
        (edited,) = subscriber.get_objects(added_after=last_seen)["objects"]
        assert (edited["id"], edited["name"], edited["confidence"]) == (obj["id"], "Corrected name", 70)
        assert edited["modified"] > obj["modified"] and "revoked" not in edited
        last_seen = subscriber.get_manifest()["objects"][-1]["date_added"]
        revoke(session, principal(session, hub.producer.user), hub.shared.id, obj["id"])
        session.commit()
        (revoked,) = subscriber.get_objects(added_after=last_seen)["objects"]
        assert revoked["revoked"] is True and revoked["modified"] > edited["modified"]
        assert subscriber.get_object(obj["id"])["objects"][0]["revoked"] is True
        assert len(subscriber.object_versions(obj["id"])["versions"]) == 3


def test_a_reader_who_loses_access_receives_neither_the_new_nor_the_old_version(session, base_url, hub):
    small = member(session, tier="registered")  # reads TLP:CLEAR only
    obj = indicator(Tlp.CLEAR)
    post(session, hub.producer.user, hub.shared, [obj])
    url = f"{base_url}/taxii2/api/collections/{hub.shared.id}/"
    for conn in connection(small):
        subscriber = Collection(url, conn=conn)
        assert [o["id"] for o in subscriber.get_objects()["objects"]] == [obj["id"]]
        revise_indicator(
            session, principal(session, hub.producer.user), hub.shared.id, obj["id"], _edit(Tlp.GREEN)
        )
        session.commit()
        assert subscriber.get_objects().get("objects", []) == []
        assert subscriber.get_manifest(version="all").get("objects", []) == []
        try:
            subscriber.object_versions(obj["id"])
        except requests.HTTPError as gone:
            assert gone.response.status_code == 404
        else:
            raise AssertionError("the versions of a hidden object were listed")
    for conn in connection(hub.reader):  # a vetted reader keeps both versions
        assert len(Collection(url, conn=conn).object_versions(obj["id"])["versions"]) == 2
