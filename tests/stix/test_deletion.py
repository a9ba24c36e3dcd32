"""Deleting objects: the producer organisation only, and TLP:RED only by those who may know it exists."""

from __future__ import annotations

import pytest

from hub.errors import NotFound, PermissionDenied
from hub.policy.tlp import Tlp
from hub.stix.deletion import delete_object
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


@pytest.fixture
def red_case(session):
    org = make_org(session, tier="trusted")
    author, colleague = make_user(session, org), make_user(session, org)
    collection = make_collection(
        session, read=[f"org:{org.name}", f"user:{author.email}"], write=[f"org:{org.name}"]
    )
    red = indicator(Tlp.RED)
    post(session, author, collection, [red])
    return author, colleague, collection, red["id"]


def test_a_colleague_of_the_author_cannot_delete_or_detect_a_red_object(session, red_case):
    _, colleague, collection, stix_id = red_case
    with pytest.raises(NotFound):
        delete_object(session, principal(session, colleague), collection.id, stix_id)


def test_the_author_deletes_its_red_object(session, red_case):
    author, _, collection, stix_id = red_case
    assert delete_object(session, principal(session, author), collection.id, stix_id) == 1


def test_another_organisation_that_sees_an_object_may_not_delete_it(session):
    producer = make_user(session, make_org(session))
    reader = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    obj = indicator(Tlp.GREEN)
    post(session, producer, collection, [obj])
    with pytest.raises(PermissionDenied):
        delete_object(session, principal(session, reader), collection.id, obj["id"])
