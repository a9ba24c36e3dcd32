"""Free text is drawn for people: Arabic on an English page and English on an Arabic page each run in their
own direction, in the page's proportional font, wrapped between words (never inside one), and dates keep their
order on right-to-left pages. Chromium at 390x844."""

from __future__ import annotations

import pytest

from hub.orgs.service import set_password
from hub.reports.models import MessageKind
from hub.reports.triage import add_message
from tests.factories import PASSWORD
from tests.reports.conftest import file_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
ARABIC = (
    "وصلتني رسالة من رقم مجهول تطلب مني رمز التحقق الخاص بحسابي، وبعد دقائق لم أعد أستطيع الدخول إلى "
    "الحساب، ثم بدأ أصدقائي يتلقون رسائل باسمي تطلب منهم المال بشكل عاجل"
)
ENGLISH = (
    "Someone who said they worked for the platform asked for my verification code and then my account "
    "started sending messages to my friends asking them for money urgently"
)
# For each word of the block: how many line boxes it spans (1 = not split), and the block's computed style.
MEASURE = """(el) => {
  const text = el.firstChild; const words = []; let start = 0;
  for (const part of text.data.split(' ')) {
    const range = document.createRange();
    range.setStart(text, start); range.setEnd(text, start + part.length);
    const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
    words.push([part, tops.size]); start += part.length + 1;
  }
  const style = getComputedStyle(el);
  return {words, direction: style.direction, whiteSpace: style.whiteSpace, font: style.fontFamily,
          lines: Math.round(el.getBoundingClientRect().height / parseFloat(style.lineHeight))};
}"""


def _check(block, direction: str) -> None:
    measured = block.evaluate(MEASURE)
    assert measured["direction"] == direction
    assert measured["whiteSpace"] == "pre-wrap" and "mono" not in measured["font"].lower()
    assert measured["lines"] > 2  # it did wrap at 390 px ...
    split = [word for word, lines in measured["words"] if lines != 1]
    assert split == []  # ... between words only


def test_arabic_on_an_english_page_and_english_on_an_arabic_page(session, sealer, world, live_url, browser):
    set_password(world.responder, PASSWORD)
    report, code = file_report(session, sealer, world, text=ARABIC, language="ar")
    add_message(session, world.p(session, world.responder), sealer, report, MessageKind.REPLY, ENGLISH)
    session.commit()

    responder = browser.new_context(viewport=PHONE, locale="en").new_page()
    responder.goto(f"{live_url}/login?lang=en")
    responder.fill("input[name=email]", world.responder.email)
    responder.fill("input[name=password]", PASSWORD)
    responder.click("main button[type=submit]")
    responder.goto(f"{live_url}/reports/{report.id}")
    assert responder.get_attribute("html", "dir") == "ltr"
    _check(responder.locator("div.user-text").first, "rtl")

    reporter = browser.new_context(viewport=PHONE, locale="ar").new_page()
    reporter.goto(f"{live_url}/report/follow-up?lang=ar")
    reporter.fill("input[name=code]", code)
    reporter.click("main form button[type=submit]")
    reporter.wait_for_load_state("load")  # the answer's stylesheet too: the styles are what is checked
    assert reporter.get_attribute("html", "dir") == "rtl"
    _check(reporter.locator("article div.user-text").first, "ltr")
    date = reporter.locator("article bdi").first
    assert date.evaluate("(el) => getComputedStyle(el).direction") == "ltr"
    assert date.inner_text().endswith("UTC") and date.inner_text()[:2] == "20"
