"""The hub in real headless Chromium (Playwright): second-factor login, sharing, who sees it, Arabic.

Run with `HUB_SCREENSHOTS=1` to refresh the screenshots under docs/screenshots/.
"""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from hub.policy.tlp import Tlp
from tests.browser import screenshot
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = pytest.mark.browser


def _login(page: Any, email: str, secret: str | None = None) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if secret:
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Continue").click()
    assert page.locator("h1").inner_text() == "What is new"


def _logout(page: Any) -> None:
    page.get_by_role("button", name="Log out").click()


@pytest.fixture
def world(session: Any) -> dict[str, Any]:
    author = make_user(
        session,
        make_org(session, "Frontline Rights Watch", tier="vetted"),
        email="researcher@rightswatch.example",
    )
    author.totp_secret = pyotp.random_base32()
    platform = make_user(
        session,
        make_org(session, "Example Social", tier="vetted", org_type="platform"),
        email="trust-safety@social.example",
    )
    newcomer_org = make_org(session, "New Voices Collective", tier="registered", org_type="hrd")
    newcomer = make_user(session, newcomer_org, email="member@newvoices.example")
    channel = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], title="Community threat feed"
    )
    channel.description = "Indicators shared among members."
    post(
        session,
        author,
        channel,
        [
            indicator(Tlp.CLEAR, name="Fake helpline number", value="helpline-update.net"),
            indicator(Tlp.GREEN, name="Spyware delivery domain", value="cdn-sync.app"),
        ],
    )
    session.commit()
    return {"author": author, "platform": platform, "newcomer": newcomer, "channel": channel}


def test_share_with_second_factor_and_see_it_only_where_allowed(page: Any, world: dict[str, Any]) -> None:
    channel = world["channel"]
    page.goto("/login")
    screenshot(page, "login")
    _login(page, world["author"].email, world["author"].totp_secret)
    screenshot(page, "home")
    page.goto(f"/share/{channel.id}")
    screenshot(page, "share")
    page.get_by_label("What you observed").select_option("domain")
    page.get_by_label("Value", exact=True).fill("account-verify.example-login.net")
    page.get_by_label("What it is").fill("Phishing page imitating a webmail login")
    page.locator("#threat").fill("Webmail phishing wave")  # the list form below has its own (#bulk-threat)
    page.locator("#tlp").select_option("amber")
    page.get_by_role("button", name="Preview", exact=True).click()
    summary = page.locator(".summary").inner_text()
    assert "TLP:AMBER" in summary and "2 organisations" in summary
    page.get_by_label("A new one named “Webmail phishing wave”").check()  # nothing by that name yet
    screenshot(page, "share-preview")
    page.get_by_role("button", name="Share", exact=True).click()
    assert "3 of 3 objects stored" in page.locator("main").inner_text()  # the threat and its link too
    _logout(page)

    _login(page, world["platform"].email)
    page.goto(f"/collections/{channel.id}")
    assert page.get_by_role("link", name="Phishing page imitating a webmail login").count() == 1
    screenshot(page, "browse")
    page.get_by_role("link", name="Phishing page imitating a webmail login").click()
    assert "TLP:AMBER" in page.locator("main").inner_text()
    screenshot(page, "object")
    _logout(page)

    _login(page, world["newcomer"].email)
    page.goto(f"/collections/{channel.id}")
    assert page.get_by_role("link", name="Phishing page imitating a webmail login").count() == 0
    assert page.get_by_role("link", name="Fake helpline number").count() == 1


def test_arabic_pages_are_right_to_left_and_mirrored(page: Any, world: dict[str, Any]) -> None:
    _login(page, world["platform"].email)
    page.get_by_role("button", name="العربية").click()
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    assert page.locator("h1").inner_text() == "ما الجديد"
    # the layout mirrors: the brand sits at the right edge, the account links at the left
    width = page.viewport_size["width"]
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] + brand["width"] > width / 2
    screenshot(page, "home-ar")
    page.goto(f"/collections/{world['channel'].id}")
    assert page.locator("html").get_attribute("dir") == "rtl"  # the choice persists
    assert "TLP:GREEN" in page.locator("main").inner_text()  # TLP labels are never translated
    screenshot(page, "browse-ar")


def test_keyboard_users_can_skip_to_the_content_and_see_focus(page: Any, world: dict[str, Any]) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")  # the first stop is "Leave this site quickly", for people at risk
    assert page.locator("a.quick-exit").evaluate("element => element === document.activeElement")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0  # moved into view when focused
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"
