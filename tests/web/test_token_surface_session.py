"""Token surfaces (TAXII, the API) get no browser session (issue 16): their clients authenticate with tokens,
so a request to them neither reads nor signs a session cookie, yet carries every security header."""

from __future__ import annotations

import pytest

from hub.accounts.service import session_fingerprint
from hub.public import is_token_surface_path
from hub.web.security import SECURITY_HEADERS
from tests.factories import make_org, make_user


@pytest.mark.parametrize(
    "path, surface",
    [
        ("/taxii2/", True),
        ("/taxii2", True),
        ("/taxii2/api/collections/", True),
        ("/api/v1/lookup", True),
        ("/taxii2x/", False),
        ("/api/v1x", False),
        ("/login", False),
        ("/", False),
    ],
)
def test_token_surfaces_are_known_by_path_before_routing(app, path, surface):
    assert is_token_surface_path(app, path) is surface


def test_a_logged_in_browser_gets_no_session_on_a_token_surface(app, client, session):
    """Failed before: the browser's session was opened (and marked read: `Vary: Cookie`) on TAXII too."""
    user = make_user(session, make_org(session, tier="trusted"))
    session.commit()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{user.id}:{session_fingerprint(user, app.config['SECRET_KEY'])}"
        cookie["_fresh"] = True
    page = client.get("/login")
    assert "Cookie" in page.headers.get("Vary", "")  # the web still reads its session
    for path, status in (("/taxii2/", 200), ("/api/v1/lookup?value=example.org", 401)):
        response = client.get(path, headers={"Accept": "application/taxii+json;version=2.1"})
        assert response.status_code == status  # discovery is open to all; the cookie lends no login
        assert "Cookie" not in response.headers.get("Vary", "") and "Set-Cookie" not in response.headers
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)
        assert response.headers["Cache-Control"] == "no-store"
