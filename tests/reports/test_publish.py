"""Turning a report into intelligence, within the reporter's consent."""

from __future__ import annotations

import orjson
import pytest

from hub.errors import InvalidInput, PermissionDenied
from hub.policy.tlp import Tlp
from hub.reports.publish import Choice, pattern_for, publish_traces, trace_rows
from hub.stix.query import ObjectFilter, list_versions
from tests.factories import make_collection
from tests.reports.conftest import SECRET_TEXT, file_report


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


PHONE_CONTACT = "signal: +961 70 123 456"
TRACES = "+96170123456\nhttps://login-secure-bank.example/verify\nsomething happened yesterday\n"


def _report(session, sealer, world, share=Tlp.GREEN, traces=TRACES):
    report, _ = file_report(session, sealer, world, share=share, traces=traces, contact=PHONE_CONTACT)
    collection = make_collection(
        session, read=["tier:vetted"], write=[f"org:{world.helpline.name}"], default_tlp=Tlp.CLEAR
    )
    session.commit()
    return report, collection, world.p(session, world.responder)


def test_each_trace_is_a_row_and_the_reporters_own_number_is_flagged_and_unticked(session, sealer, world):
    report, _collection, p = _report(session, sealer, world)
    phone, url, words = trace_rows(session, p, sealer, report)
    assert phone.kind == "phone" and phone.victim and not phone.ticked
    assert url.kind == "url" and not url.victim and url.ticked and url.correlation is not None
    assert url.name == "Phishing: URL https://login-secure-bank.example/verify"
    assert not words.publishable and not words.ticked


def test_published_objects_carry_nothing_of_the_reporter(session, sealer, world):
    report, collection, p = _report(session, sealer, world)
    choice = Choice(collection.id, Tlp.GREEN, {1: "Fake bank login page"}, "fake bank campaign")
    submission = publish_traces(session, p, sealer, report, choice)
    session.commit()
    assert submission.success_count == 3  # indicator, incident, relationship
    bodies = [v.body for v in list_versions(session, p, collection.id, ObjectFilter(), limit=50).items]
    text = "\n".join(bodies)
    # A bare "961" may occur in a random id: look for the number as the reporter wrote it.
    assert SECRET_TEXT not in text and "+961" not in text and "70123456" not in text
    indicator = next(orjson.loads(b) for b in bodies if '"indicator"' in b)
    assert indicator["name"] == "Fake bank login page" and indicator["labels"] == ["fake bank campaign"]
    assert indicator["created_by_ref"] == world.helpline.identity_id
    assert indicator["object_marking_refs"] == [Tlp.GREEN.marking_id]
    assert report.published_count == 3


@pytest.mark.parametrize("wider", [Tlp.CLEAR])
def test_the_reporters_ceiling_caps_every_choice(session, sealer, world, wider):
    report, collection, p = _report(session, sealer, world, share=Tlp.GREEN)
    with pytest.raises(PermissionDenied, match="TLP:GREEN"):
        publish_traces(session, p, sealer, report, Choice(collection.id, wider, {1: ""}))
    stricter = publish_traces(session, p, sealer, report, Choice(collection.id, Tlp.AMBER, {1: ""}))
    assert stricter.success_count == 3


def test_no_sharing_consent_means_no_rows_and_no_publication(session, sealer, world):
    report, collection, p = _report(session, sealer, world, share=None)
    with pytest.raises(PermissionDenied):
        trace_rows(session, p, sealer, report)
    with pytest.raises(PermissionDenied):
        publish_traces(session, p, sealer, report, Choice(collection.id, Tlp.RED, {1: ""}))


def test_publishing_needs_a_trace_that_makes_an_indicator(session, sealer, world):
    report, collection, p = _report(session, sealer, world)
    with pytest.raises(InvalidInput, match="tick at least one"):
        publish_traces(session, p, sealer, report, Choice(collection.id, Tlp.GREEN, {2: "words"}))
