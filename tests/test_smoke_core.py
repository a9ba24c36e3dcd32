"""The core path end to end through services: organisations, a collection, ingest and a visible read."""

from __future__ import annotations

from hub.policy.tlp import Tlp
from hub.stix.query import ObjectFilter, list_versions
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


def test_vetted_member_reads_what_another_vetted_org_posted(session):
    producer = make_user(session, make_org(session, tier="vetted"))
    reader = make_user(session, make_org(session, tier="vetted"))
    outsider = make_user(session, make_org(session, tier="registered"))
    collection = make_collection(session, read=["tier:registered"], write=["tier:vetted"])
    submission = post(session, producer, collection, [indicator(Tlp.AMBER)])
    assert (submission.success_count, submission.failure_count) == (1, 0)

    seen = list_versions(session, principal(session, reader), collection.id, ObjectFilter(), limit=10)
    hidden = list_versions(session, principal(session, outsider), collection.id, ObjectFilter(), limit=10)
    assert len(seen.items) == 1
    assert hidden.items == []
