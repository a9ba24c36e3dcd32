"""Retention: the free text, contact, traces and messages of closed reports are purged after a number of days.

What the aggregates need (category, language, platforms, timestamps, statuses, outcomes) stays. Idempotent: a
purged report is never touched again, so running it from a timer is safe.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import utcnow
from hub.errors import InvalidInput
from hub.reports.models import Report, Status

DEFAULT_DAYS = 90


def purge_closed(session: Session, days: int, now: datetime | None = None) -> int:
    """Purge closed reports whose closing is older than `days`; returns how many were purged."""
    if days < 0:
        raise InvalidInput("the retention period cannot be negative")
    moment = now or utcnow()
    cutoff = moment - timedelta(days=days)
    reports = session.scalars(
        select(Report).where(
            Report.status == Status.CLOSED.value, Report.closed_at <= cutoff, Report.purged_at.is_(None)
        )
    ).all()
    for report in reports:
        report.sealed = None
        report.has_contact = False
        report.purged_at = moment
        for message in report.messages:
            message.sealed = None
        for escalation in report.escalations:
            escalation.sealed_request = None
            escalation.sealed_answer = None
    if reports:
        record(
            session,
            None,
            "report.purge",
            "report",
            ",".join(str(r.id) for r in reports)[:300],
            days=days,
            count=len(reports),
        )
    session.flush()
    return len(reports)
