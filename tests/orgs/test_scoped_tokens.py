"""Scoped API tokens (issue #10): read-only or read-write, optionally limited to collections, with expiry;
enforced on TAXII, the lookup API, exports and federation (peers use TAXII), and created by owners only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from hub.cli import main
from hub.db import utcnow
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.orgs import own_tokens
from hub.orgs.models import TokenScope
from hub.orgs.tokens import token_for_secret
from hub.policy.admin_actions import require_own_token
from hub.policy.tlp import Tlp
from tests.admin.conftest import log_in
from tests.factories import indicator, make_collection, make_org, make_user, post, principal

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def setup(session):
    org = make_org(session, "Helpline", "trusted")
    owner = make_user(session, org, "org-admin")
    first = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], title="First")
    second = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], title="Second")
    value = "scoped.example"
    post(session, owner, first, [indicator(Tlp.AMBER, value=value)])
    post(session, owner, second, [indicator(Tlp.AMBER, value=value)])
    session.commit()
    return owner, first, second, value


def _headers(secret):
    return {"Accept": TAXII, "Content-Type": TAXII, "Authorization": f"Bearer {secret}"}


def _own(session, owner, **kwargs):
    issued = own_tokens.create_own_token(session, principal(session, owner), "t", 30, **kwargs)
    session.commit()
    return issued


def test_own_tokens_are_read_only_unless_asked(session, setup):
    owner, *_ = setup
    assert _own(session, owner).token.scope == TokenScope.READ
    assert _own(session, owner, scope="write").token.scope == TokenScope.WRITE
    with pytest.raises(InvalidInput):
        _own(session, owner, scope="admin")


def test_a_read_only_token_reads_but_gets_403_on_post_and_delete(client, session, setup):
    owner, first, _second, _value = setup
    secret = _own(session, owner).secret
    objects = f"/taxii2/api/collections/{first.id}/objects/"
    assert client.get(objects, headers=_headers(secret)).status_code == 200
    envelope = {"objects": [indicator(Tlp.GREEN)]}
    posted = client.post(objects, json=envelope, headers=_headers(secret))
    assert posted.status_code == 403 and "read-only" in posted.get_data(as_text=True)
    stix_id = client.get(objects, headers=_headers(secret)).json["objects"][0]["id"]
    deleted = client.delete(f"{objects}{stix_id}/", headers=_headers(secret))
    assert deleted.status_code == 403
    writer = _own(session, owner, scope="write").secret
    assert client.post(objects, json=envelope, headers=_headers(writer)).status_code == 202


def test_a_token_limited_to_one_collection_sees_no_other(client, session, setup):
    owner, first, second, value = setup
    secret = _own(session, owner, collections=[first.id]).secret
    listing = client.get("/taxii2/api/collections/", headers=_headers(secret)).json
    assert [c["id"] for c in listing["collections"]] == [first.id]
    assert (
        client.get(f"/taxii2/api/collections/{second.id}/objects/", headers=_headers(secret)).status_code
        == 404
    )

    def looked_up(token_secret):
        found = client.get(
            "/api/v1/lookup",
            query_string={"value": value},
            headers={"Authorization": f"Bearer {token_secret}"},
        ).json
        return {m["collection_id"] for m in found["matches"]}

    assert looked_up(secret) == {first.id}
    assert looked_up(_own(session, owner).secret) == {first.id, second.id}


def test_a_token_cannot_be_limited_to_a_collection_its_owner_cannot_use(session, setup):
    owner, *_ = setup
    hidden = make_collection(session, read=[], title="Hidden")
    session.commit()
    with pytest.raises(NotFound):
        _own(session, owner, collections=[hidden.id])


def test_an_expired_token_stops_working(client, session, setup):
    owner, *_ = setup
    issued = _own(session, owner)
    issued.token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert token_for_secret(session, issued.secret) is None
    assert client.get("/taxii2/api/collections/", headers=_headers(issued.secret)).status_code == 401


def test_only_the_owner_creates_a_token(session, setup):
    owner, *_ = setup
    colleague = make_user(session, owner.org)
    with pytest.raises(PermissionDenied):
        require_own_token(principal(session, colleague), owner.id)


def test_cli_keeps_read_write_by_default_and_takes_scope_collections_and_expiry(runner, session, setup):
    owner, first, second, _value = setup
    plain = runner.invoke(main, ["token", "add", owner.email])
    assert plain.exit_code == 0, plain.output
    session.rollback()
    token = token_for_secret(session, plain.output.strip().splitlines()[-1])
    assert token.scope == TokenScope.WRITE and token.collection_ids is None and token.expires_at is None
    scoped = runner.invoke(
        main,
        [
            "token",
            "add",
            owner.email,
            "--scope",
            "read",
            "--collection",
            first.id,
            "--collection",
            second.id,
            "--expires-days",
            "7",
        ],
    )
    assert scoped.exit_code == 0, scoped.output
    session.rollback()
    token = token_for_secret(session, scoped.output.strip().splitlines()[-1])
    assert token.scope == TokenScope.READ and token.collection_ids == {first.id, second.id}
    assert timedelta(days=6) < token.expires_at - utcnow() <= timedelta(days=7)
    bad = runner.invoke(main, ["token", "add", owner.email, "--scope", "everything"])
    assert bad.exit_code == 1 and "scope" in bad.output
    unknown = runner.invoke(main, ["token", "add", owner.email, "--collection", "nope"])
    assert unknown.exit_code == 1 and "no collection" in unknown.output


def test_web_tokens_default_to_read_only_and_can_be_limited(app, session, setup):
    owner, first, _second, _value = setup
    client = log_in(app, owner)
    page = client.get("/connect")
    assert b'<option selected value="read">' in page.data or b'value="read" selected' in page.data
    created = client.post(
        "/connect/tokens",
        data={"label": "SIEM", "expires_days": 30, "collections": [first.id]},
    )
    assert created.status_code == 200, created.data
    secret = re.search(rb"hub_[A-Za-z0-9_-]+", created.data).group(0).decode()
    token = token_for_secret(session, secret)
    assert token.scope == TokenScope.READ and token.collection_ids == {first.id}
