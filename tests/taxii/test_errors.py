"""Every failure under /taxii2 is a TAXII error resource with the TAXII media type and the right status."""

from __future__ import annotations

import base64
import io

import orjson
import pytest

from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection
from tests.taxii.conftest import ROOT, TAXII, assert_taxii_error, get, post


def test_unknown_bearer_token_is_401_with_www_authenticate(client, hub):
    response = client.get(f"{ROOT}/collections/", headers={"Authorization": "Bearer hub_not-a-token"})
    assert_taxii_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="hub", Bearer'


@pytest.mark.parametrize(
    "header",
    [
        "Basic " + base64.b64encode(b"nobody@example.org:hub_wrong").decode(),
        "Basic not-base64!",
        "Digest username=x",
        "Bearer",
    ],
)
def test_malformed_or_wrong_credentials_are_401(client, hub, header):
    assert_taxii_error(client.get(f"{ROOT}/", headers={"Authorization": header}), 401)


def test_basic_auth_needs_the_token_owners_email(client, hub):
    pair = base64.b64encode(f"{hub.reader.user.email}:{hub.producer.secret}".encode()).decode()
    assert_taxii_error(client.get(f"{ROOT}/", headers={"Authorization": f"Basic {pair}"}), 401)


def test_basic_auth_with_email_and_token_authenticates(client, hub):
    response = get(client, f"collections/{hub.shared.id}/", hub.producer, headers=hub.producer.basic)
    assert response.status_code == 200
    assert response.get_json(force=True)["can_write"] is True


def test_web_session_cookie_never_authenticates_taxii(client, hub):
    with client.session_transaction() as web_session:
        web_session["_user_id"] = str(hub.producer.user.id)
    assert get(client, f"collections/{hub.drop_box.id}/").status_code == 401


@pytest.mark.parametrize(
    "accept",
    ["application/json", "text/html", "application/taxii+json;version=2.0", "application/taxii+json;q=0"],
)
def test_unacceptable_accept_is_406(client, hub, accept):
    assert_taxii_error(client.get(f"{ROOT}/", headers={"Accept": accept}), 406)


@pytest.mark.parametrize(
    "accept",
    [
        TAXII,
        "application/taxii+json",
        "*/*",
        "application/*",
        "application/json, text/plain, */*",
        "application/taxii+json; version=2.1",
    ],
)
def test_taxii_and_wildcard_accept_are_answered(client, hub, accept):
    response = client.get(f"{ROOT}/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == TAXII


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/taxii+json;version=2.0"]
)
def test_post_with_other_content_type_is_415(client, hub, content_type):
    response = post(
        client,
        f"collections/{hub.shared.id}/objects/",
        hub.producer,
        {"objects": []},
        headers={"Content-Type": content_type},
    )
    assert_taxii_error(response, 415)


def test_post_without_version_parameter_is_accepted(client, hub):
    response = post(
        client,
        f"collections/{hub.shared.id}/objects/",
        hub.producer,
        {"objects": [indicator(Tlp.GREEN)]},
        headers={"Content-Type": "application/taxii+json"},
    )
    assert response.status_code == 202


def test_body_over_max_content_length_is_413_before_reading(app, client, hub):
    app.config["TAXII_MAX_CONTENT_LENGTH"] = 100
    body = b'{"objects": [' + b" " * 200 + b"]}"
    response = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, body)
    assert_taxii_error(response, 413)


def test_chunked_body_over_max_content_length_is_413(app, client, hub):
    app.config["TAXII_MAX_CONTENT_LENGTH"] = 100
    body = b'{"objects": [' + b" " * 200 + b"]}"
    response = client.post(
        f"{ROOT}/collections/{hub.shared.id}/objects/",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": TAXII, "Accept": TAXII, **hub.producer.headers},
    )
    assert_taxii_error(response, 413)


def test_body_at_max_content_length_is_accepted(app, client, hub):
    body = b'{"objects": []}'
    app.config["TAXII_MAX_CONTENT_LENGTH"] = len(body)
    assert post(client, f"collections/{hub.shared.id}/objects/", hub.producer, body).status_code == 202


@pytest.mark.parametrize(
    "body, words",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"objects"', "JSON object"),
        (b'{"type": "bundle"}', "objects"),
        (b'{"objects": {"a": 1}}', "objects"),
        (
            b'{"objects": [' + b'{"a":' * 1100 + b"1" + b"}" * 1100 + b"]}",
            "not valid JSON",
        ),  # past orjson's depth
    ],
)
def test_malformed_envelope_is_400(client, hub, body, words):
    error = assert_taxii_error(post(client, f"collections/{hub.shared.id}/objects/", hub.producer, body), 400)
    assert words in error["description"]


@pytest.mark.parametrize(
    "path",
    [
        "/taxii2/nowhere",
        f"{ROOT}/collections/x/y/z/",
        "/taxii2/other-root/",
        f"{ROOT}/status/unknown/",
        f"{ROOT}/collections/unknown/objects/",
    ],
)
def test_unknown_paths_are_404(client, hub, path):
    assert_taxii_error(get(client, path, hub.producer), 404)


@pytest.mark.parametrize(
    "method, path",
    [
        ("PUT", "/"),
        ("POST", "/collections/"),
        ("DELETE", "/"),
        ("PATCH", "/collections/{c}/objects/"),
        ("OPTIONS", "/"),
    ],
)
def test_wrong_method_is_405_with_allow(client, hub, method, path):
    response = client.open(
        ROOT + path.format(c=hub.shared.id), method=method, headers={"Accept": TAXII, **hub.producer.headers}
    )
    assert_taxii_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_crash_is_a_taxii_500(client, hub, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("hub.taxii.views.list_collections_for", explode)
    body = assert_taxii_error(get(client, "collections/", hub.producer), 500)
    assert "boom" not in str(body)


@pytest.mark.parametrize(
    "query",
    [
        "added_after=yesterday",
        "added_after=2026-13-01T00:00:00Z",
        "limit=0",
        "limit=-1",
        "limit=abc",
        "limit=",
        "limit=1.5",
        "next=garbage",
        "match[version]=newest",
        "match[type]=",
        "match[id]=a,,b",
    ],
)
def test_malformed_filters_are_400(client, hub, query):
    assert_taxii_error(get(client, f"collections/{hub.shared.id}/objects/?{query}", hub.reader), 400)


def test_filter_not_taken_by_an_endpoint_is_400(client, hub):
    post(client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [indicator(Tlp.GREEN)]})
    response = get(client, f"collections/{hub.shared.id}/objects/x/versions/?match[version]=all", hub.reader)
    assert_taxii_error(response, 400)


def test_post_to_readable_but_not_writable_collection_is_403(client, hub):
    response = post(
        client, f"collections/{hub.shared.id}/objects/", hub.registered, {"objects": [indicator(Tlp.CLEAR)]}
    )
    assert_taxii_error(response, 403)


def test_get_objects_of_writable_but_unreadable_collection_is_403(client, hub):
    assert_taxii_error(get(client, f"collections/{hub.drop_box.id}/objects/", hub.registered), 403)
    assert_taxii_error(get(client, f"collections/{hub.drop_box.id}/manifest/", hub.registered), 403)


def test_collection_neither_readable_nor_writable_is_404(client, hub, session):
    """For members; the anonymous get 401 instead (tests/taxii/test_conformance.py)."""
    org = hub.producer.user.org.name
    private = make_collection(session, read=[f"org:{org}"], write=[f"org:{org}"])
    session.commit()
    for who in (hub.reader,):
        for path in ("", "objects/", "manifest/", "objects/indicator--x/", "objects/indicator--x/versions/"):
            assert_taxii_error(get(client, f"collections/{private.id}/{path}", who), 404)
        assert_taxii_error(post(client, f"collections/{private.id}/objects/", who, {"objects": []}), 404)
        response = client.delete(
            f"{ROOT}/collections/{private.id}/objects/indicator--x/",
            headers={"Accept": TAXII, **(who.headers if who else {})},
        )
        assert_taxii_error(response, 404)


def test_anonymous_post_to_public_collection_asks_for_credentials(client, hub):
    response = post(client, f"collections/{hub.public.id}/objects/", None, {"objects": []})
    assert_taxii_error(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_post_needs_no_csrf_token_when_the_web_checks_csrf(app, client, hub):
    app.config["WTF_CSRF_ENABLED"] = True
    response = post(
        client, f"collections/{hub.shared.id}/objects/", hub.producer, {"objects": [indicator(Tlp.GREEN)]}
    )
    assert response.status_code == 202


def test_unversioned_path_without_trailing_slash_is_served_not_redirected(client, hub):
    response = get(client, "/taxii2")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == TAXII


def test_head_answers_like_get_without_a_body(client, hub):
    response = client.head(f"{ROOT}/collections/", headers={"Accept": TAXII, **hub.reader.headers})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == TAXII
    assert response.get_data() == b""


def test_body_larger_than_the_web_cap_but_under_max_content_length_is_accepted(client, hub):
    body = b'{"objects": []' + b" " * (12 * 1024 * 1024) + b"}"
    assert post(client, f"collections/{hub.shared.id}/objects/", hub.producer, body).status_code == 202


def test_a_language_parameter_never_gives_a_taxii_client_a_session_cookie(client):
    response = client.get("/taxii2/?lang=ar", headers={"Accept": "application/taxii+json;version=2.1"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_an_object_nested_too_deeply_to_store_fails_alone_in_an_accepted_envelope(client, hub):
    fine, deep = indicator(Tlp.GREEN), indicator(Tlp.GREEN)
    body = orjson.dumps({"objects": [fine]})[:-2] + b"," + orjson.dumps(deep)[:-1]
    body += b',"x_nested":' + b'{"a":' * 300 + b"1" + b"}" * 300 + b"}]}"
    response = post(client, f"collections/{hub.shared.id}/objects/", hub.producer, body)
    assert response.status_code == 202
    status = response.get_json()
    assert [entry["id"] for entry in status["successes"]] == [fine["id"]]
    assert [entry["id"] for entry in status["failures"]] == [deep["id"]]
    assert "254 levels" in status["failures"][0]["message"]
