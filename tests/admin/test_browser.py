"""A coordinator approves a quarantined object in a real browser (Playwright, Debian's chromium, JavaScript
off, CSRF on), and a vetted member of another organisation then sees it.

Set HUB_SCREENSHOTS=1 to refresh docs/screenshots/admin-*.png.
"""

from __future__ import annotations

import pyotp
import pytest

from hub.policy.tlp import Tlp
from tests.browser import html, screenshot
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _login(browser, base: str, email: str, totp_secret: str | None = None):  # type: ignore[no-untyped-def]
    page = browser.new_context(java_script_enabled=False, locale="en").new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    if totp_secret:
        page.fill("input[name=code]", pyotp.TOTP(totp_secret).now())
        page.click("main button[type=submit]")
    return page


def test_coordinator_approves_a_quarantined_object_in_the_browser(session, live_url, browser):
    coordination = make_org(session, "Hub Coordination", "trusted", "coordinator")
    coordinator = make_user(session, coordination, "coordinator")
    coordinator.totp_secret = pyotp.random_base32()
    newcomer = make_user(session, make_org(session, "New Voices", "registered"))
    reader = make_user(session, make_org(session, "Rights Watch", "vetted"))
    channel = make_collection(
        session,
        read=["tier:registered"],
        write=["tier:registered"],
        default_tlp=Tlp.GREEN,
        title="Community feed",
    )
    session.commit()
    obj = indicator(Tlp.GREEN, name="Fake login page of a news site")
    post(session, newcomer, channel, [obj])

    page = _login(browser, live_url, coordinator.email, coordinator.totp_secret)
    page.click("nav >> text=Coordination")
    screenshot(page, "admin-coordination")
    page.click("text=Moderation queue")
    assert "Fake login page of a news site" in html(page) and "New Voices" in html(page)
    screenshot(page, "admin-moderation")
    page.click("form[action$='/approve'] button:has-text('Approve')")
    page.wait_for_selector("text=is published.")  # the answer to the form, not the page it was sent from
    assert "is published." in html(page) and "Nothing is waiting." in html(page)

    page.goto(f"{live_url}/admin/orgs/{newcomer.org_id}?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl" and "تغيير المستوى" in html(page)
    screenshot(page, "admin-organisation-ar")

    member = _login(browser, live_url, reader.email)
    member.goto(f"{live_url}/collections/{channel.id}")
    assert "Fake login page of a news site" in html(member)
