"""Write rules (issue #2) via `hub.stix.ingest.add_objects`: who may post what, TLP, versions, date_added."""

from __future__ import annotations

import itertools
import threading
import time

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.extensions import db
from hub.orgs import service as orgs
from hub.orgs.models import OrgStatus
from hub.policy.tlp import TLP1_MARKING_IDS, TLP2_MARKING_IDS, Tlp, marking_definition
from hub.sharing import service as sharing
from hub.stix.ingest import add_objects
from hub.stix.models import ObjectVersion, State
from hub.stix.query import ObjectFilter, list_versions
from tests.factories import indicator, make_collection, make_org, post, principal

HUB_IDENTITY = "identity--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
_serial = itertools.count(1)


def make_user(session, org, role: str = "member"):
    """A user without a password: argon2 costs up to a second on a busy machine; ingest never needs it."""
    address = f"writer{next(_serial)}@{org.name.lower().replace(' ', '-')}.example"
    return orgs.add_user(session, None, address, org, role, None)


def results(submission) -> dict[str, list[dict[str, str]]]:
    return orjson.loads(submission.results)


def rows(session, collection) -> list[ObjectVersion]:
    return list(
        session.scalars(
            select(ObjectVersion)
            .where(ObjectVersion.collection_id == collection.id)
            .order_by(ObjectVersion.date_added)
        )
    )


def body(row: ObjectVersion) -> dict:
    return orjson.loads(row.body)


@pytest.mark.parametrize("rules", [["public"], ["tier:vetted", "public"], ["PUBLIC"]])
def test_public_is_never_a_write_rule(session, rules):
    with pytest.raises(InvalidInput, match="read rule"):
        sharing.add_collection(session, None, "Open door", read=["public"], write=rules)


def test_registered_organisation_posts_clear_and_green_into_quarantine(session):
    author = make_user(session, make_org(session, tier="registered"))
    collection = make_collection(session, read=["tier:registered"], write=["tier:registered"])
    submission = post(session, author, collection, [indicator(Tlp.CLEAR), indicator(Tlp.GREEN)])

    assert (submission.success_count, submission.failure_count) == (2, 0)
    assert {row.state for row in rows(session, collection)} == {State.QUARANTINED}
    assert all("quarantined" in entry["message"] for entry in results(submission)["successes"])


@pytest.mark.parametrize("level", [Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED])
def test_registered_organisation_may_not_post_amber_or_red(session, level):
    author = make_user(session, make_org(session, tier="registered"))
    reader = make_user(session, make_org(session))
    collection = make_collection(
        session, read=["tier:registered", f"user:{reader.email}"], write=["tier:registered"]
    )
    submission = post(session, author, collection, [indicator(level)])

    assert (submission.success_count, submission.failure_count) == (0, 1)
    assert "TLP:CLEAR and TLP:GREEN" in results(submission)["failures"][0]["message"]
    assert rows(session, collection) == []


def test_vetted_organisation_posts_are_published(session):
    author = make_user(session, make_org(session, tier="vetted"))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    post(session, author, collection, [indicator(Tlp.AMBER_STRICT)])
    (row,) = rows(session, collection)
    assert row.state == State.PUBLISHED
    assert (row.producer_org_id, row.author_id) == (author.org_id, author.id)


def test_red_is_refused_where_no_user_rule_names_a_reader(session):
    author = make_user(session, make_org(session, tier="trusted"))
    collection = make_collection(
        session, read=["tier:vetted", f"org:{author.org.name}"], write=["tier:vetted"]
    )
    submission = post(session, author, collection, [indicator(Tlp.RED), indicator(Tlp.AMBER)])

    (failure,) = results(submission)["failures"]
    assert "TLP:RED" in failure["message"] and "'user:' read rule" in failure["message"]
    assert [row.tlp for row in rows(session, collection)] == [Tlp.AMBER]


def test_red_is_accepted_where_a_user_rule_names_a_reader(session):
    author = make_user(session, make_org(session, tier="trusted"))
    reader = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted", f"user:{reader.email}"], write=["tier:vetted"])
    submission = post(session, author, collection, [indicator(Tlp.RED)])
    assert submission.success_count == 1
    assert [row.tlp for row in rows(session, collection)] == [Tlp.RED]


def test_a_user_write_rule_does_not_make_red_acceptable(session):
    author = make_user(session, make_org(session, tier="trusted"))
    collection = make_collection(session, read=["tier:vetted"], write=[f"user:{author.email}"])
    submission = post(session, author, collection, [indicator(Tlp.RED)])
    assert submission.failure_count == 1


def test_suspended_organisation_may_not_post(session):
    author = make_user(session, make_org(session, tier="trusted"))
    collection = make_collection(session, read=["public"], write=["tier:registered"])
    orgs.set_status(session, None, author.org, OrgStatus.SUSPENDED, "test")
    session.commit()
    with pytest.raises(PermissionDenied):
        add_objects(session, principal(session, author), collection.id, [indicator(Tlp.CLEAR)])


def test_reader_without_write_rule_is_refused_and_stranger_is_told_nothing_exists(session):
    reader = make_user(session, make_org(session))
    stranger = make_user(session, make_org(session))
    collection = make_collection(session, read=[f"org:{reader.org.name}"], write=["tier:trusted"])
    with pytest.raises(PermissionDenied):
        add_objects(session, principal(session, reader), collection.id, [indicator(Tlp.CLEAR)])
    with pytest.raises(NotFound):
        add_objects(session, principal(session, stranger), collection.id, [indicator(Tlp.CLEAR)])


def test_only_the_producer_organisation_adds_versions(session):
    first = make_user(session, make_org(session))
    colleague = make_user(session, first.org)
    other = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    original = indicator(Tlp.GREEN)
    post(session, first, collection, [original])

    hijack = post(session, other, collection, [{**original, "modified": "2026-02-01T00:00:00.000Z"}])
    update = post(session, colleague, collection, [{**original, "modified": "2026-03-01T00:00:00.000Z"}])

    assert "only the organisation that first posted" in results(hijack)["failures"][0]["message"]
    assert update.success_count == 1
    assert [body(row)["modified"] for row in rows(session, collection)] == [
        "2026-01-01T00:00:00.000Z",
        "2026-03-01T00:00:00.000Z",
    ]


def test_identical_repost_succeeds_and_stores_nothing_twice(session):
    author = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    obj = indicator(Tlp.GREEN)
    post(session, author, collection, [obj])
    again = post(session, author, collection, [obj, obj])

    assert (again.success_count, again.failure_count) == (2, 0)
    assert len(rows(session, collection)) == 1


def test_different_object_with_same_id_and_version_is_a_failure(session):
    author = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    obj = indicator(Tlp.GREEN)
    post(session, author, collection, [obj])
    clash = post(session, author, collection, [{**obj, "name": "Something else"}])

    assert (clash.success_count, clash.failure_count) == (0, 1)
    assert "different object with this id and version" in results(clash)["failures"][0]["message"]
    assert body(rows(session, collection)[0])["name"] == obj["name"]


@pytest.mark.parametrize("default", list(Tlp)[:4])
def test_unmarked_object_gets_the_collection_default_as_a_tlp2_marking(session, default):
    author = make_user(session, make_org(session))
    reader = make_user(session, make_org(session))
    collection = make_collection(
        session, read=["tier:vetted", f"user:{reader.email}"], write=["tier:vetted"], default_tlp=default
    )
    post(session, author, collection, [indicator(None)])
    (row,) = rows(session, collection)
    assert row.tlp == default
    assert body(row)["object_marking_refs"] == [TLP2_MARKING_IDS[default]]


def test_collection_default_is_amber_unless_configured(session):
    author = make_user(session, make_org(session))
    collection = sharing.add_collection(
        session, None, "Defaults", read=["tier:vetted"], write=["tier:vetted"]
    )
    post(
        session,
        author,
        collection,
        [indicator(None, object_marking_refs=["marking-definition--34098fce-0000-48ae-8e50-ebd3cc5e41da"])],
    )  # a non-TLP marking is kept
    (row,) = rows(session, collection)
    assert row.tlp == Tlp.AMBER
    assert body(row)["object_marking_refs"][-1] == TLP2_MARKING_IDS[Tlp.AMBER]
    assert len(body(row)["object_marking_refs"]) == 2


def test_ingest_option_tlp_overrides_the_collection_default(session):
    author = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], default_tlp=Tlp.AMBER)
    post(session, author, collection, [indicator(None)], tlp=Tlp.GREEN)
    (row,) = rows(session, collection)
    assert (row.tlp, body(row)["object_marking_refs"]) == (Tlp.GREEN, [TLP2_MARKING_IDS[Tlp.GREEN]])


@pytest.mark.parametrize(
    ("markings", "expected"),
    [
        ([TLP2_MARKING_IDS[Tlp.GREEN], TLP2_MARKING_IDS[Tlp.AMBER]], Tlp.AMBER),
        ([TLP2_MARKING_IDS[Tlp.AMBER_STRICT], TLP2_MARKING_IDS[Tlp.CLEAR]], Tlp.AMBER_STRICT),
        ([TLP1_MARKING_IDS[Tlp.GREEN], TLP2_MARKING_IDS[Tlp.AMBER]], Tlp.AMBER),
        ([TLP1_MARKING_IDS[Tlp.RED], TLP2_MARKING_IDS[Tlp.GREEN]], Tlp.RED),
    ],
)
def test_several_tlp_markings_the_most_restrictive_wins(session, markings, expected):
    author = make_user(session, make_org(session, tier="trusted"))
    reader = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted", f"user:{reader.email}"], write=["tier:vetted"])
    post(session, author, collection, [indicator(None, object_marking_refs=markings)])
    (row,) = rows(session, collection)
    assert row.tlp == expected
    assert body(row)["object_marking_refs"] == markings  # the producer's markings are served unchanged


@pytest.mark.parametrize(
    ("level", "expected"),
    [(Tlp.CLEAR, Tlp.CLEAR), (Tlp.GREEN, Tlp.GREEN), (Tlp.AMBER, Tlp.AMBER), (Tlp.RED, Tlp.RED)],
)
def test_tlp1_marking_ids_are_recognised(session, level, expected):
    author = make_user(session, make_org(session, tier="trusted"))
    reader = make_user(session, make_org(session))
    collection = make_collection(
        session,
        read=["tier:vetted", f"user:{reader.email}"],
        write=["tier:vetted"],
        default_tlp=Tlp.AMBER_STRICT,
    )
    post(session, author, collection, [indicator(None, object_marking_refs=[TLP1_MARKING_IDS[level]])])
    (row,) = rows(session, collection)
    assert row.tlp == expected


def test_tlp_marking_definitions_are_clear_and_readable_by_anyone(session):
    author = make_user(session, make_org(session))
    collection = make_collection(session, read=["public"], write=["tier:vetted"], default_tlp=Tlp.RED)
    post(session, author, collection, [marking_definition(Tlp.RED)])
    page = list_versions(session, principal(session, None), collection.id, ObjectFilter(), limit=10)
    assert [(row.stix_id, row.tlp) for row in page.items] == [(TLP2_MARKING_IDS[Tlp.RED], Tlp.CLEAR)]


def test_sharing_without_attribution_shows_the_hub_identity_but_keeps_the_producer(session):
    author = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    post(
        session,
        author,
        collection,
        [indicator(Tlp.GREEN, created_by_ref=author.org.identity_id)],
        anonymous=True,
        hub_identity_id=HUB_IDENTITY,
    )
    (row,) = rows(session, collection)
    assert body(row)["created_by_ref"] == HUB_IDENTITY
    assert author.org.identity_id not in row.body
    assert (row.is_anonymous, row.producer_org_id, row.author_id) == (True, author.org_id, author.id)


def test_date_added_is_unique_and_strictly_increasing_within_a_collection(session):
    author = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    for _ in range(5):
        post(session, author, collection, [indicator(Tlp.GREEN) for _ in range(7)])
    added = [row.date_added for row in rows(session, collection)]
    assert len(added) == 35
    assert all(a < b for a, b in zip(added, added[1:], strict=False))
    assert session.scalar(select(func.max(ObjectVersion.date_added))) == collection.last_date_added


def test_concurrent_writers_and_a_poller_by_added_after_skip_and_repeat_nothing(app, session):
    """Two writers post into one collection at once (own connections) while a third connection polls by
    `added_after`, as TAXII clients do with X-TAXII-Date-Added-Last: every object is seen exactly once."""
    writers = [make_user(session, make_org(session)) for _ in range(2)]
    reader = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    principals = [principal(session, user) for user in (*writers, reader)]
    session.commit()
    cid, rounds, per_post, engine = collection.id, 15, 4, db.engine
    posted: list[list[str]] = [[], []]
    errors: list[BaseException] = []
    done = threading.Event()

    def write(n: int) -> None:
        try:
            with Session(engine) as own:
                for _ in range(rounds):
                    objects = [indicator(Tlp.GREEN) for _ in range(per_post)]
                    add_objects(own, principals[n], cid, objects)
                    own.commit()
                    posted[n] += [obj["id"] for obj in objects]
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def poll(seen: list[str]) -> None:
        try:
            with Session(engine) as own:
                after = 0
                while True:
                    finished = done.is_set()
                    f = ObjectFilter(added_after=after, versions=("all",))
                    page = list_versions(own, principals[2], cid, f, limit=5)
                    own.rollback()  # a fresh snapshot for the next poll
                    seen += [row.stix_id for row in page.items]
                    if page.items:
                        after = page.items[-1].date_added
                    elif finished:
                        return
                    else:
                        time.sleep(0.001)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    seen: list[str] = []
    threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
    poller = threading.Thread(target=poll, args=(seen,))
    poller.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done.set()
    poller.join(60)

    assert not errors, errors
    assert len(seen) == len(set(seen)) == 2 * rounds * per_post
    assert set(seen) == set(posted[0]) | set(posted[1])
    session.rollback()  # end the snapshot taken before the writers ran
    assert seen == [row.stix_id for row in rows(session, collection)]


def test_a_granular_tlp_marking_binds_the_whole_object(session):
    """The hub serves whole objects, so a TLP:RED marking on one property makes the object RED."""
    author = make_user(session, make_org(session, tier="trusted"))
    reader = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted", f"user:{reader.email}"], write=["tier:vetted"])
    red_pattern = [{"marking_ref": TLP2_MARKING_IDS[Tlp.RED], "selectors": ["pattern"]}]
    post(session, author, collection, [indicator(Tlp.GREEN, granular_markings=red_pattern)])
    (row,) = rows(session, collection)
    assert row.tlp == Tlp.RED


def test_sharing_without_attribution_never_serves_the_producer_identity(session):
    """Even a caller that gives no hub identity gets the producer's `created_by_ref` removed, not kept."""
    author = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    signed = indicator(Tlp.GREEN, created_by_ref=author.org.identity_id)
    post(session, author, collection, [signed], anonymous=True)
    (row,) = rows(session, collection)
    assert "created_by_ref" not in body(row)
    assert row.is_anonymous and row.producer_org_id == author.org_id
