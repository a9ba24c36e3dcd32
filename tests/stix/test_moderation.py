"""Moderation: the queue under the visibility rule, approve (re-stamping date_added), reject and withdraw."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.policy.tlp import Tlp
from hub.stix import moderation
from hub.stix.models import ObjectVersion, State
from hub.stix.query import ObjectFilter, count_versions, list_versions
from tests.admin.builders import user as make_user
from tests.factories import indicator, make_collection, make_org, post, principal


@pytest.fixture
def world(session):
    coordination = make_org(session, "Coordination", "trusted", "coordinator")
    coordinator = make_user(session, coordination, "coordinator")
    newcomer = make_user(session, make_org(session, "Newcomer", "registered"))
    vetted = make_user(session, make_org(session, "Vetted Producer", "vetted"))
    reader = make_user(session, make_org(session, "Vetted Reader", "vetted"))
    collection = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], default_tlp=Tlp.GREEN
    )
    session.commit()
    return {
        "coordinator": coordinator,
        "newcomer": newcomer,
        "vetted": vetted,
        "reader": reader,
        "collection": collection,
    }


def _versions(session, stix_id):
    return list(session.scalars(select(ObjectVersion).where(ObjectVersion.stix_id == stix_id)))


def _queue_ids(session, user):
    return [v.stix_id for v in moderation.list_queue(session, principal(session, user)).items]


def test_what_a_registered_org_posts_waits_in_the_queue(session, world):
    obj = indicator(Tlp.GREEN)
    post(session, world["newcomer"], world["collection"], [obj])
    assert _queue_ids(session, world["coordinator"]) == [obj["id"]]
    assert moderation.count_queue(session, principal(session, world["coordinator"])) == 1
    reader = principal(session, world["reader"])
    assert count_versions(session, reader, world["collection"].id, ObjectFilter()) == 0


def test_only_coordinators_moderate(session, world):
    post(session, world["newcomer"], world["collection"], [indicator(Tlp.GREEN)])
    version = _versions(session, _queue_ids(session, world["coordinator"])[0])[0]
    for user in (world["reader"], world["newcomer"]):
        p = principal(session, user)
        with pytest.raises(PermissionDenied):
            moderation.list_queue(session, p)
        with pytest.raises(PermissionDenied):
            moderation.approve(session, p, version.id)
        with pytest.raises(PermissionDenied):
            moderation.withdraw(session, p, version.id, "abuse")


def test_approval_restamps_date_added_so_an_added_after_poll_sees_it(session, world):
    waiting = indicator(Tlp.GREEN)
    post(session, world["newcomer"], world["collection"], [waiting])
    post(session, world["vetted"], world["collection"], [indicator(Tlp.GREEN)])
    reader = principal(session, world["reader"])
    first_poll = list_versions(session, reader, world["collection"].id, ObjectFilter(), limit=100)
    assert len(first_poll.items) == 1
    high_water = first_poll.items[-1].date_added

    version = _versions(session, waiting["id"])[0]
    moderation.approve(session, principal(session, world["coordinator"]), version.id)
    session.commit()

    second_poll = list_versions(
        session, reader, world["collection"].id, ObjectFilter(added_after=high_water), limit=100
    )
    assert [v.stix_id for v in second_poll.items] == [waiting["id"]]
    assert second_poll.items[0].date_added > high_water
    assert world["collection"].last_date_added == second_poll.items[0].date_added
    assert _queue_ids(session, world["coordinator"]) == []


def test_approving_something_not_quarantined_is_refused(session, world):
    obj = indicator(Tlp.GREEN)
    post(session, world["vetted"], world["collection"], [obj])
    with pytest.raises(Conflict):
        version_id = _versions(session, obj["id"])[0].id
        moderation.approve(session, principal(session, world["coordinator"]), version_id)


def _quarantined_red(session, world, collection):
    """A TLP:RED quarantined row (ingest refuses RED from registered orgs; this is the rule's second line)."""
    producer = world["newcomer"]
    row = ObjectVersion(
        collection_id=collection.id,
        stix_id="indicator--00000000-0000-4000-8000-000000000001",
        type="indicator",
        spec_version="2.1",
        version=1,
        date_added=1,
        tlp=int(Tlp.RED),
        state=int(State.QUARANTINED),
        producer_org_id=producer.org_id,
        author_id=producer.id,
        body="{}",
    )
    session.add(row)
    session.commit()
    return row


def test_a_coordinator_sees_a_red_object_in_the_queue_only_when_named(session, world):
    someone = make_user(session, world["reader"].org)
    collection = make_collection(
        session, read=["tier:registered", f"user:{someone.email}"], write=["tier:registered"]
    )
    row = _quarantined_red(session, world, collection)
    coordinator = principal(session, world["coordinator"])
    assert _queue_ids(session, world["coordinator"]) == []
    with pytest.raises(NotFound):
        moderation.approve(session, coordinator, row.id)
    with pytest.raises(NotFound):
        moderation.get_version(session, coordinator, row.id)

    from hub.sharing.service import set_rules

    set_rules(
        session,
        None,
        collection,
        ["tier:registered", f"user:{someone.email}", f"user:{world['coordinator'].email}"],
        ["tier:registered"],
    )
    session.commit()
    assert _queue_ids(session, world["coordinator"]) == [row.stix_id]


def test_rejection_needs_a_reason_hides_the_object_and_is_audited(session, world):
    obj = indicator(Tlp.GREEN)
    post(session, world["newcomer"], world["collection"], [obj])
    version = _versions(session, obj["id"])[0]
    coordinator = principal(session, world["coordinator"])
    with pytest.raises(InvalidInput):
        moderation.reject(session, coordinator, version.id, "  ")
    moderation.reject(session, coordinator, version.id, "spam")
    session.commit()
    assert version.state == State.WITHDRAWN
    assert _queue_ids(session, world["coordinator"]) == []
    producer = principal(session, world["newcomer"])
    assert count_versions(session, producer, world["collection"].id, ObjectFilter()) == 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "object.reject"))
    assert (event.reason, event.target_id, event.org_id) == ("spam", obj["id"], world["newcomer"].org_id)


def test_withdraw_hides_every_version_from_everyone_but_the_producer_and_coordinators(session, world):
    colleague = make_user(session, world["vetted"].org)
    first = indicator(Tlp.AMBER)
    second = {**first, "modified": "2026-02-01T00:00:00.000Z"}
    post(session, world["vetted"], world["collection"], [first, second])
    reader = principal(session, world["reader"])
    assert count_versions(session, reader, world["collection"].id, ObjectFilter(versions=("all",))) == 2
    version = _versions(session, first["id"])[0]
    coordinator = principal(session, world["coordinator"])
    with pytest.raises(InvalidInput):
        moderation.withdraw(session, coordinator, version.id, "")
    assert moderation.withdraw(session, coordinator, version.id, "names a person at risk") == 2
    session.commit()

    for user in (world["reader"], world["newcomer"]):
        p = principal(session, user)
        assert count_versions(session, p, world["collection"].id, ObjectFilter(versions=("all",))) == 0
        assert list_versions(session, p, world["collection"].id, ObjectFilter(), limit=10).items == []
    for user in (world["vetted"], colleague, world["coordinator"]):
        p = principal(session, user)
        assert count_versions(session, p, world["collection"].id, ObjectFilter(versions=("all",))) == 2
    with pytest.raises(Conflict):
        moderation.withdraw(session, coordinator, version.id, "again")
    assert (
        session.scalar(select(AuditEvent.reason).where(AuditEvent.action == "object.withdraw"))
        == "names a person at risk"
    )


def test_find_object_lists_only_visible_versions(session, world):
    obj = indicator(Tlp.GREEN)
    post(session, world["vetted"], world["collection"], [obj])
    coordinator = principal(session, world["coordinator"])
    assert [v.stix_id for v in moderation.find_object(session, coordinator, obj["id"])] == [obj["id"]]
    assert moderation.find_object(session, coordinator, "indicator--nothing") == []
