"""The links' `source_added`, kept by ingest: the newest `date_added` of the link's source in the link's
channel, by which the search reads a threat's links (newest source first)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from hub.policy.tlp import Tlp
from hub.search import service as search_service
from hub.search.models import ObjectLink
from hub.search.service import SearchQuery, search
from hub.stix import moderation
from hub.stix.models import ObjectVersion
from tests.factories import indicator, make_collection, make_org, make_user, post, principal
from tests.search.test_service import _malware, _relationship


def _source_added(session, channel, relationship_id: str) -> int:
    return session.scalar(
        select(ObjectLink.source_added)
        .join(ObjectVersion, ObjectVersion.id == ObjectLink.version_id)
        .where(ObjectVersion.collection_id == channel.id, ObjectVersion.stix_id == relationship_id)
    )


def _newest(session, channel, stix_id: str) -> int:
    return session.scalar(
        select(func.max(ObjectVersion.date_added)).where(
            ObjectVersion.collection_id == channel.id, ObjectVersion.stix_id == stix_id
        )
    )


def test_a_link_carries_its_sources_newest_date_added_in_its_channel(session):
    user = make_user(session, make_org(session, "Rights Watch", tier="vetted"))
    here, there = (make_collection(session, read=["tier:vetted"], write=["tier:vetted"]) for _ in range(2))
    pegasus = _malware("Pegasus")
    source = indicator(Tlp.CLEAR, value="c2.example", name="C2")
    early = _relationship(source["id"], "indicates", pegasus["id"])
    post(session, user, here, [pegasus, early])  # the link before its source
    assert _source_added(session, here, early["id"]) == 0

    post(session, user, there, [source])  # the source, in another channel only
    assert _source_added(session, here, early["id"]) == 0

    post(session, user, here, [source])
    assert _source_added(session, here, early["id"]) == _newest(session, here, source["id"]) > 0

    late = _relationship(source["id"], "indicates", pegasus["id"])
    post(session, user, here, [late])  # a link after its source
    assert _source_added(session, here, late["id"]) == _newest(session, here, source["id"])

    newer = {**source, "modified": "2026-02-01T00:00:00.000Z"}
    post(session, user, here, [newer])  # a newer version of the source raises both links
    newest = _newest(session, here, source["id"])
    assert _source_added(session, here, early["id"]) == _source_added(session, here, late["id"]) == newest
    assert newest > _newest(session, there, source["id"])


def test_the_newest_related_sources_when_some_links_overstate_their_sources_date(session, monkeypatch):
    # a link's `source_added` is an upper bound (a deletion may leave it higher than any remaining version):
    # links read in its order must not be taken as sources read in date order
    user = make_user(session, make_org(session, "Rights Watch", tier="vetted"))
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    pegasus = _malware("Pegasus")
    post(session, user, channel, [pegasus])
    sources = [indicator(Tlp.CLEAR, value=f"c2-{i}.example", name=f"C2 {i}") for i in range(20)]
    for source in sources:  # one at a time: each newer than the one before
        post(
            session,
            user,
            channel,
            [source, _relationship(source["id"], "indicates", pegasus["id"], Tlp.GREEN)],
        )
    oldest = [source["id"] for source in sources[:2]]
    session.execute(update(ObjectLink).where(ObjectLink.source_ref.in_(oldest)).values(source_added=2**62))
    session.commit()
    monkeypatch.setattr(search_service, "COUNT_CAP", 2)
    results = search(session, principal(session, user), SearchQuery("pegasus"))
    assert (results.total, results.capped) == (2, True)
    assert {v.stix_id for v in results.items} == {sources[-1]["id"], sources[-2]["id"]}


def test_an_approved_source_raises_its_links_so_the_newest_related_sources_still_win(session, monkeypatch):
    # approval re-stamps the source's `date_added` (hub.stix.moderation): its links' `source_added` must
    # follow, or the search takes the approved source for an old one and leaves it out of the newest
    coordinator = make_user(
        session, make_org(session, "Coordination", "trusted", "coordinator"), "coordinator"
    )
    newcomer = make_user(session, make_org(session, "Newcomer", "registered"))
    vetted = make_user(session, make_org(session, "Rights Watch", tier="vetted"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"])
    pegasus = _malware("Pegasus")
    post(session, vetted, channel, [pegasus])
    held = indicator(Tlp.GREEN, value="c2-held.example", name="C2 held")
    post(session, newcomer, channel, [held])  # quarantined
    post(session, vetted, channel, [_relationship(held["id"], "indicates", pegasus["id"], Tlp.GREEN)])
    sources = [indicator(Tlp.GREEN, value=f"c2-{i}.example", name=f"C2 {i}") for i in range(3)]
    for source in sources:
        post(
            session,
            vetted,
            channel,
            [source, _relationship(source["id"], "indicates", pegasus["id"], Tlp.GREEN)],
        )
    version = session.scalar(select(ObjectVersion).where(ObjectVersion.stix_id == held["id"]))
    moderation.approve(session, principal(session, coordinator), version.id)
    session.commit()
    assert _source_added(session, channel, _link_of(session, held["id"])) >= _newest(
        session, channel, held["id"]
    )

    monkeypatch.setattr(search_service, "COUNT_CAP", 2)
    results = search(session, principal(session, vetted), SearchQuery("pegasus"))
    assert (results.total, results.capped) == (2, True)
    assert {v.stix_id for v in results.items} == {held["id"], sources[-1]["id"]}, (
        "the approved source is missed"
    )


def _link_of(session, source_id: str) -> str:
    return session.scalar(
        select(ObjectVersion.stix_id)
        .join(ObjectLink, ObjectLink.version_id == ObjectVersion.id)
        .where(ObjectLink.source_ref == source_id)
    )
