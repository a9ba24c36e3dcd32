"""Official TLP marking definitions are immutable (issue 10, finding 4).

A writer who posts an object with an official TLP marking id must post the official definition itself (any
key order, or its STIX 2.0 form); anything else with that id is a forgery, refused on its own with a clear
message. What is stored and every export carries the official text, even over a forgery stored before.
"""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from sqlalchemy import insert, select

from hub.interop.exporter import ExportScope, export_stix
from hub.policy.tlp import TLP1_MARKING_IDS, Tlp, marking_definition, official_marking_definition
from hub.stix.models import ObjectVersion
from tests.factories import indicator, make_collection, make_org, make_user, post, principal

RED = Tlp.RED.marking_id


def forged_red() -> dict[str, Any]:
    """The finding's forgery: TLP:RED's id and extension, named TLP:CLEAR, with its own `x_` property."""
    return {**marking_definition(Tlp.RED), "name": "TLP:CLEAR", "x_note": "share freely"}


@pytest.fixture
def world(session):
    org = make_org(session)
    writer, reader = make_user(session, org), make_user(session, make_org(session))
    collection = make_collection(
        session, read=["tier:vetted", f"user:{reader.email}"], write=["tier:vetted"], default_tlp=Tlp.GREEN
    )
    session.commit()
    return writer, reader, collection


def stored_bodies(session, stix_id: str) -> list[dict[str, Any]]:
    return [
        orjson.loads(b)
        for b in session.scalars(select(ObjectVersion.body).where(ObjectVersion.stix_id == stix_id))
    ]


def failures(submission) -> list[dict[str, str]]:
    return list(orjson.loads(submission.results)["failures"])


@pytest.mark.parametrize(
    "forgery",
    [
        forged_red(),
        {**marking_definition(Tlp.RED), "x_note": "extra"},
        {**marking_definition(Tlp.RED), "created": "2023-01-01T00:00:00.000Z"},
        {**marking_definition(Tlp.CLEAR), "created_by_ref": "identity--8d7d8c5f-1f11-4a4b-9c58-2f6a3bcf1c39"},
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": TLP1_MARKING_IDS[Tlp.RED],
            "created": "2017-01-20T00:00:00.000Z",
            "definition_type": "tlp",
            "name": "TLP:WHITE",
            "definition": {"tlp": "red"},
        },
    ],
    ids=["name", "x_property", "created", "created_by_ref", "tlp1_name"],
)
def test_a_forged_official_tlp_definition_is_refused_and_the_rest_stored(session, world, forgery):
    writer, _, collection = world
    good = indicator(Tlp.GREEN)
    submission = post(session, writer, collection, [forgery, good])
    (failure,) = failures(submission)
    assert failure["id"] == forgery["id"]
    assert "official TLP marking definition" in failure["message"]
    assert submission.success_count == 1
    assert stored_bodies(session, forgery["id"]) == []
    assert len(stored_bodies(session, good["id"])) == 1


def official_definitions(shared_data) -> list[dict[str, Any]]:
    return [
        obj
        for name in ("tlp1.0-marking-definitions.json", "tlp2.0-marking-definitions.json")
        for obj in orjson.loads((shared_data / "tlp" / name).read_bytes())["objects"]
    ]


def test_the_official_definitions_are_the_published_ones(shared_data):
    published = official_definitions(shared_data)
    assert len(published) == 9
    for obj in published:
        assert official_marking_definition(obj["id"]) == obj


def test_the_tlp_10_definitions_are_the_stix2_librarys():
    from stix2.v21 import TLP_AMBER, TLP_GREEN, TLP_RED, TLP_WHITE

    for marking in (TLP_WHITE, TLP_GREEN, TLP_AMBER, TLP_RED):
        assert official_marking_definition(marking.id) == orjson.loads(marking.serialize())


def test_official_definitions_are_accepted_in_any_key_order_and_stored_as_published(
    session, world, shared_data
):
    writer, _, collection = world
    published = official_definitions(shared_data)
    reordered = [dict(reversed(list(obj.items()))) for obj in published]
    first = post(session, writer, collection, reordered)
    assert (first.success_count, first.failure_count) == (9, 0), first.results
    again = post(session, writer, collection, published)
    assert (again.success_count, again.failure_count) == (9, 0), again.results
    for obj in published:
        (body,) = session.scalars(select(ObjectVersion.body).where(ObjectVersion.stix_id == obj["id"]))
        assert body == orjson.dumps(obj).decode()


def test_the_stix_20_form_of_a_tlp_10_definition_is_accepted(session, world):
    writer, _, collection = world
    green = {
        "type": "marking-definition",
        "id": TLP1_MARKING_IDS[Tlp.GREEN],
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "definition": {"tlp": "green"},
    }
    submission = post(session, writer, collection, [green])
    assert submission.failure_count == 0, submission.results
    assert stored_bodies(session, green["id"]) == [official_marking_definition(green["id"])]


def test_exports_carry_the_official_definition_over_one_stored_before_the_rule(session, world):
    """A forgery stored by an older hub (written straight to the table) never reaches an export."""
    writer, reader, collection = world
    post(session, writer, collection, [indicator(Tlp.RED)])
    session.execute(
        insert(ObjectVersion).values(
            collection_id=collection.id,
            stix_id=RED,
            type="marking-definition",
            spec_version="2.1",
            version=1_664_582_400_000_000,
            date_added=9_999_999_999_999_999,
            tlp=int(Tlp.CLEAR),
            state=0,
            producer_org_id=writer.org_id,
            author_id=writer.id,
            is_anonymous=False,
            body=orjson.dumps(forged_red()).decode(),
        )
    )
    session.commit()
    out = io.StringIO()
    export_stix(session, principal(session, reader), ExportScope(), out)
    markings = [o for o in orjson.loads(out.getvalue())["objects"] if o["id"] == RED]
    assert markings == [marking_definition(Tlp.RED)]
