"""TAXII status resources are kept at least 24 hours, then purged by `hub retention run`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub.cli import main
from hub.db import utcnow
from hub.policy.tlp import Tlp
from hub.stix.models import Submission
from hub.stix.retention import purge_submissions
from tests.factories import indicator, make_collection, make_org, make_user, post


def _age(session, submission, hours):
    submission.created_at = utcnow() - timedelta(hours=hours)
    session.commit()


def test_statuses_older_than_the_retention_go_and_younger_ones_stay(session, runner):
    user = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    old, recent = (post(session, user, collection, [indicator(Tlp.GREEN)]) for _ in range(2))
    _age(session, old, 80)
    _age(session, recent, 30)
    result = runner.invoke(main, ["retention", "run"])
    session.rollback()
    assert result.exit_code == 0, result.output
    assert "purged 1 TAXII status resources older than 72 hours" in result.output
    assert session.scalars(select(Submission.id)).all() == [recent.id]


def test_statuses_are_kept_a_day_whatever_the_setting(session):
    user = make_user(session, make_org(session))
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    _age(session, post(session, user, collection, [indicator(Tlp.GREEN)]), 23)
    assert purge_submissions(session, 1) == 0
    assert session.scalar(select(func.count()).select_from(Submission)) == 1
