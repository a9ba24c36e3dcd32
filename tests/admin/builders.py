"""Fast builders for the admin and moderation tests: users without a password (no argon2 cost)."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from hub.orgs import service as orgs
from hub.orgs.models import Organisation, User

_counter = itertools.count(1)


def user(session: Session, org: Organisation, role: str = "member") -> User:
    """A user of `org` with no password (web tests that log in use `tests.factories.make_user`)."""
    domain = org.name.lower().replace(" ", "-")
    return orgs.add_user(session, None, f"person{next(_counter)}@{domain}.example", org, role)
