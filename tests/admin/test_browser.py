"""A coordinator approves a quarantined object in a real browser (Playwright, Debian's chromium, JavaScript
off, CSRF on), and a vetted member of another organisation then sees it.

Set HUB_SCREENSHOTS=1 to refresh docs/screenshots/admin-*.png.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from werkzeug.serving import make_server

from hub import create_app
from hub.extensions import db
from hub.policy.tlp import Tlp
from tests.conftest import _test_config
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def live_url(app: Flask, tmp_path: Path) -> Iterator[str]:
    """The hub served on a free local port, with CSRF checks on as in production."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    config = _test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    served = create_app({**config, "WTF_CSRF_ENABLED": True})
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


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


def _screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("HUB_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"admin-{name}.png"), full_page=True)


def test_coordinator_approves_a_quarantined_object_in_the_browser(session, live_url, browser):
    coordination = make_org(session, "Hub Coordination", "trusted", "coordinator")
    coordinator = make_user(session, coordination, "coordinator")
    coordinator.totp_secret = pyotp.random_base32()
    newcomer = make_user(session, make_org(session, "New Voices", "registered"))
    reader = make_user(session, make_org(session, "Rights Watch", "vetted"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"],
                              default_tlp=Tlp.GREEN, title="Community feed")
    session.commit()
    obj = indicator(Tlp.GREEN, name="Fake login page of a news site")
    post(session, newcomer, channel, [obj])

    page = _login(browser, live_url, coordinator.email, coordinator.totp_secret)
    page.click("nav >> text=Coordination")
    _screenshot(page, "coordination")
    page.click("text=Moderation queue")
    assert "Fake login page of a news site" in page.content() and "New Voices" in page.content()
    _screenshot(page, "moderation")
    page.click("form[action$='/approve'] button:has-text('Approve')")
    assert "is published." in page.content() and "Nothing is waiting." in page.content()

    page.goto(f"{live_url}/admin/orgs/{newcomer.org_id}?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl" and "تغيير المستوى" in page.content()
    _screenshot(page, "organisation-ar")

    member = _login(browser, live_url, reader.email)
    member.goto(f"{live_url}/collections/{channel.id}")
    assert "Fake login page of a news site" in member.content()
