"""Search through the service: values, free text, related names, filters, totals, and nothing hidden."""

from __future__ import annotations

import uuid

import pytest

from hub.policy.tlp import Tlp
from hub.search import service as search_service
from hub.search.service import PAGE_SIZE, SearchQuery, search
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


def _malware(name: str, tlp: Tlp = Tlp.CLEAR) -> dict:
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "is_family": True,
        "object_marking_refs": [tlp.marking_id],
    }


def _relationship(source: str, kind: str, target: str, tlp: Tlp = Tlp.CLEAR) -> dict:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
        "object_marking_refs": [tlp.marking_id],
    }


@pytest.fixture
def world(session):
    watch = make_user(session, make_org(session, "Rights Watch", tier="vetted"))
    newcomer = make_user(session, make_org(session, "New Voices", tier="registered"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Community")
    pegasus = _malware("Pegasus")
    indicators = [indicator(Tlp.CLEAR, value=f"pegasus-c2-{i}.example", name=f"C2 {i}") for i in range(3)]
    links = [_relationship(i["id"], "indicates", pegasus["id"]) for i in indicators]
    secret = indicator(Tlp.AMBER, value="amber-pegasus.example", name="Amber C2")
    # CLEAR, but its link to Pegasus is AMBER
    quiet = indicator(Tlp.CLEAR, value="quiet.example", name="Quiet")
    post(
        session,
        watch,
        channel,
        [
            pegasus,
            *indicators,
            *links,
            secret,
            _relationship(secret["id"], "indicates", pegasus["id"], Tlp.AMBER),
            quiet,
            _relationship(quiet["id"], "indicates", pegasus["id"], Tlp.AMBER),
        ],
    )
    return {"watch": watch, "newcomer": newcomer, "channel": channel, "pegasus": pegasus}


def test_free_text_finds_the_object_and_what_indicates_it(session, world):
    results = search(session, principal(session, world["watch"]), SearchQuery("pegasus"))
    assert results.by_type == {"indicator": 5, "malware": 1}
    assert results.total == 6
    assert {row.type for row in results.items} == {"indicator", "malware"}


def test_what_the_reader_may_not_see_is_neither_found_nor_counted(session, world):
    results = search(session, principal(session, world["newcomer"]), SearchQuery("pegasus"))
    # the AMBER indicator is hidden, and so is the AMBER link that makes "Quiet" indicate Pegasus
    assert results.by_type == {"indicator": 3, "malware": 1}
    assert results.total == 4


def test_a_value_goes_through_the_observable_index(session, world):
    results = search(
        session, principal(session, world["watch"]), SearchQuery("hxxps://PEGASUS-C2-1[.]example/x")
    )
    assert [row.type for row in results.items] == ["indicator"] and results.read_as_value


def test_filters_narrow_and_totals_follow(session, world):
    p = principal(session, world["watch"])
    assert search(session, p, SearchQuery("pegasus", types=("malware",))).total == 1
    assert search(session, p, SearchQuery("pegasus", tlps=(int(Tlp.AMBER),))).total == 1
    assert search(session, p, SearchQuery("pegasus", producer="rights watch")).total == 6
    assert search(session, p, SearchQuery("pegasus", producer="Nobody")).total == 0
    assert search(session, p, SearchQuery("pegasus", sighted=True)).total == 0
    assert search(session, p, SearchQuery("pegasus", collection_id=world["channel"].id)).total == 6
    assert search(session, p, SearchQuery("pe")).total == 0  # too short for text, and no value


def test_pages_carry_the_total(session, world):
    many = [
        indicator(Tlp.CLEAR, value=f"bulk{i}.example", name=f"Bulk phishing {i}")
        for i in range(PAGE_SIZE + 3)
    ]
    post(session, world["watch"], world["channel"], many)
    p = principal(session, world["watch"])
    first = search(session, p, SearchQuery("bulk phishing"))
    second = search(session, p, SearchQuery("bulk phishing", page=2))
    assert (first.total, first.pages, len(first.items), len(second.items)) == (PAGE_SIZE + 3, 2, PAGE_SIZE, 3)
    assert {r.id for r in first.items}.isdisjoint({r.id for r in second.items})


@pytest.mark.parametrize("limit", [search_service.MAX_CANDIDATES, 0])
def test_above_the_cap_the_newest_are_listed_and_the_total_says_more(session, world, monkeypatch, limit):
    # with a limit of 0 candidates, the channel is read newest first instead of collecting ids
    monkeypatch.setattr(search_service, "MAX_CANDIDATES", limit)
    monkeypatch.setattr(search_service, "COUNT_CAP", 2)
    p = principal(session, world["watch"])
    everything = search(session, p, SearchQuery("pegasus", types=("indicator",)))
    newest = sorted(everything.items, key=lambda v: v.date_added, reverse=True)
    assert (everything.total, everything.capped) == (2, True)
    assert len(everything.items) == 2 and everything.by_type == {"indicator": 2}
    monkeypatch.setattr(search_service, "COUNT_CAP", 6)
    exact = search(session, p, SearchQuery("pegasus"))
    assert (exact.total, exact.capped, exact.by_type) == (6, False, {"indicator": 5, "malware": 1})
    listed = sorted(exact.items, key=lambda v: v.date_added, reverse=True)
    assert [v.id for v in newest] == [v.id for v in listed if v.type == "indicator"][:2]


@pytest.mark.parametrize("newest_match", [True, False])
def test_a_common_word_read_within_the_newest_versions_gives_the_newest(
    session, world, monkeypatch, newest_match
):
    # the word is in 8 names; the newest 6 versions hold them (the window answers) or are about something
    # else (it does not: the channel is read further); the newest 2 matches are listed either way
    named = [indicator(Tlp.CLEAR, value=f"spy{i}.example", name=f"Spyware lure {i}") for i in range(8)]
    other = [indicator(Tlp.CLEAR, value=f"other{i}.example", name=f"Other {i}") for i in range(6)]
    for batch in [other, named] if newest_match else [named, other]:
        post(session, world["watch"], world["channel"], batch)
    p = principal(session, world["watch"])
    every = search(session, p, SearchQuery("spyware lure"))
    assert (every.total, every.capped) == (8, False)
    want = sorted(every.items, key=lambda v: (v.date_added, v.id), reverse=True)[:2]
    answered: list[bool] = []
    newest_matches = search_service._newest_matches

    def spy(*args, **kwargs):
        rows = newest_matches(*args, **kwargs)
        if kwargs.get("window") is not None:
            answered.append(rows is not None)
        return rows

    monkeypatch.setattr(search_service, "_newest_matches", spy)
    monkeypatch.setattr(search_service, "COUNT_CAP", 2)
    monkeypatch.setattr(search_service, "WINDOW", 2)
    newest = search(session, p, SearchQuery("spyware lure"))
    assert (newest.total, newest.capped) == (2, True)
    assert {v.id for v in newest.items} == {v.id for v in want}
    assert answered == [newest_match]
