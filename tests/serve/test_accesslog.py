"""The access log records what happened, never who asked nor a secret link."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from hub.accesslog import PrivateAccessLogger, redact_path

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "RAW_URI": "/join/invite/s3cr3t-t0ken?x=1",
    "PATH_INFO": "/join/invite/s3cr3t-t0ken",
    "QUERY_STRING": "x=1",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "198.51.100.77",
    "HTTP_USER_AGENT": "DistinctiveAgent/9.9",
    "HTTP_REFERER": "https://referrer.example/",
    "HTTP_X_FORWARDED_FOR": "203.0.113.9",
}


def test_no_address_agent_referrer_or_secret_reaches_any_format():
    logger = PrivateAccessLogger(Config())
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "203.0.113.9")])
    atoms = logger.atoms(response, request, ENVIRON, timedelta(milliseconds=3))
    line = " ".join(str(value) for value in atoms.values())
    for secret in ("198.51.100.77", "203.0.113.9", "DistinctiveAgent", "referrer.example", "s3cr3t-t0ken"):
        assert secret not in line
    assert atoms["U"] == "/join/invite/[secret]" and atoms["s"] == "200"


def test_only_secret_segments_are_redacted():
    assert redact_path("/join/status/abc/invite") == "/join/status/[secret]/invite"
    assert redact_path("/taxii2/api/collections/") == "/taxii2/api/collections/"
    assert redact_path("/join/") == "/join/"
