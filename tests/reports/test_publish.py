"""Turning a report into intelligence, within the reporter's consent."""

from __future__ import annotations

import orjson
import pytest

from hub.errors import InvalidInput, PermissionDenied
from hub.policy.tlp import Tlp
from hub.reports.publish import draft_bundle, pattern_for, publish
from hub.stix.query import ObjectFilter, list_versions
from tests.factories import make_collection
from tests.reports.conftest import SECRET_CONTACT, SECRET_TEXT, file_report


@pytest.mark.parametrize(
    ("trace", "pattern"),
    [
        ("hxxps://evil[.]example/login", "[url:value = 'https://evil.example/login']"),
        ("Evil.Example", "[domain-name:value = 'evil.example']"),
        ("spy@evil.example", "[email-addr:value = 'spy@evil.example']"),
        ("@fake_ngo", "[user-account:account_login = 'fake_ngo']"),
        ("a" * 64, f"[file:hashes.'SHA-256' = '{'a' * 64}']"),
    ],
)
def test_traces_become_indicator_patterns(trace, pattern):
    found = pattern_for(trace)
    assert found is not None and found[2] == pattern


def test_draft_has_indicators_an_incident_and_a_note_by_the_responders_org_without_reporter_text(
    session, sealer, world
):
    report, _ = file_report(session, sealer, world)
    bundle = draft_bundle(session, world.p(session, world.responder), sealer, report, [0, 1])
    types = [obj["type"] for obj in bundle["objects"]]
    assert types.count("indicator") == 2 and "incident" in types and "note" in types
    assert {obj["created_by_ref"] for obj in bundle["objects"]} == {world.helpline.identity_id}
    assert {tuple(obj["object_marking_refs"]) for obj in bundle["objects"]} == {(Tlp.GREEN.marking_id,)}
    text = orjson.dumps(bundle).decode()
    assert SECRET_TEXT not in text and SECRET_CONTACT not in text


def _publishable(session, world, sealer, share):
    report, _ = file_report(session, sealer, world, share=share)
    collection = make_collection(
        session, read=["tier:vetted"], write=[f"org:{world.helpline.name}"], default_tlp=Tlp.CLEAR
    )
    session.commit()
    p = world.p(session, world.responder)
    bundle = orjson.dumps(draft_bundle(session, p, sealer, report, [0])).decode()
    return report, collection, p, bundle


def test_report_consented_at_green_cannot_be_published_at_clear(session, sealer, world):
    report, collection, p, bundle = _publishable(session, world, sealer, Tlp.GREEN)
    with pytest.raises(PermissionDenied, match="TLP:GREEN"):
        publish(session, p, report, collection.id, Tlp.CLEAR, bundle)


def test_editing_the_bundle_cannot_widen_the_tlp(session, sealer, world):
    report, collection, p, bundle = _publishable(session, world, sealer, Tlp.GREEN)
    widened = bundle.replace(Tlp.GREEN.marking_id, Tlp.CLEAR.marking_id)
    submission = publish(session, p, report, collection.id, Tlp.GREEN, widened)
    session.commit()
    assert submission.failure_count == 0
    stored = list_versions(session, p, collection.id, ObjectFilter(), limit=50).items
    assert stored and {Tlp(v.tlp) for v in stored} == {Tlp.GREEN}
    assert report.published_count == submission.success_count


def test_publishing_stricter_than_the_consent_is_allowed_and_attributed_to_the_responders_org(
    session, sealer, world
):
    report, collection, p, bundle = _publishable(session, world, sealer, Tlp.GREEN)
    edited = bundle.replace(world.helpline.identity_id, "identity--00000000-0000-4000-8000-000000000000")
    publish(session, p, report, collection.id, Tlp.AMBER, edited)
    session.commit()
    stored = list_versions(session, p, collection.id, ObjectFilter(), limit=50).items
    assert {Tlp(v.tlp) for v in stored} == {Tlp.AMBER}
    assert all(orjson.loads(v.body)["created_by_ref"] == world.helpline.identity_id for v in stored)


def test_no_sharing_consent_means_no_draft_and_no_publication(session, sealer, world):
    report, _ = file_report(session, sealer, world, share=None)
    p = world.p(session, world.responder)
    with pytest.raises(PermissionDenied):
        draft_bundle(session, p, sealer, report, [0])
    with pytest.raises(PermissionDenied):
        publish(session, p, report, "any", Tlp.RED, "{}")


def test_publish_refuses_what_is_not_a_bundle(session, sealer, world):
    report, collection, p, _ = _publishable(session, world, sealer, Tlp.AMBER)
    for text in ("not json", "{}", '{"objects": []}'):
        with pytest.raises(InvalidInput):
            publish(session, p, report, collection.id, Tlp.AMBER, text)


def test_draft_needs_a_trace_that_makes_an_indicator(session, sealer, world):
    report, _ = file_report(session, sealer, world, traces="they followed me\n")
    with pytest.raises(InvalidInput):
        draft_bundle(session, world.p(session, world.responder), sealer, report, [0])
