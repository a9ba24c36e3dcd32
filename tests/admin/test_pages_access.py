"""Who may open which admin page: anonymous -> login, member -> 403, org admins their own org, coordinators
all."""

from __future__ import annotations

import pytest

from hub import create_app
from hub.admin.join import APPLY_LIMIT

COORDINATOR_PAGES = [
    "/admin/",
    "/admin/applications",
    "/admin/orgs",
    "/admin/moderation",
    "/admin/objects",
    "/admin/audit",
    "/admin/collections",
    "/admin/collections/new",
    "/admin/groups",
]


@pytest.mark.parametrize("url", COORDINATOR_PAGES)
def test_coordinator_pages(as_role, url):
    anonymous = as_role(None).get(url)
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")
    assert as_role("member").get(url).status_code == 403
    if url != "/admin/":
        assert as_role("admin_a").get(url).status_code == 403
    assert as_role("coordinator").get(url).status_code == 200


def test_org_admins_land_on_their_own_organisation(as_role, people):
    client = as_role("admin_a")
    assert client.get("/admin/").location == f"/admin/orgs/{people['org_a'].id}/users"
    assert client.get("/admin/my-organisation").location == f"/admin/orgs/{people['org_a'].id}/users"


@pytest.mark.parametrize("page", ["users", "tokens"])
def test_org_admin_pages(as_role, people, page):
    url = f"/admin/orgs/{people['org_a'].id}/{page}"
    assert as_role(None).get(url).status_code == 302
    assert as_role("member").get(url).status_code == 403
    assert as_role("admin_b").get(url).status_code == 403
    assert as_role("admin_a").get(url).status_code == 200
    assert as_role("coordinator").get(url).status_code == 200


def test_coordinator_org_pages_refuse_org_admins(as_role, people):
    url = f"/admin/orgs/{people['org_a'].id}"
    assert as_role("admin_a").get(url).status_code == 403
    assert as_role("coordinator").get(url).status_code == 200


def test_unknown_ids_are_404(as_role):
    client = as_role("coordinator")
    for url in (
        "/admin/orgs/999/users",
        "/admin/orgs/abc",
        "/admin/applications/5",
        "/admin/groups/7",
        "/admin/collections/nope",
    ):
        assert client.get(url).status_code == 404, url


def test_posts_refuse_anonymous_and_members(as_role, people):
    url = f"/admin/orgs/{people['org_b'].id}/suspend"
    assert as_role(None).post(url, data={"reason": "x"}).status_code == 302
    assert as_role("member").post(url, data={"reason": "x"}).status_code == 403
    assert as_role("admin_b").post(url, data={"reason": "x"}).status_code == 403
    assert people["org_b"].is_active


def test_join_pages_are_public(as_role):
    assert as_role(None).get("/join/").status_code == 200
    assert as_role(None).get("/join/status/unknown-secret").status_code == 404
    assert as_role(None).get("/join/invite/unknown-secret").status_code == 404


def test_navigation_shows_the_right_entry(as_role):
    assert b'href="/admin/"' in as_role("coordinator").get("/").data
    assert b'href="/admin/my-organisation"' in as_role("admin_a").get("/").data
    member_home = as_role("member").get("/").data
    assert b"/admin/" not in member_home and b'href="/join/"' not in member_home
    assert b'href="/join/"' in as_role(None).get("/login").data


def test_the_public_application_form_is_rate_limited(app):
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    client = limited.test_client()
    allowed = int(APPLY_LIMIT.split()[0])
    codes = [client.post("/join/", data={"name": ""}).status_code for _ in range(allowed + 1)]
    assert codes[-1] == 429 and 429 not in codes[:-1]
