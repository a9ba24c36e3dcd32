"""A browser's side requests (favicon, robots.txt, static files, any unknown path) never write the session.

Browsers ask for `/favicon.ico` by themselves, beside the page. Its 404 answered with the session cookie as it
was when that request started (flask-login marks it), so when the answer came after the password step's,
the browser put back the session without the pending login, and the code step sent the person back to the
login page — on a slow network (Tor) as in the browser test that found it
(`tests/admin/test_browser.py`, a flaky `nav >> text=Coordination`). Both tests failed before."""

from __future__ import annotations

import pyotp
import pytest

from tests.factories import PASSWORD, make_org, make_user


@pytest.mark.parametrize("path", ["/favicon.ico", "/robots.txt", "/apple-touch-icon.png", "/static/hub.css"])
def test_a_side_request_sets_no_session_cookie(client, path):
    client.get("/login")  # a session with a CSRF token
    answer = client.get(path)
    answer.close()
    assert not [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")], path


def test_a_late_favicon_answer_does_not_undo_the_password_step(app, client, session):
    user = make_user(session, make_org(session, tier="trusted", org_type="coordinator"), "coordinator")
    user.totp_secret = pyotp.random_base32()
    session.commit()
    client.get("/login")
    before = client.get_cookie("session").value  # the favicon request leaves with this cookie...
    step = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert step.status_code == 302 and "/login/code" in step.location
    late = app.test_client()
    late.set_cookie("session", before)
    for cookie in late.get("/favicon.ico").headers.getlist("Set-Cookie"):  # ...and its answer comes last
        name, _, rest = cookie.partition("=")
        client.set_cookie(name, rest.split(";", 1)[0])
    code = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert code.status_code == 302 and "/login" not in code.location, code.location
