"""The web foundation: deny by default, security headers, CSRF, safe redirects, error pages, languages."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter, Rule

from hub.public import TokenSurface
from hub.routing import IdConverter
from hub.web.auth import is_public_endpoint, public
from hub.web.safety import safe_next
from hub.web.security import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD, make_collection, make_org, make_user


def _sample_url(rule: Rule) -> str:
    """A URL that routes to `rule`, with made-up values that fit each converter."""
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IdConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = next(iter(converter.items))
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def _web_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if isinstance(app.blueprints.get(rule.endpoint.partition(".")[0]), TokenSurface):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, _sample_url(rule)))
    return routes


def test_every_non_public_web_route_sends_anonymous_users_to_login(app, client):
    with app.test_request_context():
        routes = [
            (endpoint, method, url)
            for endpoint, method, url in _web_routes(app)
            if not is_public_endpoint(endpoint)
        ]
    assert len(routes) >= 8
    for endpoint, method, url in routes:
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.location.startswith("/login"), (endpoint, url)


def test_public_routes_are_only_the_ones_meant_to_be(app):
    with app.test_request_context():
        public = {endpoint for endpoint, _, _ in _web_routes(app) if is_public_endpoint(endpoint)}
    mine = {e for e in public if e.startswith("web.") or e == "static"}
    assert mine == {"static", "web.login", "web.login_code", "web.login_enrol", "web.set_language"}


def test_login_redirect_keeps_the_page_asked_for(client):
    response = client.get("/collections?x=1")
    assert response.location == "/login?next=/collections?x%3D1"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/collections", "/collections"),
        ("/collections?a=1#b", "/collections?a=1#b"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/\r\nLocation: x", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next_accepts_only_same_site_paths(target, expected):
    assert safe_next(target) == expected


def test_login_never_redirects_off_site(client, session):
    user = make_user(session, make_org(session))
    session.commit()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "//evil.example/steal"}
    )
    assert response.location == "/"


def test_security_headers_on_pages_and_errors(client):
    for url in ("/login", "/no-such-page", "/static/hub.css"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert ("no-store" in response.headers.get("Cache-Control", "")) == (url != "/static/hub.css")
        response.close()


def test_pages_contain_no_inline_script_or_third_party_resource(client):
    body = client.get("/login").get_data(as_text=True)
    assert "<script" not in body and " style=" not in body and "<style" not in body
    assert not re.search(r'src="(?:https?:)?//', body) and not re.search(
        r'<link [^>]*href="(?:https?:)?//', body
    )
    # the only link away from the hub is the quick exit for people at risk (a link, not a loaded resource)
    assert re.findall(r'<a [^>]*href="((?:https?:)?//[^"]*)"', body) == ["https://www.wikipedia.org/"]


def test_session_cookie_is_httponly_and_samesite(client, session):
    user = make_user(session, make_org(session))
    session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(variant):
    secure = variant(SESSION_COOKIE_SECURE=True)
    response = secure.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_csrf_is_enforced_on_forms_when_enabled(variant, session):
    user = make_user(session, make_org(session))
    session.commit()
    client = variant(WTF_CSRF_ENABLED=True).test_client()
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    accepted = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert accepted.status_code == 302
    assert client.post("/logout").status_code == 400  # logged in, still no token: refused


def test_csrf_does_not_apply_to_taxii(variant):
    client = variant(WTF_CSRF_ENABLED=True).test_client()
    media = "application/taxii+json;version=2.1"
    response = client.post(
        "/taxii2/api/collections/x/objects/",
        data='{"objects": []}',
        content_type=media,
        headers={"Accept": media},
    )
    assert response.status_code in (401, 404)  # TAXII answers itself; the web's CSRF check (400) stays out
    assert response.mimetype == "application/taxii+json"


def test_unknown_web_page_is_an_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Nothing here" in response.get_data(as_text=True)


def test_taxii_errors_keep_their_own_format(client):
    response = client.get("/taxii2/no-such-root/")
    assert response.mimetype != "text/html"


def test_arabic_pages_are_right_to_left(client):
    page = client.get("/login?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page
    # the choice sticks for the session
    assert 'dir="rtl"' in client.get("/login").get_data(as_text=True).split("\n", 2)[1]


def test_language_follows_the_browser_until_chosen(client):
    arabic = client.get("/login", headers={"Accept-Language": "ar,en;q=0.5"})
    assert 'lang="ar"' in arabic.get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert '<html lang="en" dir="ltr">' in client.get("/login", headers={"Accept-Language": "ar"}).get_data(
        as_text=True
    )


def test_language_choice_is_saved_to_the_account(client, session, web):
    user = make_user(session, make_org(session))
    session.commit()
    web.login(user)
    response = client.post("/language", data={"lang": "ar", "next": "//evil.example"})
    assert response.location == "/"
    session.refresh(user)
    assert user.locale == "ar"
    client.post("/logout")
    client.post("/language", data={"lang": "en", "next": "/login"})
    web.login(user)
    assert 'dir="rtl"' in client.get("/").get_data(as_text=True)


def test_tlp_labels_are_never_translated(client, session, web):
    from hub.policy.tlp import Tlp
    from tests.factories import indicator, make_collection, post

    org = make_org(session)
    user = make_user(session, org)
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    post(session, user, collection, [indicator(Tlp.AMBER_STRICT)])
    web.login(user)
    page = client.get(f"/collections/{collection.id}?lang=ar").get_data(as_text=True)
    assert "TLP:AMBER+STRICT" in page


def test_oversized_web_requests_are_refused_before_parsing(client):
    body = b'--b\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n' + b"x" * (12 * 2**20)
    response = client.post("/login", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    assert response.mimetype == "text/html"


def test_unexpected_errors_render_the_web_500_page(variant):
    broken = variant()

    @public
    def boom() -> str:
        raise RuntimeError("a bug")

    broken.add_url_rule("/boom", view_func=boom)
    response = broken.test_client().get("/boom")
    assert response.status_code == 500 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "The hub failed" in html and "a bug" not in html


def test_forbidden_actions_render_the_web_403_page(client, session, web):
    user = make_user(session, make_org(session))
    read_only = make_collection(session, read=["tier:registered"], write=[])
    session.commit()
    web.login(user)
    response = client.get(f"/share/{read_only.id}")
    assert response.status_code == 403 and "You may not do this" in response.get_data(as_text=True)
