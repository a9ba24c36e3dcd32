"""A cached principal's policy version is read with the request's own statement, and every way out obeys it.

A GET on TAXII's object endpoints or the lookup API with a cached principal sends one statement: the page
(or the lookup) with the policy version as a column, read in the same snapshot as the rows
(`hub.policy.version_check`). The principal is used before its version is known, so every way out of such a
request must check it: a page with rows, an empty page, a 400 for a bad filter or `next` token, a 404 for an
unknown collection or object, a refusal. Each test fills the cache, changes the policy through another
session (another connection), and checks that the very next request answers as a fresh principal would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hub.api import service
from hub.extensions import db
from hub.orgs import service as orgs
from hub.orgs.models import Organisation, OrgStatus
from hub.orgs.tokens import revoke_token
from hub.policy.tlp import Tlp
from hub.sharing import service as sharing
from hub.sharing.models import Collection
from hub.taxii import serializers
from tests.factories import indicator, post
from tests.taxii.conftest import Hub, assert_taxii_error, get, statements_sent

FUTURE = "2999-01-01T00:00:00.000000Z"


@pytest.fixture
def amber(session: Session, hub: Hub) -> dict[str, Any]:
    """An AMBER indicator in the shared collection (readable by vetted members, not by registered ones)."""
    obj = indicator(Tlp.AMBER, value="amber.example")
    post(session, hub.producer.user, hub.shared, [obj])
    session.commit()
    return obj


def _elsewhere(change: Callable[[Session], None]) -> None:
    """Make a policy change through a session of its own (its own connection), committed. The test's own
    session ends its transaction first: on SQLite its snapshot would otherwise hide the change from the
    request, which shares that session under the test client."""
    db.session.commit()
    with Session(db.engine) as other:
        change(other)
        other.commit()


def _revoke(hub: Hub) -> Callable[[Session], None]:
    token_id = hub.reader.user.tokens[0].id
    return lambda s: revoke_token(s, None, token_id)


def _suspend(hub: Hub) -> Callable[[Session], None]:
    org_id = hub.reader.user.org.id
    return lambda s: orgs.set_status(s, None, s.get(Organisation, org_id), OrgStatus.SUSPENDED, "test")


def _unshare(hub: Hub) -> Callable[[Session], None]:
    collection_id, producer = hub.shared.id, hub.producer.user.org.name
    return lambda s: sharing.set_rules(
        s, None, s.get(Collection, collection_id), read=[f"org:{producer}"], write=[]
    )


def _lower_tier(hub: Hub) -> Callable[[Session], None]:
    org_id = hub.reader.user.org.id
    return lambda s: orgs.set_tier(s, None, s.get(Organisation, org_id), "registered", "test")


CHANGES = {"revoked": (_revoke, 401), "suspended": (_suspend, 403), "unshared": (_unshare, 404)}
PATHS = {
    "page": "collections/{c}/objects/",
    "empty page": f"collections/{{c}}/objects/?added_after={FUTURE}",
    "manifest": "collections/{c}/manifest/",
    "empty manifest": f"collections/{{c}}/manifest/?added_after={FUTURE}",
    "object": "collections/{c}/objects/{o}/",
    "versions": "collections/{c}/objects/{o}/versions/",
    "unknown object": "collections/{c}/objects/indicator--00000000-0000-4000-8000-000000000000/",
    "bad filter": "collections/{c}/objects/?limit=many",
    "bad next": "collections/{c}/objects/?next=forged",
    "unknown collection": "collections/00000000-0000-4000-8000-000000000000/objects/",
}


def _path(name: str, hub: Hub, obj: dict[str, Any]) -> str:
    return PATHS[name].format(c=hub.shared.id, o=obj["id"])


@pytest.mark.parametrize("path", ["page", "empty page", "manifest", "empty manifest", "object", "versions"])
def test_a_warm_read_is_one_statement_with_the_version(client, hub, amber, path):
    """The new path is the one these tests exercise: the version rides on the page (two statements
    before)."""
    url = _path(path, hub, amber)
    assert get(client, url, hub.reader).status_code == 200  # resolves and caches the reader's token
    sent = statements_sent(lambda: get(client, url, hub.reader))
    assert len(sent) == 1 and "policy_version" in sent[0] and "object_versions" in sent[0], sent


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_policy_change_elsewhere_holds_on_the_next_request(client, hub, amber, change, path):
    make, status = CHANGES[change]
    url = _path(path, hub, amber)
    warm = get(client, _path("page", hub, amber), hub.reader)
    assert warm.status_code == 200 and amber["id"] in {o["id"] for o in warm.get_json(force=True)["objects"]}
    _elsewhere(make(hub))
    assert_taxii_error(get(client, url, hub.reader), status)


@pytest.mark.parametrize("path", ["page", "manifest", "object", "versions"])
def test_a_lowered_tier_hides_amber_on_the_next_request(client, hub, amber, path):
    url = _path(path, hub, amber)
    first = get(client, url, hub.reader)
    assert first.status_code == 200 and (path == "versions" or amber["id"] in first.get_data(as_text=True))
    _elsewhere(_lower_tier(hub))
    answer = get(client, url, hub.reader)
    if path in ("page", "manifest"):
        assert answer.status_code == 200 and amber["id"] not in answer.get_data(as_text=True)
    else:  # it sees no version of the object: it does not exist for it
        assert_taxii_error(answer, 404)


def test_a_rule_that_grants_takes_effect_on_the_next_request(client, session, hub, amber):
    """A change that widens what a principal reads is seen at once too (the cached principal is stale)."""
    url = f"collections/{hub.drop_box.id}/objects/"
    assert_taxii_error(get(client, url, hub.reader), 403)  # it writes there, may not read
    drop_box_id = hub.drop_box.id
    _elsewhere(
        lambda s: sharing.set_rules(
            s, None, s.get(Collection, drop_box_id), read=["tier:vetted"], write=["tier:registered"]
        )
    )
    assert get(client, url, hub.reader).status_code == 200


def _lookup(client, hub: Hub, value: str):
    return client.get("/api/v1/lookup", query_string={"value": value}, headers=hub.reader.headers)


def test_a_warm_lookup_is_one_statement_with_the_version(client, hub, amber):
    assert _lookup(client, hub, "amber.example").status_code == 200
    sent = statements_sent(lambda: _lookup(client, hub, "amber.example"))
    assert len(sent) == 1 and "policy_version" in sent[0], sent
    sent = statements_sent(lambda: _lookup(client, hub, "unknown.example"))
    assert len(sent) == 1 and "policy_version" in sent[0], sent


@pytest.mark.parametrize("value", ["amber.example", "unknown.example", "not a value at all"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_the_lookup_obeys_a_policy_change_elsewhere(client, hub, amber, change, value):
    make, status = CHANGES[change]
    assert _lookup(client, hub, "amber.example").status_code == 200
    _elsewhere(make(hub))
    answer = _lookup(client, hub, value)
    # Unsharing a collection leaves the reader a valid token that no longer sees the match.
    if status == 404:
        assert answer.status_code == 200 and "amber" not in answer.get_data(as_text=True).replace(value, "")
    else:
        assert answer.status_code == status, answer.get_data(as_text=True)


def test_the_lookup_hides_amber_after_a_lowered_tier(client, hub, amber):
    first = _lookup(client, hub, "amber.example")
    assert amber["id"] in first.get_data(as_text=True)
    _elsewhere(_lower_tier(hub))
    answer = _lookup(client, hub, "amber.example")
    assert answer.status_code == 200 and amber["id"] not in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", ["collections/", "collections/{c}/", "/taxii2/", "status/unknown/"])
def test_the_other_endpoints_read_the_version_first(client, hub, amber, path):
    """Only the views that check the version themselves take a cached principal unchecked."""
    url = path.format(c=hub.shared.id)
    assert get(client, url, hub.reader).status_code in (200, 404)
    sent = statements_sent(lambda: get(client, url, hub.reader))
    assert sent and "policy_version" in sent[0] and "object_versions" not in sent[0], sent
    _elsewhere(_revoke(hub))
    assert_taxii_error(get(client, url, hub.reader), 401)


def _dies_once_after(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, change: Callable[[Session], None]
) -> list[str]:
    """Make `owner.name`, which a view calls after its statement has checked the version, fail once as a
    statement on a dead connection fails (`connection_invalidated`), after `change` was committed elsewhere:
    `hub.liveness.first_read` then runs the whole view again, later, on a fresh connection."""
    original, failed = getattr(owner, name), []

    def dies_once(*args: Any, **kwargs: Any) -> Any:
        if not failed:
            failed.append(name)
            with Session(db.engine) as other:
                change(other)
                other.commit()
            raise DBAPIError(
                "SELECT 1", {}, Exception("the server closed the connection"), connection_invalidated=True
            )
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, dies_once)
    return failed


def test_a_view_run_again_on_a_fresh_connection_checks_the_version_again(client, hub, amber, monkeypatch):
    """The run on the fresh connection comes after a policy change the first run's statement could not see:
    it must read the version again, not trust the first run's check (which served AMBER after a lowered
    tier)."""
    url = _path("page", hub, amber)
    assert amber["id"] in get(client, url, hub.reader).get_data(as_text=True)
    failed = _dies_once_after(monkeypatch, serializers, "envelope", _lower_tier(hub))
    db.session.commit()  # the request then runs outside a transaction, on a connection lent unpinged
    answer = get(client, url, hub.reader)
    assert failed and answer.status_code == 200, answer.get_data(as_text=True)
    assert amber["id"] not in answer.get_data(as_text=True)


def test_a_lookup_run_again_on_a_fresh_connection_checks_the_version_again(client, hub, amber, monkeypatch):
    assert amber["id"] in _lookup(client, hub, "amber.example").get_data(as_text=True)
    failed = _dies_once_after(monkeypatch, service, "_match", _lower_tier(hub))
    db.session.commit()
    answer = _lookup(client, hub, "amber.example")
    assert failed and answer.status_code == 200, answer.get_data(as_text=True)
    assert amber["id"] not in answer.get_data(as_text=True)
