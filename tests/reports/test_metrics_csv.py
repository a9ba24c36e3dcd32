"""The report metrics CSV neutralises formula cells (issue 10, finding 5); see tests/test_csv_cells.py."""

from __future__ import annotations

from hub.reports.metrics import metric_tables
from tests.reports.conftest import file_report
from tests.test_csv_cells import assert_no_formula


def test_the_metrics_csv_neutralises_hostile_labels(session, sealer, world):
    world.platform.name = '=HYPERLINK("https://evil.example","open")'
    session.commit()
    file_report(session, sealer, world)
    for table in metric_tables(session, world.p(session, world.responder)):
        assert_no_formula(table.csv())
    (by_platform,) = [
        t for t in metric_tables(session, world.p(session, world.responder)) if t.name == "by-platform"
    ]
    assert by_platform.csv().splitlines()[1].startswith("\"'=HYPERLINK(")
