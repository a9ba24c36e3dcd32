"""Browser tests read a page's markup with `tests.browser.html`, and a select's options with
`tests.browser.option_texts`, not `page.content()` or `query_selector_all` straight after a click.

A form's answer whose headers arrive before its body (the hub's server writes them separately, and a busy CI
machine can pause between the two) lets the click return on a document with nothing in it yet. That made three
browser tests fail in CI, and made every `"x" not in page.content()` check pass without looking at anything.
Reading a select's options that early made a fourth fail.
The server here holds the body back on purpose.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser import html, option_texts
from tests.serving import serving

pytestmark = [pytest.mark.browser]
ANSWER = b"<!doctype html><p>Saved as a new version</p><select name=tlp><option>TLP:GREEN</option></select>"
BODY_DELAY = 1.0


class _SlowBody(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer(b'<!doctype html><form method="post" action="/save"><button>Save</button></form>')

    def do_POST(self) -> None:
        self._answer(ANSWER, delay=BODY_DELAY)

    def _answer(self, body: bytes, delay: float = 0.0) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        time.sleep(delay)
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet: pytest would print every request."""


@pytest.fixture
def slow_body_url() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _SlowBody)) as url:
        yield url


def test_content_read_straight_after_a_click_can_be_empty(browser, slow_body_url):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(slow_body_url)
    page.click("button")
    assert page.content() == ""  # why html() exists: the answer's body has not arrived


def test_html_waits_for_the_whole_answer(browser, slow_body_url):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(slow_body_url)
    page.click("button")
    assert "Saved as a new version" in html(page)


def test_options_read_straight_after_a_click_can_be_missing(browser, slow_body_url):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(slow_body_url)
    page.click("button")
    assert page.query_selector_all("select[name=tlp] option") == []  # why option_texts() exists


def test_option_texts_waits_for_the_whole_answer(browser, slow_body_url):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(slow_body_url)
    page.click("button")
    assert option_texts(page, "select[name=tlp]") == ["TLP:GREEN"]
