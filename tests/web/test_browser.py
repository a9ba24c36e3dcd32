"""The hub in real headless Chromium (Playwright): second-factor login, sharing, who sees it, Arabic.

Run with `HUB_SCREENSHOTS=1` to refresh the screenshots under docs/screenshots/.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from werkzeug.serving import make_server

from hub.policy.tlp import Tlp
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    checks = (("the playwright package (pip install playwright)", sync_playwright is not None),
              (f"{CHROMIUM} (apt-get install chromium)", Path(CHROMIUM).exists()))
    missing = [what for what, present in checks if not present]
    if len(missing) == len(checks) and os.environ.get("CI") != "true":
        pytest.skip(f"browser tests need {' and '.join(missing)}")
    if missing:
        pytest.fail(f"browser tests need {' and '.join(missing)}")
    return sync_playwright


@pytest.fixture
def server(variant: Callable[..., Flask]) -> Iterator[str]:
    """The app, with CSRF checks on as in production, served over HTTP from a thread on 127.0.0.1."""
    httpd = make_server("127.0.0.1", 0, variant(WTF_CSRF_ENABLED=True), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    sync_playwright = _playwright()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=server, locale="en-GB", java_script_enabled=False)
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page: Any, name: str) -> None:
    if os.environ.get("HUB_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


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
    author = make_user(session, make_org(session, "Frontline Rights Watch", tier="vetted"),
                       email="researcher@rightswatch.example")
    author.totp_secret = pyotp.random_base32()
    platform = make_user(session, make_org(session, "Example Social", tier="vetted", org_type="platform"),
                         email="trust-safety@social.example")
    newcomer_org = make_org(session, "New Voices Collective", tier="registered", org_type="hrd")
    newcomer = make_user(session, newcomer_org, email="member@newvoices.example")
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"],
                              title="Community threat feed")
    channel.description = "Indicators shared among members."
    post(session, author, channel, [
        indicator(Tlp.CLEAR, name="Fake helpline number", value="helpline-update.net"),
        indicator(Tlp.GREEN, name="Spyware delivery domain", value="cdn-sync.app")])
    session.commit()
    return {"author": author, "platform": platform, "newcomer": newcomer, "channel": channel}


def test_share_with_second_factor_and_see_it_only_where_allowed(page: Any, world: dict[str, Any]) -> None:
    channel = world["channel"]
    page.goto("/login")
    _shot(page, "login")
    _login(page, world["author"].email, world["author"].totp_secret)
    _shot(page, "home")
    page.goto(f"/share/{channel.id}")
    _shot(page, "share")
    page.get_by_label("What you observed").select_option("domain")
    page.get_by_label("Value").fill("account-verify.example-login.net")
    page.get_by_label("What it is").fill("Phishing page imitating a webmail login")
    page.get_by_label("Campaign or threat").fill("Webmail phishing wave")
    page.get_by_label("TLP", exact=True).select_option("amber")
    page.get_by_role("button", name="Preview").click()
    summary = page.locator(".summary").inner_text()
    assert "TLP:AMBER" in summary and "2 organisations" in summary
    _shot(page, "share-preview")
    page.get_by_role("button", name="Share", exact=True).click()
    assert "1 of 1 objects stored" in page.locator("main").inner_text()
    _logout(page)

    _login(page, world["platform"].email)
    page.goto(f"/collections/{channel.id}")
    assert page.get_by_role("link", name="Phishing page imitating a webmail login").count() == 1
    _shot(page, "browse")
    page.get_by_role("link", name="Phishing page imitating a webmail login").click()
    assert "TLP:AMBER" in page.locator("main").inner_text()
    _shot(page, "object")
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
    _shot(page, "home-ar")
    page.goto(f"/collections/{world['channel'].id}")
    assert page.locator("html").get_attribute("dir") == "rtl"  # the choice persists
    assert "TLP:GREEN" in page.locator("main").inner_text()  # TLP labels are never translated
    _shot(page, "browse-ar")


def test_keyboard_users_can_skip_to_the_content_and_see_focus(page: Any, world: dict[str, Any]) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0  # moved into view when focused
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"
