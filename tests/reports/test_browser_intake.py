"""A reporter whose session expires mid-report loses nothing and files once (a real browser, no JavaScript,
a phone-sized screen), in every language the hub ships: LANGUAGES has a row per catalogue under
hub/translations/ (and English), and a catalogue without a row fails."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.reports.models import Report
from tests.browser import html, screenshot
from tests.catalogues import LANGUAGES as CATALOGUES
from tests.catalogues import direction, translate
from tests.reports.conftest import SEND_AGAIN

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
# What a reporter types in each language: a catalogue added under hub/translations/ without a line here fails
# test_every_language_has_a_row, so every shipped language takes this path in the browser.
TYPED = {
    "en": "An unknown number asked me for my verification code, then my account was taken over.",
    "ar": "وصلتني رسالة من رقم مجهول تطلب رمز التحقق، ثم سُرق حسابي.",
    "fa": "یک شمارهٔ ناشناس کد تأییدم را خواست و بعد حسابم از دستم رفت؛ نمی‌دانم چه کسی پشتش است.",
    "fr": "Un numéro inconnu m’a demandé mon code de vérification, puis mon compte a été piraté.",
    "es": "Un número desconocido me pidió mi código de verificación y luego me robaron la cuenta.",
}
# language, text typed, the "press Send again" notice, the direction of the page
LANGUAGES = [
    pytest.param(
        lang,
        TYPED[lang],
        translate(lang, SEND_AGAIN) if lang != "en" else SEND_AGAIN,
        direction(lang),
        id=lang,
    )
    for lang in ["en", *CATALOGUES]
    if lang in TYPED
]


def test_every_language_has_a_row():
    assert [row.id for row in LANGUAGES] == ["en", *CATALOGUES]
    assert {"ar", "fa"} <= set(CATALOGUES) and direction("fa") == "rtl"


@pytest.mark.parametrize(("lang", "text", "again", "direction"), LANGUAGES)
def test_expired_session_keeps_the_report_and_files_it_once(
    session, world, live_url, browser, lang, text, again, direction
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale=lang)
    # The favicon's 404 answers with a session cookie; a late one could set it again after it is cleared
    # below, and the form would not be expired at all: the browser is not to ask for it here.
    context.route("**/favicon.ico", lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{live_url}/report?lang={lang}")
    screenshot(page, f"report-1-form-{lang}")
    page.check("input[name=category][value=account-compromise]")
    page.fill("textarea[name=text]", text)
    # the page's own late requests (the favicon's 404 answers with a session cookie) must be done first, or
    # one of them can set the cookie again after it was cleared and the form is not expired at all
    page.wait_for_load_state("networkidle")
    context.clear_cookies()  # the session is gone: browser restart, private tab, hours of typing

    page.click("main form button[type=submit]")
    assert page.get_attribute("html", "dir") == direction and again in page.inner_text("main")
    assert page.input_value("textarea[name=text]") == text
    assert "CSRF" not in html(page) and _reports(session) == 0
    screenshot(page, f"report-2-send-again-{lang}")

    page.click("main form button[type=submit]")
    code = page.inner_text("#receipt-code")
    assert len(code) == 29 and code not in page.url and page.url.endswith("/report/receipt")
    assert _lines_of(page, "#receipt-code") == 1  # one line on a phone: a split code is easily copied wrongly
    screenshot(page, f"report-3-receipt-{lang}")
    page.reload()
    assert page.inner_text("#receipt-code") == code and _reports(session) == 1
    page.check("input[name=written_down]")
    page.click("main form button[type=submit]")
    assert page.url.endswith("/report/follow-up") and code not in html(page)
    screenshot(page, f"report-4-follow-up-{lang}")
    assert _reports(session) == 1
    context.close()


def _lines_of(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    """How many lines the text of an element is laid out on (Playwright evaluates with page scripts off)."""
    lines = (
        "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length }"
    )
    return int(page.locator(selector).evaluate(lines))


def _reports(session) -> int:
    session.rollback()  # end the test's transaction: the server committed in its own
    return session.scalar(select(func.count()).select_from(Report))
