"""Helpers for the web tests: log a user in through the real login form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from hub import create_app
from hub.orgs import passwords
from hub.orgs.models import User
from tests.factories import PASSWORD


class WebActions:
    """Log in and out through the pages, as a person would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, user: User, password: str = PASSWORD, follow: bool = False):  # type: ignore[no-untyped-def]
        response = self.client.post(
            "/login", data={"email": user.email, "password": password}, follow_redirects=follow
        )
        if user.totp_secret and response.status_code == 302 and "/login/code" in response.location:
            response = self.client.post(
                "/login/code", data={"code": pyotp.TOTP(user.totp_secret).now()}, follow_redirects=follow
            )
        return response


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at minimal cost: the web tests log in hundreds of times."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def variant(app: Flask) -> Callable[..., Flask]:
    """Build apps on the same test database with other settings. They share the test app's engine
    (`tests/conftest.py::_one_engine_per_database`), whose connections the `app` fixture closes after the
    test."""

    def build(**overrides: object) -> Flask:
        return create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "SECRET_KEY": "another-test-key",
                "INSTANCE_PATH": app.instance_path,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                **overrides,
            }
        )

    return build


@pytest.fixture
def web(client: FlaskClient) -> WebActions:
    return WebActions(client)


@pytest.fixture
def page(browser: Any, live_url: str) -> Iterator[Any]:
    """A page of the served hub in Chromium with JavaScript off (British English), as the browser tests here
    walk it; closed afterwards."""
    context = browser.new_context(base_url=live_url, locale="en-GB", java_script_enabled=False)
    yield context.new_page()
    context.close()
