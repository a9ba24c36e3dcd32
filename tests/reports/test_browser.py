"""The whole reporting path in a real browser (Playwright driving Debian's chromium), CSRF on, no JavaScript
needed.

An anonymous reporter files in Arabic and gets a code; a responder triages and replies; the reporter reads the
reply with the code; the responder publishes indicators at the consented TLP and escalates; the platform
records "actioned"; the metrics and the transparency page change accordingly.
"""

from __future__ import annotations

import pytest

from hub.orgs.service import set_password
from hub.policy.tlp import Tlp
from tests.browser import html, option_texts
from tests.factories import PASSWORD, make_collection

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARABIC_TEXT = "وصلتني رسالة تطلب كلمة المرور من صفحة تشبه صفحة المنصة"
TRACE = "https://example-social-login.example/verify"


def _login(browser, base: str, email: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(java_script_enabled=False, locale="en").new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    return page


def test_report_to_platform_action_end_to_end(session, world, live_url, browser):
    set_password(world.responder, PASSWORD)
    set_password(world.platform_user, PASSWORD)
    collection = make_collection(
        session,
        read=["tier:registered"],
        write=[f"org:{world.helpline.name}"],
        default_tlp=Tlp.AMBER,
        title="Helpline indicators",
    )
    session.commit()
    public = browser.new_context(java_script_enabled=False).new_page()
    public.goto(f"{live_url}/transparency")
    assert "No reports yet." in html(public)

    # An anonymous reporter files in Arabic, without JavaScript, and gets a code.
    reporter = browser.new_context(java_script_enabled=False, locale="ar").new_page()
    reporter.goto(f"{live_url}/report?lang=ar")
    assert reporter.get_attribute("html", "dir") == "rtl"
    reporter.check("input[name=category][value=phishing]")
    reporter.check(f"input[name=platforms][value='org:{world.platform.id}']")
    reporter.fill("textarea[name=text]", ARABIC_TEXT)
    reporter.fill("textarea[name=traces]", TRACE)
    reporter.check("input[name=sharing][value=community]")
    reporter.check("input[name=may_escalate]")
    reporter.click("main form button[type=submit]")
    code = reporter.inner_text("#receipt-code")
    assert len(code) == 29 and code not in reporter.url

    # A responder triages and replies.
    responder = _login(browser, live_url, world.responder.email)
    responder.goto(f"{live_url}/reports/")
    responder.click("table a")
    case_url = responder.url
    assert ARABIC_TEXT in html(responder)
    responder.select_option("select[name=status]", "in-progress")
    responder.click("text=Change status")
    responder.fill("textarea[name=text]", "Do not enter your password; we are reporting the page.")
    responder.click("form[action$='/message'] button[type=submit]")
    assert "Reply sent." in html(responder)

    # The reporter reads the reply with the code (POSTed, never in the URL).
    reporter.goto(f"{live_url}/report/follow-up")
    reporter.fill("input[name=code]", code.lower())
    reporter.click("main form button[type=submit]")
    assert "Do not enter your password" in html(reporter)
    assert code not in reporter.url

    # The responder publishes indicators at the consented TLP (CLEAR is not offered) and escalates.
    responder.goto(case_url)
    responder.click("text=Choose what to publish")
    offered = option_texts(responder, "select[name=tlp]")
    assert "TLP:CLEAR" not in offered and "TLP:GREEN" in offered
    responder.select_option("select[name=collection]", collection.id)
    responder.select_option("select[name=tlp]", str(int(Tlp.GREEN)))
    responder.click("main form button[value=publish]")
    assert "Sharing result" in html(responder) and "Refused" not in html(responder)
    responder.goto(case_url)
    responder.fill("textarea[name=request]", "Please take down the phishing page.")
    responder.click("form[action$='/escalate'] button[type=submit]")
    assert "Escalated to Example Social" in html(responder)

    # The platform sees the consented fields only, and records "actioned".
    platform = _login(browser, live_url, world.platform_user.email)
    platform.goto(f"{live_url}/platform/cases")
    platform.click("table a")
    assert TRACE in html(platform) and "Please take down" in html(platform)
    platform.check("input[name=outcome][value=actioned]")
    platform.fill("textarea[name=note]", "Page removed.")
    platform.click("main form button[type=submit]")
    assert "Your answer was recorded." in html(platform)

    # Responders see the outcome; metrics and the transparency page change.
    responder.goto(case_url)
    assert "Example Social: Actioned" in html(responder) and "Page removed." in html(responder)
    csv = responder.request.get(f"{live_url}/reports/metrics/escalations.csv").text()
    assert "actioned,1" in csv and "share actioned (%),100" in csv
    public.goto(f"{live_url}/transparency")
    page = html(public)
    assert "Platform took action" in page and "fewer than 5" in page and ARABIC_TEXT not in page
