"""The monitoring benchmarks for responders: response times, volumes and outcomes (the public aggregates are
in `hub.reports.transparency`).

Computed from the non-sealed columns only (category, language, platforms, timestamps, statuses, outcomes),
which retention keeps, so purging old reports never changes the figures.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hub.csvcells import writer as csv_writer
from hub.markers import N_
from hub.policy.principal import Principal
from hub.reports.models import Outcome, Report
from hub.reports.transparency import all_reports, outcome_of, platform_names
from hub.reports.triage import require_responder

NO_PLATFORM = "(none named)"


@dataclass(frozen=True, slots=True)
class Table:
    """One metric as labelled rows: what a chart draws and a CSV export holds."""

    name: str
    title: str
    unit: str
    rows: list[tuple[str, float]]

    def csv(self) -> str:
        """The rows as CSV with a header line; labels (platform names...) that a spreadsheet would run as a
        formula get a leading `'` (`hub.csvcells`)."""
        out = io.StringIO()
        writer = csv_writer(out)
        writer.writerow(["label", self.unit])
        for label, value in self.rows:
            writer.writerow([label, f"{value:g}"])
        return out.getvalue()


def _hours(pairs: Iterable[tuple[datetime, datetime | None]]) -> list[float]:
    return [(end - start).total_seconds() / 3600 for start, end in pairs if end is not None]


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else 0.0


def _counted(counter: Counter[str]) -> list[tuple[str, float]]:
    return [(label, float(count)) for label, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def month_of(moment: datetime) -> str:
    """`2026-11`."""
    return f"{moment.year:04d}-{moment.month:02d}"


@dataclass(frozen=True, slots=True)
class Period:
    """Reports received from `start` (inclusive) to `end` (exclusive); None: unbounded."""

    start: datetime | None = None
    end: datetime | None = None

    def holds(self, moment: datetime) -> bool:
        """True when a report received at `moment` counts."""
        return (self.start is None or moment >= self.start) and (self.end is None or moment < self.end)


def response_by_platform(reports: list[Report]) -> list[tuple[str, float]]:
    """Median hours from receipt to the first response, per platform named (reports that got one)."""
    hours: dict[str, list[float]] = {}
    for report in reports:
        if report.first_response_at is not None:
            for name in platform_names(report) or [NO_PLATFORM]:
                hours.setdefault(name, []).extend(_hours([(report.created_at, report.first_response_at)]))
    return sorted(((name, _median(values)) for name, values in hours.items()), key=lambda kv: (-kv[1], kv[0]))


def metric_tables(session: Session, p: Principal, period: Period | None = None) -> list[Table]:
    """Every metric for coordinators and responders, over reports received in `period`.

    :raises PermissionDenied: `p` is no responder.
    """
    require_responder(session, p)
    reports = [r for r in all_reports(session) if (period or Period()).holds(r.created_at)]
    escalations = [e for r in reports for e in r.escalations]
    triage = _hours((r.created_at, r.triaged_at) for r in reports)
    response = _hours((r.created_at, r.first_response_at) for r in reports)
    action = _hours((e.escalated_at, e.answered_at) for e in escalations)
    answered = [e for e in escalations if e.outcome != Outcome.PENDING]
    actioned = sum(1 for e in escalations if e.outcome == Outcome.ACTIONED)
    platforms: Counter[str] = Counter()
    for report in reports:
        platforms.update(platform_names(report) or [NO_PLATFORM])
    return [
        Table(
            "response-times",
            N_("Median response times"),
            "hours",
            [
                ("time to triage", _median(triage)),
                ("time to first response", _median(response)),
                ("escalation to platform answer", _median(action)),
            ],
        ),
        Table(
            "response-by-platform",
            N_("Median time to first response, by platform"),
            "hours",
            response_by_platform(reports),
        ),
        Table(
            "by-month",
            N_("Reports by month"),
            "reports",
            sorted(_counted(Counter(month_of(r.created_at) for r in reports))),
        ),
        Table(
            "by-category",
            N_("Reports by category"),
            "reports",
            _counted(Counter(r.category for r in reports)),
        ),
        Table("by-platform", N_("Reports by platform"), "reports", _counted(platforms)),
        Table(
            "by-language",
            N_("Reports by language"),
            "reports",
            _counted(Counter(r.language for r in reports)),
        ),
        Table(
            "outcomes", N_("Reports by outcome"), "reports", _counted(Counter(outcome_of(r) for r in reports))
        ),
        Table(
            "escalations",
            N_("Escalations to platforms"),
            "escalations",
            [
                ("escalated", float(len(escalations))),
                ("answered", float(len(answered))),
                ("actioned", float(actioned)),
                ("share actioned (%)", round(100 * actioned / len(escalations), 1) if escalations else 0.0),
            ],
        ),
    ]


def metric_table(session: Session, p: Principal, name: str, period: Period | None = None) -> Table | None:
    """One metric by name, or None."""
    return next((t for t in metric_tables(session, p, period) if t.name == name), None)
