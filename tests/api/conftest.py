"""Helpers for the JSON API: API tokens and authenticated requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hub.orgs.models import User
from hub.orgs.tokens import issue_token


class Api:
    """Calls `/api/v1/lookup` as a user holding an API token."""

    def __init__(self, client: FlaskClient, secret: str) -> None:
        self.client = client
        self.secret = secret

    def get(self, value: str) -> TestResponse:
        return self.client.get(
            "/api/v1/lookup",
            query_string={"value": value},
            headers={"Authorization": f"Bearer {self.secret}"},
        )

    def post(self, values: list[Any]) -> TestResponse:
        return self.client.post(
            "/api/v1/lookup", json={"values": values}, headers={"Authorization": f"Bearer {self.secret}"}
        )

    def matches(self, value: str) -> list[dict[str, Any]]:
        response = self.get(value)
        assert response.status_code == 200, response.get_data(as_text=True)
        matches: list[dict[str, Any]] = response.json["matches"]
        return matches


@pytest.fixture
def api_as(session: Session, client: FlaskClient) -> Callable[[User], Api]:
    """`api_as(user)`: an API client authenticated with a fresh token of `user`."""

    def make(user: User) -> Api:
        secret = issue_token(session, None, user).secret
        session.commit()
        return Api(client, secret)

    return make
