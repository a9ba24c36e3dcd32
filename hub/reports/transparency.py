"""The public transparency aggregates: counts per quarter, with small counts suppressed.

Computed from the non-sealed columns only, which retention keeps. Public and anonymous: this module takes no
`Principal` and imports no triage code, so the reporter's side may show it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.reports.labels import SERVICE_NAMES
from hub.reports.models import Outcome, Report, Status

SUPPRESS_BELOW = 5


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
