"""A relationship or sighting never names, to its readers, an object more restrictive than itself (issue 10,
finding 9).

An SRO is at least as restrictive as the most restrictive object it references that the hub holds (any
version, any collection) or that comes in the same envelope; a TLP:RED referenced object must be held in the
SRO's own collection (RED readers are named per collection). Otherwise the SRO alone is refused, with reason.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from hub.policy.tlp import Tlp
from hub.stix.query import ALL, ObjectFilter, list_versions
from tests.factories import indicator, make_collection, make_org, make_user, post, principal

T = "2026-01-01T00:00:00.000Z"


def relationship(source: str, target: str, tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": T,
        "modified": T,
        "relationship_type": "indicates",
        "source_ref": source,
        "target_ref": target,
        "object_marking_refs": [tlp.marking_id],
    }


def sighting(of: str, tlp: Tlp, **refs: list[str]) -> dict[str, Any]:
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": T,
        "modified": T,
        "sighting_of_ref": of,
        "object_marking_refs": [tlp.marking_id],
        **refs,
    }


def identity(tlp: Tlp) -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": f"identity--{uuid.uuid4()}",
        "created": T,
        "modified": T,
        "name": "A phone seen infected",
        "object_marking_refs": [tlp.marking_id],
    }


@pytest.fixture
def world(session):
    producer_org = make_org(session)
    producer = make_user(session, producer_org)
    named = make_user(session, make_org(session))
    reader = make_user(session, make_org(session))
    shared = make_collection(
        session, read=["tier:vetted", f"user:{named.email}"], write=["tier:vetted"], default_tlp=Tlp.GREEN
    )
    other = make_collection(
        session, read=["tier:vetted", f"user:{reader.email}"], write=["tier:vetted"], default_tlp=Tlp.GREEN
    )
    session.commit()
    return producer, named, reader, shared, other


def failure_messages(submission) -> dict[str, str]:
    return {f["id"]: f["message"] for f in orjson.loads(submission.results)["failures"]}


def visible_bodies(session, user, collection) -> str:
    page = list_versions(
        session, principal(session, user), collection.id, ObjectFilter(versions=(ALL,)), 10_000
    )
    return "".join(row.body for row in page.items)


@pytest.mark.parametrize("level", [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT])
def test_a_relationship_less_restrictive_than_a_stored_red_object_is_refused(session, world, level):
    producer, _, reader, shared, _ = world
    red, clear = indicator(Tlp.RED), indicator(Tlp.CLEAR)
    post(session, producer, shared, [red, clear])
    sro = relationship(clear["id"], red["id"], level)
    submission = post(session, producer, shared, [sro])
    message = failure_messages(submission)[sro["id"]]
    assert red["id"] in message and "at least as restrictive" in message
    assert red["id"] not in visible_bodies(session, reader, shared)


def test_an_sro_as_restrictive_as_what_it_references_is_stored(session, world):
    producer, named, _, shared, _ = world
    red, amber = indicator(Tlp.RED), indicator(Tlp.AMBER)
    post(session, producer, shared, [red, amber])
    sros = [relationship(amber["id"], red["id"], Tlp.RED), sighting(amber["id"], Tlp.AMBER)]
    submission = post(session, producer, shared, sros)
    assert (submission.success_count, submission.failure_count) == (2, 0), submission.results
    assert sros[0]["id"] in visible_bodies(session, named, shared)


@pytest.mark.parametrize("field", ["sighting_of_ref", "observed_data_refs", "where_sighted_refs"])
def test_every_reference_of_a_sighting_counts(session, world, field):
    producer, _, _, shared, _ = world
    clear = indicator(Tlp.CLEAR)
    amber_identity = identity(Tlp.AMBER)
    observed = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": f"observed-data--{uuid.uuid4()}",
        "created": T,
        "modified": T,
        "first_observed": T,
        "last_observed": T,
        "number_observed": 1,
        "object_refs": [f"domain-name--{uuid.uuid4()}"],
        "object_marking_refs": [Tlp.AMBER.marking_id],
    }
    amber_indicator = indicator(Tlp.AMBER)
    post(session, producer, shared, [clear, amber_identity, observed, amber_indicator])
    refs = {
        "sighting_of_ref": {},
        "observed_data_refs": {"observed_data_refs": [observed["id"]]},
        "where_sighted_refs": {"where_sighted_refs": [amber_identity["id"]]},
    }[field]
    of = amber_indicator["id"] if field == "sighting_of_ref" else clear["id"]
    sro = sighting(of, Tlp.GREEN, **refs)
    assert sro["id"] in failure_messages(post(session, producer, shared, [sro]))


def test_objects_in_the_same_envelope_count_whatever_their_order(session, world):
    producer, _, reader, shared, _ = world
    red, clear = indicator(Tlp.RED), indicator(Tlp.CLEAR)
    sro = relationship(clear["id"], red["id"], Tlp.CLEAR)
    submission = post(session, producer, shared, [sro, clear, red])
    assert set(failure_messages(submission)) == {sro["id"]}
    assert submission.success_count == 2
    assert red["id"] not in visible_bodies(session, reader, shared)


def test_the_most_restrictive_version_anywhere_in_the_hub_counts(session, world):
    producer, _, _, shared, other = world
    raised = indicator(Tlp.GREEN)
    post(
        session,
        producer,
        other,
        [
            raised,
            {**raised, "modified": "2026-02-01T00:00:00.000Z", "object_marking_refs": [Tlp.AMBER.marking_id]},
        ],
    )
    clear = indicator(Tlp.CLEAR)
    post(session, producer, shared, [clear])
    sro = relationship(clear["id"], raised["id"], Tlp.GREEN)
    assert sro["id"] in failure_messages(post(session, producer, shared, [sro]))
    ok = relationship(clear["id"], raised["id"], Tlp.AMBER)
    assert post(session, producer, shared, [ok]).failure_count == 0


def test_a_red_object_held_only_in_another_collection_cannot_be_named_here(session, world):
    """RED readers are named per collection: a RED relationship here would tell this collection's named
    readers about an object only another collection's named readers may see."""
    producer, _, _, shared, other = world
    red = indicator(Tlp.RED)
    post(session, producer, other, [red])
    clear = indicator(Tlp.CLEAR)
    post(session, producer, shared, [clear])
    sro = relationship(clear["id"], red["id"], Tlp.RED)
    message = failure_messages(post(session, producer, shared, [sro]))[sro["id"]]
    assert "another collection" in message


def test_references_the_hub_does_not_hold_do_not_constrain(session, world):
    producer, _, _, shared, _ = world
    clear = indicator(Tlp.CLEAR)
    post(session, producer, shared, [clear])
    sro = relationship(clear["id"], f"malware--{uuid.uuid4()}", Tlp.CLEAR)
    assert post(session, producer, shared, [sro]).failure_count == 0


def test_after_a_tightened_version_feedback_below_it_is_refused_and_the_refusal_names_no_level(
    session, world
):
    """Once an object is raised to RED, its older GREEN version is read at RED too (`writing.access_levels`):
    GREEN readers no longer know it, so a GREEN sighting would name it to them and is refused (before the
    tightening hid older versions, such feedback was accepted). The refusal does not tell the poster which
    level is held."""
    producer, _, _, shared, _ = world
    raised = indicator(Tlp.GREEN)
    red_version = {
        **raised,
        "modified": "2026-02-01T00:00:00.000Z",
        "object_marking_refs": [Tlp.RED.marking_id],
    }
    post(session, producer, shared, [raised, red_version])
    for level in (Tlp.GREEN, Tlp.CLEAR):
        below = sighting(raised["id"], level)
        message = failure_messages(post(session, producer, shared, [below]))[below["id"]]
        assert "TLP:RED" not in message  # it names the sighting's own level only
    assert post(session, producer, shared, [sighting(raised["id"], Tlp.RED)]).failure_count == 0


def test_a_version_in_the_envelope_never_lowers_what_the_hub_holds(session, world):
    """Another organisation cannot lower the bar by sending a CLEAR 'version' of someone else's RED object
    beside its relationship: that version fails, and so must the relationship."""
    producer, _, reader, shared, _ = world
    red = indicator(Tlp.RED)
    post(session, producer, shared, [red])
    intruder = make_user(session, make_org(session))
    session.commit()
    lowered = {**red, "modified": "2026-03-01T00:00:00.000Z", "object_marking_refs": [Tlp.CLEAR.marking_id]}
    clear = indicator(Tlp.CLEAR)
    sro = relationship(clear["id"], red["id"], Tlp.CLEAR)
    failed = failure_messages(post(session, intruder, shared, [lowered, clear, sro]))
    assert set(failed) == {red["id"], sro["id"]}
    assert red["id"] not in visible_bodies(session, reader, shared)
