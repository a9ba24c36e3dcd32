"""Retention purges the sealed contents of old closed reports and keeps what the aggregates need."""

from __future__ import annotations

from datetime import timedelta

from hub.cli import main
from hub.db import utcnow
from hub.reports.intake import view_receipt
from hub.reports.models import MessageKind, Status
from hub.reports.retention import purge_closed
from hub.reports.transparency import transparency
from hub.reports.triage import add_message, escalate, get_case, set_status
from tests.reports.conftest import file_report


def test_purges_closed_reports_older_than_the_period_only_once(session, sealer, world):
    p = world.p(session, world.responder)
    old, code = file_report(session, sealer, world)
    add_message(session, p, sealer, old, MessageKind.REPLY, "advice")
    escalate(session, p, sealer, old, world.platform, "please")
    set_status(session, p, old, Status.CLOSED)
    recent, _ = file_report(session, sealer, world)
    set_status(session, p, recent, Status.CLOSED)
    still_open, _ = file_report(session, sealer, world)
    old.closed_at = utcnow() - timedelta(days=91)
    still_open.created_at = utcnow() - timedelta(days=400)
    session.commit()
    before = transparency(session)

    assert purge_closed(session, 90) == 1
    session.commit()
    assert purge_closed(session, 90) == 0
    assert old.sealed is None and old.purged_at is not None and not old.has_contact
    assert all(m.sealed is None for m in old.messages)
    assert all(e.sealed_request is None and e.sealed_answer is None for e in old.escalations)
    assert recent.sealed is not None and still_open.sealed is not None
    assert transparency(session) == before
    case = get_case(session, p, sealer, old.id)
    assert case.contents.purged and case.contents.text == ""
    assert view_receipt(session, sealer, code).contents.purged


def test_retention_command_uses_the_configured_default(app, session, sealer, world, runner):
    report, _ = file_report(session, sealer, world)
    set_status(session, world.p(session, world.responder), report, Status.CLOSED)
    report.closed_at = utcnow() - timedelta(days=10)
    session.commit()
    output = runner.invoke(main, args=["retention", "run"]).output
    assert output.splitlines()[0] == "purged 0 closed reports older than 90 days"
    app.config["REPORTS_RETENTION_DAYS"] = 7
    result = runner.invoke(main, args=["retention", "run"])
    assert result.exit_code == 0 and "purged 1 " in result.output
    assert runner.invoke(main, args=["retention", "run", "--days", "0"]).output.startswith("purged 0 ")


def test_helpline_commands_designate_list_and_remove(session, world, runner):
    assert runner.invoke(main, args=["helpline", "add", "Other NGO"]).exit_code == 0
    listed = runner.invoke(main, args=["helpline", "list"]).output
    assert listed == "Digital Helpline\nOther NGO\n"
    assert runner.invoke(main, args=["helpline", "remove", "Other NGO"]).exit_code == 0
    assert runner.invoke(main, args=["helpline", "list"]).output == "Digital Helpline\n"
    unknown = runner.invoke(main, args=["helpline", "add", "Nobody"])
    assert unknown.exit_code == 1 and "no organisation named 'Nobody'" in unknown.output
