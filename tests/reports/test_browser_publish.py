"""Publishing from a report through the per-trace form, in a real browser without JavaScript: the reporter's
own number is flagged and not published by default, the TLP offered never exceeds the reporter's choice, and
the result links to what was published."""

from __future__ import annotations

import pytest

from hub.orgs.service import set_password
from hub.policy.tlp import Tlp
from hub.stix.query import ObjectFilter, list_versions
from tests.browser import html, option_texts, screenshot
from tests.factories import PASSWORD, make_collection
from tests.reports.conftest import file_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
OWN_NUMBER = "+961 70 123 456"
URL = "https://login-secure-bank.example/verify"


def test_publish_from_a_report_without_json_and_without_the_victims_number(
    session, sealer, world, live_url, browser
):
    set_password(world.responder, PASSWORD)
    report, _ = file_report(
        session,
        sealer,
        world,
        share=Tlp.GREEN,
        traces=f"{URL}\n+96170123456\n",
        contact=f"signal: {OWN_NUMBER}",
    )
    channel = make_collection(
        session,
        read=["tier:vetted"],
        write=[f"org:{world.helpline.name}"],
        default_tlp=Tlp.AMBER,
        title="Phishing",
    )
    session.commit()
    page = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en").new_page()
    page.goto(f"{live_url}/login")
    page.fill("input[name=email]", world.responder.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{live_url}/reports/{report.id}")
    page.click("text=Choose what to publish")

    assert "may be the victim's own number" in html(page) and "<textarea" not in html(page)
    assert page.is_checked("input[name=trace][value='0']") and not page.is_checked(
        "input[name=trace][value='1']"
    )
    offered = option_texts(page, "select[name=tlp]")
    assert "TLP:CLEAR" not in offered and offered[0] == "TLP:GREEN"
    assert "Who will be able to read it" in html(page) and "Channel" in html(page)
    page.fill("input[name='name-0']", "Fake bank login page")
    page.select_option("select[name=collection]", channel.id)
    screenshot(page, "publish-from-report-en")
    page.click("main form button[value=publish]")

    assert "Sharing result" in html(page) and "Refused" not in html(page)
    page.get_by_role("link", name="See what you just shared").click()  # a summary, then the channel filtered
    page.get_by_role("link", name="Fake bank login page").first.click()
    assert "Fake bank login page" in html(page)
    session.rollback()
    bodies = "\n".join(
        v.body
        for v in list_versions(
            session, world.p(session, world.responder), channel.id, ObjectFilter(), limit=50
        ).items
    )
    # The victim's number in any of its forms; "961" alone also turns up inside random UUIDs.
    assert "login-secure-bank.example" in bodies
    assert not any(form in bodies for form in ("70123456", "70 123 456", "+961", "96170"))
