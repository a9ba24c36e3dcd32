"""A member connects a tool, in headless Chromium with JavaScript off, in English and Arabic: they create a
read-only token on the API and TAXII page, copy it, and taxii2-client reads with it from the live hub; a POST
with it gets 403.

Run with `HUB_SCREENSHOTS=1` to refresh the screenshots under docs/screenshots/.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from taxii2client.exceptions import AccessError
from taxii2client.v21 import Collection, Server

from hub.policy.tlp import Tlp
from tests.browser import html, screenshot
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = pytest.mark.browser
TIMEOUT = 10
TAXII = "application/taxii+json;version=2.1"


class _BoundedSession(requests.Session):
    """taxii2-client sets no timeout of its own; a hung server must fail the test, not hang it."""

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


@pytest.fixture(autouse=True)
def _bounded_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("taxii2client.common.requests.Session", _BoundedSession)


@pytest.fixture
def world(session: Any) -> dict[str, Any]:
    analyst = make_user(
        session,
        make_org(session, "Frontline Rights Watch", tier="vetted"),
        email="analyst@rightswatch.example",
    )
    community = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], title="Community threat feed"
    )
    make_org(session, "Another NGO", tier="vetted")
    hidden = make_collection(session, read=["org:Another NGO"], title="Someone else's channel")
    post(
        session,
        analyst,
        community,
        [indicator(Tlp.GREEN, name="Fake downloads site", value="free247.example")],
    )
    session.commit()
    return {"analyst": analyst, "community": community, "hidden": hidden}


def _login(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _reads_and_cannot_post(live_url: str, world: dict[str, Any], secret: str) -> None:
    """taxii2-client, as the page tells a member to use it: Basic auth with the email and the token."""
    email, community = world["analyst"].email, world["community"]
    server = Server(f"{live_url}/taxii2/", user=email, password=secret)
    titles = [c.title for c in server.default.collections]
    assert titles == ["Community threat feed"]  # the hidden channel is not there
    feed = Collection(f"{live_url}/taxii2/api/collections/{community.id}/", user=email, password=secret)
    names = [obj.get("name") for obj in feed.get_objects().get("objects", [])]
    assert "Fake downloads site" in names
    assert feed.can_write is False  # the token is read-only, though its owner may write here
    with pytest.raises(AccessError):  # taxii2-client itself believes the collection resource
        feed.add_objects({"objects": [indicator(Tlp.GREEN)]})
    posted = requests.post(  # and the hub refuses a POST sent anyway
        f"{feed.url}objects/",
        json={"objects": [indicator(Tlp.GREEN)]},
        auth=(email, secret),
        headers={"Content-Type": TAXII, "Accept": TAXII},
        timeout=TIMEOUT,
    )
    assert posted.status_code == 403 and "read-only" in posted.json()["description"]


def test_a_member_creates_a_read_only_token_and_reads_with_taxii2_client(
    page: Any, live_url: str, world: dict[str, Any]
) -> None:
    _login(page, world["analyst"].email)
    page.get_by_role("link", name="API and TAXII").click()
    main = page.locator("main").inner_text()
    assert f"{live_url}/taxii2/" in main and world["community"].id in main
    assert world["hidden"].id not in main and "Someone else" not in main
    assert "analyst@rightswatch.example" in page.locator("#examples + p").inner_text()
    page.get_by_label("Label").fill("SOC poller")
    screenshot(page, "connect")
    page.get_by_role("button", name="Create a token for my account").click()
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith("hub_") and "read-only" in page.locator("main").inner_text()
    assert secret in page.locator("pre").first.inner_text()  # the examples carry it, filled in
    screenshot(page, "connect-token")
    _reads_and_cannot_post(live_url, world, secret)
    page.get_by_role("link", name="Back to the API and TAXII page").click()
    assert "SOC poller" in page.locator("main").inner_text() and secret not in html(page)

    page.goto("/?lang=ar")
    page.goto("/connect")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "واجهة البرمجة و TAXII" in page.locator("h1").inner_text()
    page.locator("#label").fill("مستطلع مركز العمليات")
    page.locator("form.narrow button[type=submit]").click()
    assert "للقراءة فقط" in page.locator("main").inner_text()
    arabic_secret = page.locator("#token-secret").inner_text().strip()
    screenshot(page, "connect-token-ar")
    _reads_and_cannot_post(live_url, world, arabic_secret)
