"""Lookup context: each match says what its indicator indicates, its confidence and dates, revoked, TLP and
sightings, and names only threats (and counts only sightings) the caller may see."""

from __future__ import annotations

import uuid
from typing import Any

from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post


def _sdo(kind: str, name: str, tlp: Tlp) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "object_marking_refs": [tlp.marking_id],
    }
    if kind == "malware":
        obj["is_family"] = True
    return obj


def _link(source: dict[str, Any], kind: str, target: dict[str, Any], tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "relationship_type": kind,
        "source_ref": source["id"],
        "target_ref": target["id"],
        "object_marking_refs": [tlp.marking_id],
    }


def test_a_match_names_only_the_threats_and_counts_only_the_sightings_the_caller_may_see(session, api_as):
    producer = make_user(session, make_org(session, tier="trusted"))
    vetted = make_user(session, make_org(session, tier="vetted"))
    registered = make_user(session, make_org(session, tier="registered"))
    channel = make_collection(  # RED is stored only where a `user:` rule names its readers
        session, read=["tier:registered", f"user:{producer.email}"], write=["tier:vetted"]
    )
    found = indicator(
        Tlp.CLEAR, value="pegasus-c2.example", confidence=85, valid_until="2027-01-01T00:00:00Z"
    )
    pegasus = _sdo("malware", "Pegasus", Tlp.GREEN)
    actor = _sdo("intrusion-set", "Hidden actor", Tlp.RED)
    campaign = _sdo("campaign", "Visible campaign, hidden link", Tlp.CLEAR)
    tool = _sdo("tool", "Not a threat type", Tlp.CLEAR)
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": found["id"],
        "object_marking_refs": [Tlp.AMBER.marking_id],
    }
    submission = post(
        session,
        producer,
        channel,
        [
            found,
            pegasus,
            actor,
            campaign,
            tool,
            _link(found, "indicates", pegasus, Tlp.GREEN),
            _link(found, "indicates", actor, Tlp.RED),  # hidden link and target
            _link(found, "indicates", campaign, Tlp.RED),  # hidden link, visible target
            _link(found, "indicates", tool, Tlp.CLEAR),  # not what an indicator "indicates" as a threat
            _link(found, "related-to", _sdo("malware", "x", Tlp.CLEAR), Tlp.CLEAR),
            sighting,
        ],
    )
    assert submission.failure_count == 0, submission.results

    [match] = api_as(vetted).matches("pegasus-c2[.]example")
    assert match["indicates"] == [{"type": "malware", "name": "Pegasus", "id": pegasus["id"]}]
    assert (match["confidence"], match["tlp"], match["revoked"]) == (85, "TLP:CLEAR", False)
    assert (match["valid_from"], match["valid_until"]) == ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    assert match["sightings"] == 1

    [seen_by_registered] = api_as(registered).matches("pegasus-c2.example")  # GREEN and AMBER are hidden
    assert seen_by_registered["indicates"] == [] and seen_by_registered["sightings"] == 0

    producer_view = api_as(producer).matches("pegasus-c2.example")[0]  # the author sees its own RED objects
    assert [t["name"] for t in producer_view["indicates"]] == [
        "Visible campaign, hidden link",
        "Hidden actor",
        "Pegasus",
    ]


def test_a_revoked_indicator_without_confidence_says_so(session, api_as):
    producer = make_user(session, make_org(session, tier="trusted"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:vetted"])
    first = indicator(Tlp.GREEN, value="withdrawn.example")
    post(session, producer, channel, [first])
    post(session, producer, channel, [{**first, "modified": "2026-02-01T00:00:00.000Z", "revoked": True}])
    [match] = api_as(producer).matches("withdrawn.example")
    assert match["revoked"] is True and match["confidence"] is None and match["indicates"] == []
