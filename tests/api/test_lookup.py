"""`/api/v1/lookup`: typed values are normalised; only visible indicators (latest visible version) answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from hub.stix.moderation import approve
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


@pytest.fixture
def producer(session):
    return make_user(session, make_org(session, tier="trusted"))


@pytest.fixture
def reader(session):
    return make_user(session, make_org(session, tier="vetted"))


@pytest.fixture
def collection(session):
    return make_collection(session, read=["tier:registered"], write=["tier:vetted"])


TYPED = [  # (pattern, what a user types, the kind and normalised value it must be read as)
    ("[domain-name:value = 'example.com']", "Example.COM.", "domain", "example.com"),
    (
        "[url:value = 'https://evil.example/path']",
        "hxxps://evil[.]example/path",
        "url",
        "https://evil.example/path",
    ),
    ("[x-phone-number:value = '+447911123456']", "+44 7911 123456", "phone", "+447911123456"),
    ("[user-account:account_login = 'Handle']", "@handle", "account", "handle"),
    ("[ipv4-addr:value = '203.0.114.7']", " 203.0.114.7 ", "ipv4", "203.0.114.7"),
    ("[email-addr:value = 'Boss@Evil.Example']", "boss[@]evil[.]example", "email", "boss@evil.example"),
    ("[file:hashes.'SHA-256' = '" + "AB" * 32 + "']", "ab" * 32, "sha256", "ab" * 32),
]


def test_typed_variants_find_exactly_their_indicator(session, api_as, producer, reader, collection):
    targets = [indicator(Tlp.AMBER, pattern=p, valid_until="2027-01-01T00:00:00Z") for p, *_ in TYPED]
    post(session, producer, collection, [*targets, indicator(Tlp.AMBER, value="unrelated.example")])
    api = api_as(reader)

    for target, (_, typed, kind, value) in zip(targets, TYPED, strict=True):
        response = api.get(typed)
        assert response.status_code == 200, typed
        body = response.json
        assert body["value"] == typed
        assert {"kind": kind, "value": value} in body["candidates"], typed
        assert [m["id"] for m in body["matches"]] == [target["id"]], typed
        [match] = body["matches"]
        assert match["collection_id"] == collection.id
        assert match["tlp"] == "TLP:AMBER"
        assert (match["valid_from"], match["valid_until"]) == ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
        assert match["sightings"] == 0
        assert [(m["kind"], m["value"]) for m in match["matched"]] == [(kind, value)], typed


def test_url_typed_without_scheme_also_finds_its_domain(session, api_as, producer, reader, collection):
    by_url = indicator(Tlp.GREEN, pattern="[url:value = 'http://evil.example/login']")
    by_domain = indicator(Tlp.GREEN, value="evil.example")
    post(session, producer, collection, [by_url, by_domain])
    assert {m["id"] for m in api_as(reader).matches("evil.example/login")} == {by_url["id"], by_domain["id"]}


def test_invisible_indicators_are_not_found_nor_counted(session, api_as, producer, collection):
    outsider = make_user(session, make_org(session, tier="registered"))
    post(session, producer, collection, [indicator(Tlp.AMBER, value="amber.example")])

    response = api_as(outsider).get("amber.example")

    assert response.status_code == 200
    assert response.json == {
        "value": "amber.example",
        "candidates": [{"kind": "domain", "value": "amber.example"}],
        "matches": [],
    }


def test_red_is_found_only_by_named_readers(session, api_as, producer, reader):
    other = make_user(session, make_org(session, tier="trusted"))
    red = make_collection(session, read=["tier:vetted", f"user:{reader.email}"], write=["tier:vetted"])
    post(session, producer, red, [indicator(Tlp.RED, value="red.example")])

    assert len(api_as(reader).matches("red.example")) == 1
    assert api_as(other).matches("red.example") == []


def test_quarantined_indicators_are_found_only_by_their_producer(session, api_as, reader):
    newcomer = make_user(session, make_org(session, tier="registered"))
    open_collection = make_collection(session, read=["tier:registered"], write=["tier:registered"])
    submission = post(session, newcomer, open_collection, [indicator(Tlp.GREEN, value="new.example")])
    assert "quarantined" in submission.results

    assert len(api_as(newcomer).matches("new.example")) == 1
    assert api_as(reader).matches("new.example") == []


def test_only_the_latest_visible_version_answers(session, api_as, producer, reader, collection):
    first = indicator(Tlp.GREEN, value="old.example", modified="2026-01-01T00:00:00.000Z")
    second = {
        **first,
        "modified": "2026-02-01T00:00:00.000Z",
        "pattern": "[domain-name:value = 'new.example']",
    }
    post(session, producer, collection, [first, second])
    api = api_as(reader)

    assert api.matches("old.example") == []
    [match] = api.matches("new.example")
    assert match["version"] == "2026-02-01T00:00:00.000000Z"


def test_a_newer_version_waiting_for_moderation_does_not_hide_the_visible_one(session, api_as):
    newcomer = make_user(session, make_org(session, tier="registered"))
    open_collection = make_collection(session, read=["tier:registered"], write=["tier:registered"])
    first = indicator(Tlp.CLEAR, value="kept.example", modified="2026-01-01T00:00:00.000Z")
    second = {**first, "modified": "2026-02-01T00:00:00.000Z", "name": "waiting"}
    post(session, newcomer, open_collection, [first])
    coordinator = make_user(session, make_org(session, tier="trusted"), role="coordinator")
    row = session.scalars(select(ObjectVersion).where(ObjectVersion.stix_id == first["id"])).one()
    approve(session, principal(session, coordinator), row.id)
    session.commit()
    post(session, newcomer, open_collection, [second])  # quarantined
    reader = make_user(session, make_org(session, tier="registered"))
    [match] = api_as(reader).matches("kept.example")
    assert (match["version"], match["tlp"]) == ("2026-01-01T00:00:00.000000Z", "TLP:CLEAR")


def test_a_tightened_newer_version_hides_the_older_one_too(session, api_as, producer, collection):
    """Issue 12: a reader who loses access through a tighter version sees neither version (before, the older
    CLEAR version still answered the lookup)."""
    registered = make_user(session, make_org(session, tier="registered"))
    first = indicator(Tlp.CLEAR, value="kept.example", modified="2026-01-01T00:00:00.000Z")
    second = {
        **indicator(Tlp.AMBER, value="kept.example"),
        "id": first["id"],
        "modified": "2026-02-01T00:00:00.000Z",
    }
    post(session, producer, collection, [first, second])
    assert api_as(registered).matches("kept.example") == []


def test_sightings_are_counted_under_the_visibility_rule(session, api_as, producer, reader, collection):
    target = indicator(Tlp.GREEN, value="seen.example")
    hidden = make_collection(session, read=["tier:trusted"], write=["tier:trusted"])

    def sighting(n: int) -> dict:
        return {
            "type": "sighting",
            "spec_version": "2.1",
            "id": f"sighting--6b0b5e44-5ae4-4d3a-9e0e-1fd3b2a8d9c{n}",
            "created": "2026-01-03T00:00:00.000Z",
            "modified": "2026-01-03T00:00:00.000Z",
            "sighting_of_ref": target["id"],
            "object_marking_refs": [Tlp.GREEN.marking_id],
        }

    post(session, producer, collection, [target, sighting(1), sighting(2)])
    post(session, producer, hidden, [sighting(3)])

    [match] = api_as(reader).matches("seen.example")
    assert match["sightings"] == 2
    [match] = api_as(producer).matches("seen.example")
    assert match["sightings"] == 3


def test_a_sighting_counts_for_what_its_latest_visible_version_sights(
    session, api_as, producer, reader, collection
):
    first, second = indicator(Tlp.GREEN, value="first.example"), indicator(Tlp.GREEN, value="second.example")
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--6b0b5e44-5ae4-4d3a-9e0e-1fd3b2a8d9c4",
        "created": "2026-01-03T00:00:00.000Z",
        "modified": "2026-01-03T00:00:00.000Z",
        "sighting_of_ref": first["id"],
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    post(session, producer, collection, [first, second, sighting])
    assert api_as(reader).matches("first.example")[0]["sightings"] == 1
    corrected = {**sighting, "modified": "2026-01-04T00:00:00.000Z", "sighting_of_ref": second["id"]}
    post(session, producer, collection, [corrected])

    assert api_as(reader).matches("first.example")[0]["sightings"] == 0
    assert api_as(reader).matches("second.example")[0]["sightings"] == 1


def test_warning_flags_stay_visible_to_readers(session, api_as, producer, reader, collection):
    post(
        session,
        producer,
        collection,
        [
            indicator(Tlp.GREEN, value="google.com"),
            indicator(Tlp.GREEN, pattern="[ipv4-addr:value = '10.0.0.1']"),
        ],
    )
    api = api_as(reader)
    assert api.matches("google.com")[0]["matched"] == [
        {"kind": "domain", "value": "google.com", "warnings": ["popular-domain"]}
    ]
    assert api.matches("10.0.0.1")[0]["matched"][0]["warnings"] == ["private-ip"]


def test_batch_of_1000_values_answers_in_order(session, api_as, producer, reader, collection):
    post(
        session,
        producer,
        collection,
        [indicator(Tlp.GREEN, value=f"batch{i}.example") for i in range(0, 1000, 100)],
    )
    values = [f"BATCH{i}.example." for i in range(1000)]

    response = api_as(reader).post(values)

    assert response.status_code == 200
    results = response.json["results"]
    assert [r["value"] for r in results] == values
    assert [i for i, r in enumerate(results) if r["matches"]] == list(range(0, 1000, 100))


def test_garbage_reads_as_nothing(session, api_as, reader):
    response = api_as(reader).post(["", "   ", "\x00\x01"])
    assert response.status_code == 200
    assert [r["candidates"] for r in response.json["results"]] == [[], [], []]
