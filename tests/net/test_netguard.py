"""`hub.netguard`: internal addresses and cross-origin redirects are refused, on a real loopback server."""

from __future__ import annotations

import pytest
import requests
from werkzeug.wrappers import Response

from hub.netguard import BlockedAddress, check_url, guarded_session, is_public_address
from tests.net.upstream import upstream


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_internal_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_are_public(address):
    assert is_public_address(address)


def test_check_url_refuses_loopback_names_unless_allowed():
    for url in ("http://localhost/", "http://127.0.0.1:8080/x", "https://[::1]/", "ftp://example.org/"):
        with pytest.raises(BlockedAddress):
            check_url(url)
    check_url("http://localhost/", allow_private=True)


def test_connecting_to_loopback_is_refused_on_the_socket_unless_allowed():
    with upstream(lambda request: Response("inside")) as server:
        with pytest.raises(BlockedAddress, match="internal address"):
            guarded_session().get(server.url, timeout=5)
        assert server.requests == []
        assert guarded_session(allow_private=True).get(server.url, timeout=5).text == "inside"


def test_redirects_stay_within_one_origin():
    with upstream(lambda request: Response("secret admin page")) as inner:

        def redirect(request):
            if request.path == "/same":
                return Response("", status=302, headers={"Location": "/landed"})
            if request.path == "/landed":
                return Response("landed")
            return Response("", status=302, headers={"Location": inner.url + "internal/admin/"})

        with upstream(redirect) as outer:
            session = guarded_session(allow_private=True)
            assert session.get(outer.url + "same", timeout=5).text == "landed"
            with pytest.raises(BlockedAddress, match="another origin"):
                session.get(outer.url + "away", timeout=5)
            assert inner.requests == []
            plain = guarded_session(allow_private=True, session=requests.Session())
            with pytest.raises(BlockedAddress):
                plain.get(outer.url + "away", timeout=5)
