"""`/api/v1` refuses bad requests with JSON errors: 400, 401 (with WWW-Authenticate), 413, 415."""

from __future__ import annotations

import base64

import pytest

from hub.orgs.tokens import issue_token
from tests.factories import make_org, make_user


@pytest.fixture
def user(session):
    return make_user(session, make_org(session, tier="vetted"))


@pytest.fixture
def secret(session, user):
    value = issue_token(session, None, user).secret
    session.commit()
    return value


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.json["http_status"] == status
    assert response.json["description"]
    return response.json


def test_without_a_valid_token_the_answer_is_401(client):
    for header in (None, "Bearer hub_not-a-token", "Bearer", "Basic !!!", "Token abc"):
        headers = {"Authorization": header} if header else {}
        response = client.get("/api/v1/lookup?value=example.com", headers=headers)
        _error(response, 401)
        assert "Bearer" in response.headers["WWW-Authenticate"], header


def test_a_login_session_is_not_enough(client, user):
    with client.session_transaction() as web_session:
        web_session["_user_id"] = str(user.id)
    _error(client.get("/api/v1/lookup?value=example.com"), 401)


def test_basic_auth_needs_the_tokens_own_email(client, user, secret):
    def basic(email):
        return {"Authorization": "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode()}

    assert client.get("/api/v1/lookup?value=example.com", headers=basic(user.email)).status_code == 200
    _error(client.get("/api/v1/lookup?value=example.com", headers=basic("someone@else.example")), 401)


def test_revoked_tokens_are_refused(session, client, user):
    issued = issue_token(session, None, user)
    issued.token.revoked_at = issued.token.created_at
    session.commit()
    _error(client.get("/api/v1/lookup?value=x", headers={"Authorization": f"Bearer {issued.secret}"}), 401)


def test_get_needs_exactly_one_value(client, secret):
    for query in ("", "?value=a.example&value=b.example"):
        _error(client.get(f"/api/v1/lookup{query}", headers={"Authorization": f"Bearer {secret}"}), 400)


def test_more_than_1000_values_is_refused_with_a_clear_message(client, secret):
    response = client.post(
        "/api/v1/lookup", json={"values": ["a.example"] * 1001}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert "at most 1,000 values" in _error(response, 400)["description"]


def test_malformed_bodies_are_refused(client, secret):
    for body in (
        b"{not json",
        b"[]",
        b'{"values": "a.example"}',
        b'{"values": []}',
        b'{"values": ["a", 3]}',
        b'{"values": ["' + b"a" * 5000 + b'"]}',
    ):
        response = client.post(
            "/api/v1/lookup",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        _error(response, 400)


def test_other_content_types_are_refused(client, secret):
    response = client.post(
        "/api/v1/lookup",
        data="values=a.example",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {secret}"},
    )
    _error(response, 415)


def test_large_bodies_are_refused(app, client, secret):
    app.config["API_MAX_CONTENT_LENGTH"] = 1000
    response = client.post(
        "/api/v1/lookup",
        json={"values": ["a" * 600, "b" * 600]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    _error(response, 413)


def test_unknown_api_paths_answer_in_json(client, secret):
    _error(client.get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {secret}"}), 404)
    _error(client.delete("/api/v1/lookup", headers={"Authorization": f"Bearer {secret}"}), 405)
