"""Issue #10, finding 10: a suspended organisation's token is refused with 403 saying why, on every surface.

Before, it authenticated and its holder read public data with 200, so a platform's poller never learnt that
it was cut off.
"""

from __future__ import annotations

import pytest

from hub.orgs.models import OrgStatus
from hub.orgs.service import set_status
from hub.orgs.tokens import issue_token
from hub.policy.tlp import Tlp
from tests.admin.conftest import log_in
from tests.factories import indicator, make_collection, make_org, make_user, post

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def cut_off(session):
    """A user with a token, whose organisation is then suspended; a public collection with one object."""
    org = make_org(session, "Suspended NGO", "trusted")
    account = make_user(session, org, "org-admin")
    secret = issue_token(session, None, account).secret
    public = make_collection(session, read=["public"], write=[f"org:{org.name}"], default_tlp=Tlp.CLEAR)
    post(session, account, public, [indicator(Tlp.CLEAR)])
    set_status(session, None, org, OrgStatus.SUSPENDED, "test")
    session.commit()
    return account, secret, public


def _says_suspended(response, status=403):
    assert response.status_code == status, response.get_data(as_text=True)
    assert "suspended" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/taxii2/", "/taxii2/api/", "/taxii2/api/collections/"])
def test_taxii_refuses_the_token_with_403(client, cut_off, path):
    _account, secret, _public = cut_off
    response = client.get(path, headers={"Accept": TAXII, "Authorization": f"Bearer {secret}"})
    _says_suspended(response)
    assert response.headers["Content-Type"] == TAXII


def test_taxii_refuses_basic_auth_too_and_for_public_collections(client, cut_off):
    import base64

    account, secret, public = cut_off
    pair = base64.b64encode(f"{account.email}:{secret}".encode()).decode()
    response = client.get(
        f"/taxii2/api/collections/{public.id}/objects/",
        headers={"Accept": TAXII, "Authorization": f"Basic {pair}"},
    )
    _says_suspended(response)


def test_the_lookup_api_refuses_the_token_with_403(client, cut_off):
    _account, secret, _public = cut_off
    response = client.get(
        "/api/v1/lookup", query_string={"value": "x.example"}, headers={"Authorization": f"Bearer {secret}"}
    )
    _says_suspended(response)
    assert response.json["http_status"] == 403


def test_exports_refuse_a_suspended_organisations_user(app, cut_off):
    account, _secret, public = cut_off
    response = log_in(app, account).get("/export/download", query_string={"collection": public.id})
    _says_suspended(response)


def test_reinstated_the_token_works_again(client, session, cut_off):
    account, secret, _public = cut_off
    set_status(session, None, account.org, OrgStatus.ACTIVE, "test")
    session.commit()
    response = client.get(
        "/taxii2/api/collections/", headers={"Accept": TAXII, "Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
