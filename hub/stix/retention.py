"""Forgetting TAXII status resources once clients have had time to read them (TAXII 2.1 asks for at least
24 h)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session, scoped_session

from hub.db import utcnow
from hub.stix.models import Submission

MINIMUM_HOURS = 24


def purge_submissions(session: Session | scoped_session[Session], older_than_hours: int) -> int:
    """Delete status resources older than `older_than_hours` (never fewer than 24); returns how many went."""
    cutoff = utcnow() - timedelta(hours=max(older_than_hours, MINIMUM_HOURS))
    result = session.execute(delete(Submission).where(Submission.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
