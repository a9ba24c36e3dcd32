"""A member of a vetted organisation with a collection it may write, for the import and export tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from click.testing import Result
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from hub.cli import main
from hub.orgs.models import User
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from tests.factories import make_collection, make_org, make_user


@dataclass
class Member:
    user: User
    collection: Collection

    @property
    def email(self) -> str:
        return self.user.email


class Hub:
    """Runs `hub ...` commands against the test app, as an operator would type them."""

    def __init__(self, runner: FlaskCliRunner) -> None:
        self._runner = runner

    def __call__(self, *args: object, input: str | None = None) -> Result:
        return self._runner.invoke(main, [str(a) for a in args], input=input)


@pytest.fixture
def hub(runner: FlaskCliRunner) -> Hub:
    return Hub(runner)


@pytest.fixture
def member(session: Session) -> Member:
    org = make_org(session, name="Importing NGO", tier="vetted")
    user = make_user(session, org, email="analyst@importing.example")
    collection = make_collection(
        session, read=["tier:vetted"], write=["org:Importing NGO"], default_tlp=Tlp.AMBER
    )
    session.commit()
    return Member(user, collection)
