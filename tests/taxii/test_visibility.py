"""No TAXII endpoint shows an object, id, version, count, header or `more` the visibility rule hides.

Each endpoint's answer is compared with `hub.stix.query` under the same principal, over a collection
holding every TLP level, a version raised to RED, a quarantined post and a withdrawn object.
"""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select

from hub.policy.tlp import Tlp
from hub.stix import moderation
from hub.stix.models import ObjectVersion
from hub.stix.query import ALL, ObjectFilter, list_versions
from hub.stix.validation import format_timestamp
from tests.factories import indicator, make_collection, post, principal
from tests.taxii.conftest import ROOT, get, member

KINDS = ["anonymous", "registered", "vetted", "named", "coordinator", "colleague", "producer"]


@pytest.fixture
def world(session):
    people = {
        "producer": member(session),
        "registered": member(session, tier="registered"),
        "vetted": member(session),
        "named": member(session),
        "coordinator": member(session, tier="trusted", role="coordinator"),
    }
    people["colleague"] = member(session, org=people["producer"].user.org)
    people["anonymous"] = None
    shared = make_collection(
        session,
        read=["tier:registered", f"user:{people['named'].user.email}"],
        write=["tier:registered"],
        default_tlp=Tlp.GREEN,
    )
    public = make_collection(session, read=["public"], write=["tier:vetted"], default_tlp=Tlp.CLEAR)
    session.commit()
    producer = people["producer"].user
    raised = indicator(Tlp.GREEN)
    post(
        session,
        producer,
        shared,
        [indicator(level) for level in Tlp]
        + [
            raised,
            {**indicator(Tlp.RED, stix_id=raised["id"]), "modified": "2026-02-01T00:00:00.000Z"},
            indicator(None),
            withdrawn := indicator(Tlp.CLEAR),
        ],
    )
    post(session, people["registered"].user, shared, [indicator(Tlp.CLEAR)])  # quarantined
    post(session, producer, public, [indicator(Tlp.CLEAR), indicator(Tlp.GREEN), indicator(Tlp.AMBER)])
    coordinator = principal(session, people["coordinator"].user)
    version_id = session.scalar(select(ObjectVersion.id).where(ObjectVersion.stix_id == withdrawn["id"]))
    moderation.withdraw(session, coordinator, version_id, "posted in error")
    session.commit()
    all_ids = set(session.scalars(select(ObjectVersion.stix_id)))
    return people, (shared, public), all_ids


def expected(session, who, collection_id, versions):
    p = principal(session, who.user if who else None)
    page = list_versions(session, p, collection_id, ObjectFilter(versions=versions), limit=10_000)
    return [(row.stix_id, own_version(row), format_timestamp(row.date_added)) for row in page.items]


def own_version(row):
    """The version as the object writes it (TAXII echoes the object's own `modified` text)."""
    body = orjson.loads(row.body)
    return body.get("modified", body.get("created")) or format_timestamp(row.version)


def taxii(client, who, path):
    response = get(client, f"{ROOT}/{path}", who)
    return response, response.get_json(force=True)


def served(client, who, path, query=""):
    """Every item of every page of a paged endpoint, fetched one item per page."""
    items, params = [], f"?limit=1{query}"
    for _ in range(100):
        response, body = taxii(client, who, path + params)
        assert response.status_code == 200
        if not body:
            assert not items, "`more` promised a page that had nothing visible on it"
            return items
        entry = (body.get("objects") or body.get("versions"))[0]
        items.append((entry, response.headers["X-TAXII-Date-Added-First"]))
        assert body["more"] is bool(body.get("next"))
        if not body["more"]:
            return items
        params = f"?limit=1{query}&next={body['next']}"
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("kind", KINDS)
def test_every_endpoint_shows_exactly_what_the_rule_allows(client, session, world, kind):
    people, collections, all_ids = world
    who = people[kind]
    p = principal(session, who.user if who else None)
    listed = taxii(client, who, "collections/")[1].get("collections", [])
    assert {c["id"] for c in listed} == set(p.readable | p.writable)
    for collection in collections:
        base = f"collections/{collection.id}"
        if collection.id not in p.readable:
            assert taxii(client, who, f"{base}/objects/")[0].status_code == (401 if who is None else 404)
            continue
        last = expected(session, who, collection.id, ("last",))
        every = expected(session, who, collection.id, (ALL,))
        response, body = taxii(client, who, f"{base}/objects/")
        got = [(o["id"], o.get("modified", o.get("created"))) for o in body.get("objects", [])]
        assert got == [(i, v) for i, v, _ in last]
        if last:
            assert response.headers["X-TAXII-Date-Added-First"] == last[0][2]
            assert response.headers["X-TAXII-Date-Added-Last"] == last[-1][2]
        else:
            assert "X-TAXII-Date-Added-Last" not in response.headers
        manifest = served(client, who, f"{base}/manifest/", "&match[version]=all")
        assert [(e["id"], e["version"], e["date_added"]) for e, _ in manifest] == every
        assert len(served(client, who, f"{base}/objects/")) == len(last)
        for stix_id in sorted(all_ids):
            versions = [(v, added) for i, v, added in every if i == stix_id]
            response, body = taxii(client, who, f"{base}/objects/{stix_id}/versions/")
            if not versions:
                assert response.status_code == 404
                assert taxii(client, who, f"{base}/objects/{stix_id}/")[0].status_code == 404
                continue
            assert body["versions"] == [v for v, _ in versions]
            assert response.headers["X-TAXII-Date-Added-Last"] == versions[-1][1]
            _, one = taxii(client, who, f"{base}/objects/{stix_id}/?match[version]=all")
            assert len(one["objects"]) == len(versions)


def test_the_world_has_something_to_hide(session, world):
    """Guards the property above against a world where every principal sees everything."""
    people, (shared, _), _ = world
    kinds = ("registered", "vetted", "named", "coordinator")
    seen = {frozenset(expected(session, people[kind], shared.id, (ALL,))) for kind in kinds}
    assert len(seen) == len(kinds)
