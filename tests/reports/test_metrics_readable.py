"""Metrics people read: durations in minutes/hours/days, a date range, response times per platform; the public
page adds suppressed median response times and a CSV whose cells cannot run as formulas."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hub.orgs.service import set_password
from hub.reports.labels import duration
from hub.reports.metrics import Period, metric_table
from hub.reports.transparency import response_times, transparency_csv
from tests.factories import PASSWORD, make_org
from tests.reports.conftest import file_report


@pytest.mark.parametrize(
    ("hours", "shown"), [(0.75, "45 min"), (5 + 20 / 60, "5 h 20 min"), (76, "3 days 4 h"), (0, "0 min")]
)
def test_durations_are_written_for_people(app, hours, shown):
    with app.test_request_context():
        assert duration(hours) == shown


def _replied(session, sealer, world, count, created, replied_h, **kwargs):
    for _ in range(count):
        report, _code = file_report(session, sealer, world, **kwargs)
        report.created_at = created
        report.first_response_at = created + timedelta(hours=replied_h)
    session.commit()


def test_the_date_range_and_the_per_platform_response_times(session, sealer, world):
    _replied(session, sealer, world, 2, datetime(2026, 3, 1, 8), 2)
    _replied(session, sealer, world, 1, datetime(2026, 6, 1, 8), 30)
    p = world.p(session, world.responder)
    everything = metric_table(session, p, "response-by-platform")
    march = metric_table(
        session, p, "response-by-platform", Period(datetime(2026, 3, 1), datetime(2026, 4, 1))
    )
    assert everything.rows == [("Example Social", 2.0)]
    assert march.rows == [("Example Social", 2.0)]
    june = metric_table(session, p, "by-month", Period(datetime(2026, 6, 1), None))
    assert june.rows == [("2026-06", 1.0)]


def test_metrics_page_takes_a_date_range_and_shows_durations(client, session, sealer, world):
    set_password(world.responder, PASSWORD)
    _replied(session, sealer, world, 1, datetime(2026, 3, 1, 8), 1.5)
    client.post("/login", data={"email": world.responder.email, "password": PASSWORD})
    responder_client = client
    html = responder_client.get("/reports/metrics?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert "1 h 30 min" in html and 'value="2026-03-01"' in html and "start=2026-03-01" in html
    assert "From receipt to the first reply" in html and ">time to first response<" not in html
    assert responder_client.get("/reports/metrics?start=March").status_code == 400


def test_transparency_shows_median_reply_times_only_over_five_reports(client, session, sealer, world):
    _replied(session, sealer, world, 5, datetime(2026, 3, 1, 8), 3, category="phishing")
    _replied(session, sealer, world, 2, datetime(2026, 3, 2, 8), 50, category="harassment")
    times = {(t.dimension, t.label): t.median_hours for t in response_times(session)}
    assert times[("category", "phishing")] == 3.0 and times[("category", "harassment")] is None
    html = client.get("/transparency").get_data(as_text=True)
    assert "3 h 0 min" in html and "fewer than 5 replies" in html and '<td class="num">' in html
    assert "50 h" not in html and "2 days" not in html


def test_the_transparency_csv_cannot_run_formulas(client, session, sealer, world):
    world.platform.name = '=HYPERLINK("http://evil.example")'
    make_org(session, "Plain NGO")
    _replied(session, sealer, world, 5, datetime(2026, 3, 1, 8), 3)
    response = client.get("/transparency.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    assert transparency_csv(session).splitlines()[0].startswith("quarter,table,label")
