"""Every string of the reporting pages, and every message a reporter can be shown, is translated in every
language the hub ships; the reporter's, the responders' and the platforms' pages show no English in them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.reports.metrics import metric_tables
from hub.reports.models import MessageKind, Report
from hub.reports.triage import add_message, escalate
from tests.admin.conftest import log_in
from tests.catalogues import LANGUAGES, ROOT, direction, english_on, strings_under, translated_ids
from tests.reports.conftest import SECRET_TEXT, follow_up, send_report


def _report_form(world) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "category": "phishing",
        "platforms": [f"org:{world.platform.id}"],
        "text": SECRET_TEXT,
        "traces": "https://login-secure-bank.example/verify\n",
        "sharing": "community",
        "may_escalate": "y",
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reporting_pages_and_messages_are_translated(session, world, lang):
    wanted = (
        strings_under(ROOT / "hub" / "reports", "**.py", "python")
        | strings_under(ROOT / "hub" / "templates" / "reports", "**.html", "jinja2")
        | strings_under(ROOT / "hub" / "templates" / "reporter", "**.html", "jinja2")
        | strings_under(ROOT / "hub" / "templates" / "platform", "**.html", "jinja2")
        | {table.title for table in metric_tables(session, world.p(session, world.coordinator))}
    )
    missing = sorted(wanted - translated_ids(lang))
    assert not missing, f"add these to the {lang} catalogue and recompile: {missing}"


def _get(client, path: str, lang: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200, path
    return str(response.get_data(as_text=True))


def _check(page: str, lang: str, where: str) -> None:
    assert f'<html lang="{lang}" dir="{direction(lang)}">' in page, where
    assert not english_on(page, lang), (where, english_on(page, lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_reporters_responders_and_platforms_pages_carry_no_english(app, session, sealer, world, lang):
    """The whole path in one language: the form, an error, the receipt, the follow-up with a reply; the
    helpline's queue, case, publishing and metrics pages; the platform's cases; the transparency page."""
    reporter = app.test_client()
    _check(_get(reporter, "/report", lang), lang, "/report")
    refused, _ = send_report(reporter, {"category": "phishing"}, lang)
    _check(refused, lang, "/report with an error")
    receipt, code = send_report(reporter, _report_form(world), lang)
    assert code, "the report was not filed"
    _check(receipt, lang, "/report/receipt")
    report = session.scalars(select(Report)).one()
    add_message(session, world.p(session, world.responder), sealer, report, MessageKind.REPLY, "ok")
    case = escalate(session, world.p(session, world.responder), sealer, report, world.platform, "act")
    session.commit()
    _check(follow_up(reporter, code, "more"), lang, "/report/follow-up")
    _check(_get(reporter, "/transparency", lang), lang, "/transparency")

    responder = log_in(app, world.responder)
    for path in ("/reports/", f"/reports/{report.id}", f"/reports/{report.id}/publish", "/reports/metrics"):
        _check(_get(responder, path, lang), lang, path)
    coordinator = log_in(app, world.coordinator)
    _check(_get(coordinator, "/reports/helplines", lang), lang, "/reports/helplines")
    platform = log_in(app, world.platform_user)
    for path in ("/platform/cases", f"/platform/cases/{case.id}"):
        _check(_get(platform, path, lang), lang, path)
