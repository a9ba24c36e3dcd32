"""The public transparency aggregates: counts and median response times per quarter, with small counts
suppressed, and all of it as CSV.

Computed from the non-sealed columns only, which retention keeps. Public and anonymous: this module takes no
`Principal` and imports no triage code, so the reporter's side may show it.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.csvcells import writer as csv_writer
from hub.reports.labels import SERVICE_NAMES
from hub.reports.models import Outcome, Report, Status

SUPPRESS_BELOW = 5


@dataclass(frozen=True, slots=True)
class ResponseRow:
    """The median time from receipt to the first reply for one category or platform in one quarter, over
    the reports that got a reply; `median_hours` None when fewer than 5 did (as the counts are suppressed)."""

    quarter: str
    dimension: str  # "category" or "platform"
    label: str
    median_hours: float | None


def response_times(session: Session) -> list[ResponseRow]:
    """Median time to the first reply per quarter, by category and by platform, suppressed below 5 reports."""
    hours: dict[tuple[str, str, str], list[float]] = {}
    for report in all_reports(session):
        if report.first_response_at is None:
            continue
        quarter = quarter_of(report.created_at)
        took = (report.first_response_at - report.created_at).total_seconds() / 3600
        hours.setdefault((quarter, "category", report.category), []).append(took)
        for name in platform_names(report):
            hours.setdefault((quarter, "platform", name), []).append(took)
    return [
        ResponseRow(
            quarter, dimension, label, round(median(values), 2) if len(values) >= SUPPRESS_BELOW else None
        )
        for (quarter, dimension, label), values in sorted(hours.items())
    ]


def transparency_csv(session: Session) -> str:
    """Every public figure as CSV, a line per quarter, table and label (cells neutralised by hub.csvcells)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["quarter", "table", "label", "reports", "median_hours_to_first_reply"])
    for row in transparency(session):
        shown = row.count if row.count is not None else ("withheld" if row.withheld else f"<{SUPPRESS_BELOW}")
        writer.writerow([row.quarter, row.dimension, row.label, shown, ""])
    for times in response_times(session):
        shown_median = (
            f"{times.median_hours:g}" if times.median_hours is not None else f"<{SUPPRESS_BELOW} replies"
        )
        writer.writerow([times.quarter, f"response-{times.dimension}", times.label, "", shown_median])
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


def platform_names(report: Report) -> list[str]:
    """The platforms a report names: member platforms by name, other services by their usual name, each once
    (WhatsApp chosen where its company is a member counts once)."""
    names = [org.name for org in report.platforms]
    for service in filter(None, report.services.split(",")):
        name = SERVICE_NAMES.get(service, service)
        if name.casefold() not in {known.casefold() for known in names}:
            names.append(name)
    return names


def all_reports(session: Session) -> list[Report]:
    """Every report with its platforms and escalations, oldest first."""
    return list(
        session.scalars(
            select(Report)
            .options(selectinload(Report.platforms), selectinload(Report.escalations))
            .order_by(Report.created_at)
        )
    )


def quarter_of(moment: datetime) -> str:
    """`2026-Q4`."""
    return f"{moment.year:04d}-Q{(moment.month - 1) // 3 + 1}"


def transparency(session: Session) -> list[TransparencyRow]:
    """Public counts per quarter by category, outcome and platform; below 5 suppressed; no zeros."""
    counters: dict[tuple[str, str], Counter[str]] = {}
    for report in all_reports(session):
        quarter = quarter_of(report.created_at)
        counters.setdefault((quarter, "category"), Counter())[report.category] += 1
        counters.setdefault((quarter, "outcome"), Counter())[outcome_of(report)] += 1
        for name in platform_names(report):
            counters.setdefault((quarter, "platform"), Counter())[name] += 1
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
