"""Fixtures for the browser tests: the hub served over HTTP from a thread, and Debian's Chromium driven by
Playwright. Outside CI, a machine without both skips these tests with a message; in CI a missing one fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hub import create_app
from tests.serving import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def _sync_playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    checks = (
        ("the playwright package (pip install playwright)", sync_playwright is not None),
        (f"{CHROMIUM} (apt-get install chromium)", Path(CHROMIUM).exists()),
    )
    missing = [what for what, present in checks if not present]
    if missing and os.environ.get("CI") != "true":
        pytest.skip(f"browser tests need {' and '.join(missing)}")
    if missing:
        pytest.fail(f"browser tests need {' and '.join(missing)}")
    return sync_playwright


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The hub on a free local port, on the test database and instance folder, with CSRF checks on. It shares
    the test app's engine (`tests/conftest.py::_one_engine_per_database`), whose connections the `app`
    fixture closes after the test."""
    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
    served = create_app(
        {
            **config,
            "TESTING": True,
            "INSTANCE_PATH": app.instance_path,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
        }
    )
    with serving(make_server("127.0.0.1", 0, served, threaded=True)) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium (JavaScript is switched off per context by the tests that want a no-JS page)."""
    with _sync_playwright()() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def html(page: Any) -> str:
    """The page's markup once its document has loaded.

    A click that submits a form returns once the answer's headers arrive; the body may still be on the way,
    and `page.content()` read then is empty, so that `"x" in` it fails and `"x" not in` it passes whatever the
    hub sent (tests/test_browser_html.py shows both).
    """
    page.wait_for_load_state()
    return str(page.content())


def option_texts(page: Any, select: str) -> list[str]:
    """The labels a `<select>` offers, read once the page's document has loaded.

    `query_selector_all` does not wait: read straight after the click that opened the page, it can see the
    document still arriving and return no options at all (a CI run failed that way).
    """
    page.wait_for_load_state()
    return [str(option.inner_text()) for option in page.query_selector_all(f"{select} option")]


def screenshot(page: Any, name: str) -> None:
    """Refresh docs/screenshots/NAME.png when HUB_SCREENSHOTS=1."""
    if os.environ.get("HUB_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
