"""Response-time metrics, outcomes, and the suppressed public aggregates."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from hub.errors import PermissionDenied
from hub.reports.metrics import metric_table, metric_tables
from hub.reports.models import Escalation, MessageKind, Outcome, Report
from hub.reports.transparency import hidden_cells, outcome_of, quarter_of, transparency
from hub.reports.triage import add_message, answer_escalation, escalate
from tests.reports.conftest import file_report


def _at(report: Report, created: datetime, triaged_h: float, replied_h: float) -> None:
    report.created_at = created
    report.triaged_at = created + timedelta(hours=triaged_h)
    report.first_response_at = created + timedelta(hours=replied_h)


def test_metrics_are_for_responders_only(session, world):
    with pytest.raises(PermissionDenied):
        metric_tables(session, world.p(session, world.platform_user))


def test_median_times_to_triage_first_response_and_platform_action(session, sealer, world):
    base = datetime(2026, 3, 1, 8, 0)
    for triaged, replied in ((1, 2), (3, 6), (5, 10)):
        report, _ = file_report(session, sealer, world)
        _at(report, base, triaged, replied)
    escalation = Escalation(
        report=report,
        platform=world.platform,
        escalated_at=base,
        outcome="actioned",
        answered_at=base + timedelta(hours=48),
    )
    session.add(escalation)
    session.commit()
    rows = dict(metric_table(session, world.p(session, world.coordinator), "response-times").rows)
    assert rows == {
        "time to triage": 3.0,
        "time to first response": 6.0,
        "escalation to platform answer": 48.0,
    }


def test_volumes_by_category_language_platform_and_month_with_csv(session, sealer, world):
    first, _ = file_report(session, sealer, world, category="spyware", language="ar")
    file_report(session, sealer, world, category="spyware", language="ar")
    file_report(session, sealer, world, category="phishing")
    first.created_at = datetime(2026, 1, 15)
    session.commit()
    tables = {t.name: t for t in metric_tables(session, world.p(session, world.responder))}
    assert dict(tables["by-category"].rows) == {"spyware": 2, "phishing": 1}
    assert dict(tables["by-language"].rows) == {"ar": 2, "en": 1}
    assert dict(tables["by-platform"].rows) == {"Example Social": 3}
    assert tables["by-month"].rows[0] == ("2026-01", 1)
    assert tables["by-category"].csv() == "label,reports\nspyware,2\nphishing,1\n"


def test_share_of_escalations_actioned(session, sealer, world):
    p = world.p(session, world.responder)
    platform = world.p(session, world.platform_user)
    for outcome in (Outcome.ACTIONED, Outcome.DECLINED, Outcome.ACTIONED, None):
        report, _ = file_report(session, sealer, world)
        escalation = escalate(session, p, sealer, report, world.platform, "x")
        session.commit()
        if outcome is not None:
            answer_escalation(session, platform, sealer, escalation.id, outcome, "")
    session.commit()
    rows = dict(metric_table(session, p, "escalations").rows)
    assert rows == {"escalated": 4, "answered": 3, "actioned": 2, "share actioned (%)": 50.0}


def test_outcome_prefers_platform_action_then_sharing_then_resolution(session, sealer, world):
    report, _ = file_report(session, sealer, world)
    assert outcome_of(report) == "open"
    report.status = "resolved"
    assert outcome_of(report) == "resolved"
    report.published_count = 3
    assert outcome_of(report) == "indicators-shared"
    add_message(session, world.p(session, world.responder), sealer, report, MessageKind.REPLY, "x")
    report.escalations.append(Escalation(platform=world.platform, outcome="declined"))
    assert outcome_of(report) == "platform-declined"
    report.escalations.append(Escalation(platform=world.platform, outcome="actioned"))
    assert outcome_of(report) == "platform-actioned"


def test_transparency_suppresses_counts_below_five_per_quarter(session, sealer, world):
    for _ in range(6):
        file_report(session, sealer, world, category="phishing")
    for _ in range(5):
        file_report(session, sealer, world, category="impersonation")
    for _ in range(2):
        report, _ = file_report(session, sealer, world, category="spyware")
    session.commit()
    quarter = quarter_of(report.created_at)
    rows = {(r.dimension, r.label): r for r in transparency(session) if r.quarter == quarter}
    assert rows[("category", "phishing")].count == 6
    assert rows[("category", "spyware")].count is None and not rows[("category", "spyware")].withheld
    assert rows[("platform", "Example Social")].count == 13
    assert rows[("outcome", "open")].count == 13
    assert ("category", "harassment") not in rows


def test_a_lone_small_count_is_protected_by_withholding_the_next_smallest(session, sealer, world):
    """Outcome shows the quarter's total (13), so a single hidden category would be 13 minus the others."""
    for _ in range(6):
        file_report(session, sealer, world, category="phishing")
    for _ in range(5):
        file_report(session, sealer, world, category="impersonation")
    for _ in range(2):
        report, _ = file_report(session, sealer, world, category="spyware")
    session.commit()
    rows = {r.label: r for r in transparency(session) if r.dimension == "category"}
    assert rows["impersonation"].count is None and rows["impersonation"].withheld
    assert rows["phishing"].count == 6


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"a": 9, "b": 7}, set()),
        ({"a": 9, "b": 7, "c": 1}, {"c", "b"}),
        ({"a": 9, "b": 1, "c": 1}, {"b", "c", "a"}),
        ({"a": 9, "b": 2, "c": 3}, {"b", "c"}),
        ({"a": 3}, {"a"}),
    ],
)
def test_hidden_cells_are_never_alone_and_never_sum_below_five(counts, hidden):
    assert hidden_cells(Counter(counts)) == hidden


def test_quarters_are_calendar_quarters():
    assert quarter_of(datetime(2026, 3, 31)) == "2026-Q1"
    assert quarter_of(datetime(2026, 10, 1)) == "2026-Q4"
