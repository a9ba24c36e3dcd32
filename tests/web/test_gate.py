"""The security gate belongs to the app factory, not to the `web` blueprint (issue #15 item 3).

Login gate, CSRF and security headers used to exist only because mounting `web` installed them. Here the
features are mounted in reverse order, and without `web` at all: every non-public route must still refuse an
anonymous request, every form POST without a CSRF token must still be refused (logged in or not), every answer
must carry the security headers, and two apps in one process must not share error renderers or navigation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

import hub.features
from hub.accounts.service import session_fingerprint
from hub.extensions import csrf
from hub.public import TokenSurface, is_marked_public
from hub.web.security import SECURITY_HEADERS
from tests.factories import make_org, make_user
from tests.web.test_foundation import _sample_url

ALL = hub.features.blueprints()
LAYOUTS = {
    "reversed": list(reversed(ALL)),
    "without web": [(bp, prefix) for bp, prefix in ALL if bp.name != "web"],
}


@pytest.fixture(params=sorted(LAYOUTS))
def mounted(request, variant, monkeypatch) -> Flask:
    """An app whose features are mounted in another layout, with CSRF on as in production."""
    monkeypatch.setattr(hub.features, "blueprints", lambda: LAYOUTS[request.param])
    return variant(WTF_CSRF_ENABLED=True)


def routes(app: Flask, keep: Callable[[bool], bool]) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of the routes outside token surfaces whose view's publicness passes `keep`."""
    found = []
    for rule in app.url_map.iter_rules():
        top = rule.endpoint.partition(".")[0]
        if isinstance(app.blueprints.get(top), TokenSurface) or rule.endpoint == "static":
            continue
        if not keep(is_marked_public(app.view_functions[rule.endpoint])):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, _sample_url(rule)))
    return found


def test_the_layouts_differ_from_the_usual_one():
    assert [bp.name for bp, _ in LAYOUTS["reversed"]] != [bp.name for bp, _ in ALL]
    assert "web" not in {bp.name for bp, _ in LAYOUTS["without web"]}


def test_every_non_public_route_refuses_anonymous_requests(mounted):
    private = routes(mounted, lambda public: not public)
    assert len(private) >= 30
    client = mounted.test_client()
    for endpoint, method, url in private:
        response = client.open(url, method=method)
        refused = response.status_code == 401 or (
            response.status_code == 302 and response.location.startswith("/login")
        )
        assert refused, (endpoint, method, url, response.status_code)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (endpoint, name)


def test_every_form_post_without_a_csrf_token_is_refused(mounted, session):
    # The reporter's blueprint is exempt from the app-wide check because each of its forms checks a long-lived
    # token of its own (tests/reports cover it); it must stay the only exemption.
    assert {bp.name for bp in csrf._exempt_blueprints} == {"reporter"}
    user = make_user(session, make_org(session, tier="trusted"), role="coordinator")
    session.commit()
    posts = [
        r for r in routes(mounted, lambda public: True) if r[1] == "POST" and not r[0].startswith("reporter.")
    ]
    public_posts = [r for r in posts if is_marked_public(mounted.view_functions[r[0]])]
    private_posts = [r for r in posts if r not in public_posts]
    assert public_posts and len(private_posts) >= 20
    anonymous = mounted.test_client()
    for endpoint, _, url in public_posts:
        assert anonymous.post(url, data={}).status_code == 400, endpoint
    member = mounted.test_client()
    fingerprint = session_fingerprint(user, mounted.config["SECRET_KEY"])
    with member.session_transaction() as cookie:
        cookie["_user_id"] = f"{user.id}:{fingerprint}"
        cookie["_fresh"] = True
    for endpoint, _, url in private_posts:
        assert member.post(url, data={}).status_code == 400, endpoint


def test_two_apps_in_one_process_share_no_renderer_and_no_navigation(app, variant, monkeypatch):
    monkeypatch.setattr(hub.features, "blueprints", lambda: LAYOUTS["without web"])
    bare = variant()
    full_page = app.test_client().get("/no-such-page")
    bare_page = bare.test_client().get("/no-such-page")
    assert full_page.status_code == bare_page.status_code == 404
    assert full_page.mimetype == "text/html" and bare_page.mimetype == "application/json"
    assert "web.home" in {item.endpoint for item in app.extensions["hub.nav"]}
    assert "web.home" not in {item.endpoint for item in bare.extensions.get("hub.nav", [])}
