"""The monitoring benchmarks: response times, volumes and outcomes, and the public transparency aggregates.

Computed from the non-sealed columns only (category, language, platforms, timestamps, statuses, outcomes),
which retention keeps, so purging old reports never changes the figures.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.policy.principal import Principal
from hub.reports.models import Outcome, Report, Status
from hub.reports.service import N_
from hub.reports.triage import require_responder

SUPPRESS_BELOW = 5
NO_PLATFORM = "(none named)"


@dataclass(frozen=True, slots=True)
class Table:
    """One metric as labelled rows: what a chart draws and a CSV export holds."""

    name: str
    title: str
    unit: str
    rows: list[tuple[str, float]]

    def csv(self) -> str:
        """The rows as CSV with a header line."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["label", self.unit])
        for label, value in self.rows:
            writer.writerow([label, f"{value:g}"])
        return out.getvalue()


@dataclass(frozen=True, slots=True)
class TransparencyRow:
    """One published aggregate. `count` None: hidden, either because it is below 5 (`withheld` False: shown as
    "fewer than 5") or to protect a small count beside it (`withheld` True)."""

    quarter: str
    dimension: str
    label: str
    count: int | None
    withheld: bool = False


def outcome_of(report: Report) -> str:
    """The single outcome a report counts under in the aggregates."""
    answers = {e.outcome for e in report.escalations}
    if Outcome.ACTIONED in answers:
        return "platform-actioned"
    if Outcome.DECLINED in answers:
        return "platform-declined"
    if answers:
        return "escalated"
    if report.published_count:
        return "indicators-shared"
    if report.status in (Status.RESOLVED, Status.CLOSED):
        return "resolved"
    return "open"


def _reports(session: Session) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .options(selectinload(Report.platforms), selectinload(Report.escalations))
            .order_by(Report.created_at)
        )
    )


def _hours(pairs: Iterable[tuple[datetime, datetime | None]]) -> list[float]:
    return [(end - start).total_seconds() / 3600 for start, end in pairs if end is not None]


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else 0.0


def _counted(counter: Counter[str]) -> list[tuple[str, float]]:
    return [(label, float(count)) for label, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def month_of(moment: datetime) -> str:
    """`2026-11`."""
    return f"{moment.year:04d}-{moment.month:02d}"


def quarter_of(moment: datetime) -> str:
    """`2026-Q4`."""
    return f"{moment.year:04d}-Q{(moment.month - 1) // 3 + 1}"


def metric_tables(session: Session, p: Principal) -> list[Table]:
    """Every metric for coordinators and responders. :raises PermissionDenied: `p` is no responder."""
    require_responder(session, p)
    reports = _reports(session)
    escalations = [e for r in reports for e in r.escalations]
    triage = _hours((r.created_at, r.triaged_at) for r in reports)
    response = _hours((r.created_at, r.first_response_at) for r in reports)
    action = _hours((e.escalated_at, e.answered_at) for e in escalations)
    answered = [e for e in escalations if e.outcome != Outcome.PENDING]
    actioned = sum(1 for e in escalations if e.outcome == Outcome.ACTIONED)
    platforms: Counter[str] = Counter()
    for report in reports:
        platforms.update([org.name for org in report.platforms] or [NO_PLATFORM])
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


def metric_table(session: Session, p: Principal, name: str) -> Table | None:
    """One metric by name, or None."""
    return next((t for t in metric_tables(session, p) if t.name == name), None)


def transparency(session: Session) -> list[TransparencyRow]:
    """Public counts per quarter by category, outcome and platform; below 5 suppressed; no zeros."""
    counters: dict[tuple[str, str], Counter[str]] = {}
    for report in _reports(session):
        quarter = quarter_of(report.created_at)
        counters.setdefault((quarter, "category"), Counter())[report.category] += 1
        counters.setdefault((quarter, "outcome"), Counter())[outcome_of(report)] += 1
        for org in report.platforms:
            counters.setdefault((quarter, "platform"), Counter())[org.name] += 1
    rows = []
    for (quarter, dimension), counter in sorted(counters.items()):
        hidden = hidden_cells(counter)
        for label, count in sorted(counter.items()):
            small = count < SUPPRESS_BELOW
            rows.append(
                TransparencyRow(
                    quarter,
                    dimension,
                    label,
                    None if label in hidden else count,
                    withheld=label in hidden and not small,
                )
            )
    return rows


def hidden_cells(counter: Counter[str]) -> set[str]:
    """The labels to hide: every count below 5, plus the smallest others until at least two hidden cells
    sum to 5 or more. Category and outcome each split a quarter's reports, so the total is known whenever one
    of them is fully shown; a lone hidden cell would be the total minus the rest (complementary suppression).
    """
    hidden = {label for label, count in counter.items() if count < SUPPRESS_BELOW}
    if not hidden:
        return hidden
    others = sorted((count, label) for label, count in counter.items() if label not in hidden)
    while others and (len(hidden) < 2 or sum(counter[label] for label in hidden) < SUPPRESS_BELOW):
        hidden.add(others.pop(0)[1])
    return hidden
