"""Resolved credentials are cached per token, and every change to who may read what ends the cache at once.

Each test first makes a request that fills the cache, then changes the database through the service an
administrator would use (committed, as the surfaces do), and checks that the very next request obeys the
change. Without the policy version counter (`hub.policy.version`) the cached principal would be served.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hub.db import utcnow
from hub.orgs import service as orgs
from hub.orgs.models import ApiToken, OrgStatus
from hub.orgs.tokens import revoke_token
from hub.policy.tlp import Tlp
from hub.sharing import service as sharing
from tests.factories import indicator, make_collection, make_org, post
from tests.taxii.conftest import assert_taxii_error, get, member, statements_sent


def ids(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return {o["id"] for o in response.get_json(force=True).get("objects", [])}


@pytest.fixture
def amber(session, hub):
    """An AMBER indicator in the shared collection (readable by vetted members, not by registered ones)."""
    obj = indicator(Tlp.AMBER)
    post(session, hub.producer.user, hub.shared, [obj])
    session.commit()
    return obj


def test_a_repeated_request_does_not_resolve_the_principal_again(app, client, hub, amber):
    path = f"collections/{hub.shared.id}/objects/"
    first = statements_sent(lambda: get(client, path, hub.reader))
    second = statements_sent(lambda: get(client, path, hub.reader))
    assert any("access_rules" in s for s in first)
    assert not any("access_rules" in s or "api_tokens" in s for s in second)


def test_a_revoked_token_is_refused_on_the_next_request(client, session, hub, amber):
    path = f"collections/{hub.shared.id}/objects/"
    assert amber["id"] in ids(get(client, path, hub.reader))
    revoke_token(session, None, hub.reader.user.tokens[0].id)
    session.commit()
    assert_taxii_error(get(client, path, hub.reader), 401)


def test_a_suspended_organisation_is_refused_on_the_next_request(client, session, hub, amber):
    path = f"collections/{hub.shared.id}/objects/"
    assert amber["id"] in ids(get(client, path, hub.reader))
    orgs.set_status(session, None, hub.reader.user.org, OrgStatus.SUSPENDED, "test")
    session.commit()
    assert_taxii_error(get(client, path, hub.reader), 403)


def test_a_lowered_tier_hides_amber_on_the_next_request(client, session, hub, amber):
    path = f"collections/{hub.shared.id}/objects/"
    assert amber["id"] in ids(get(client, path, hub.reader))
    orgs.set_tier(session, None, hub.reader.user.org, "registered", "test")
    session.commit()
    assert amber["id"] not in ids(get(client, path, hub.reader))


def test_a_removed_read_rule_takes_effect_on_the_next_request(client, session, hub, amber):
    path = f"collections/{hub.shared.id}/objects/"
    assert amber["id"] in ids(get(client, path, hub.reader))
    sharing.set_rules(session, None, hub.shared, read=[f"org:{hub.producer.user.org.name}"], write=[])
    session.commit()
    assert_taxii_error(get(client, path, hub.reader), 404)


def test_leaving_a_group_takes_effect_on_the_next_request(client, session, hub):
    reader = member(session, tier="vetted", org=make_org(session))
    group = orgs.add_group(session, None, "partners", [reader.user.org.name])
    collection = make_collection(
        session, read=["group:partners"], write=["tier:vetted"], default_tlp=Tlp.GREEN
    )
    session.commit()
    path = f"collections/{collection.id}/objects/"
    assert get(client, path, reader).status_code == 200
    group.orgs = []
    session.commit()
    assert_taxii_error(get(client, path, reader), 403)  # it may still write there, no longer read


def test_a_deactivated_user_is_refused_on_the_next_request(client, session, hub, amber):
    path = f"collections/{hub.shared.id}/objects/"
    assert amber["id"] in ids(get(client, path, hub.reader))
    hub.reader.user.is_active = False
    session.commit()
    assert_taxii_error(get(client, path, hub.reader), 401)


def test_a_bulk_revocation_is_seen_on_the_next_request(client, session, hub, amber):
    path = f"collections/{hub.shared.id}/objects/"
    assert amber["id"] in ids(get(client, path, hub.reader))
    session.execute(
        update(ApiToken).where(ApiToken.user_id == hub.reader.user.id).values(revoked_at=utcnow())
    )
    session.commit()
    assert_taxii_error(get(client, path, hub.reader), 401)


def test_the_lookup_api_refuses_a_revoked_token_on_the_next_request(client, session, hub):
    def lookup():
        return client.get("/api/v1/lookup", query_string={"value": "a.example"}, headers=hub.reader.headers)

    assert lookup().status_code == 200
    revoke_token(session, None, hub.reader.user.tokens[0].id)
    session.commit()
    assert lookup().status_code == 401


def test_an_empty_authorization_header_is_refused_even_when_the_anonymous_is_cached(client, hub):
    """An empty `Authorization` header presents no valid credentials (401), with or without a cached
    anonymous principal: the cache must not take it for a request without the header."""
    path = f"collections/{hub.public.id}/objects/"
    assert_taxii_error(get(client, path, headers={"Authorization": ""}), 401)
    assert get(client, path).status_code == 200  # the anonymous principal is now cached
    assert_taxii_error(get(client, path, headers={"Authorization": ""}), 401)
