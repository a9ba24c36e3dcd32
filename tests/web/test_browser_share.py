"""The share flow in headless Chromium with JavaScript off, in English and Arabic: bulk paste with an unticked
line and a threat link, a bad upload that keeps the member's choices, and Share with warnings but without the
"I have read the warnings" box. Each failure path asserts that the input survives and the error sits next to
its field, in the page's language.

Run with `HUB_SCREENSHOTS=1` to refresh docs/screenshots/share-bulk*.png.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion
from tests.browser import html, screenshot
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = pytest.mark.browser
PASTE = "hxxps://login-bank[.]evil-phish.net/verify\nLogin-Bank.Evil-Phish.NET.\n45.77.12.7\nsee the report\n"


@pytest.fixture
def world(session: Any) -> dict[str, Any]:
    watch = make_user(
        session,
        make_org(session, "Frontline Rights Watch", tier="vetted"),
        email="analyst@rightswatch.example",
    )
    helpline = make_user(session, make_org(session, "Digital Helpline", tier="trusted"))
    channel = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], title="Community threat feed"
    )
    pegasus = {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "Pegasus",
        "is_family": True,
        "object_marking_refs": [Tlp.GREEN.marking_id],
    }
    post(session, helpline, channel, [pegasus, indicator(Tlp.GREEN, value="login-bank.evil-phish.net")])
    session.commit()
    return {"watch": watch, "channel": channel, "session": session, "pegasus": pegasus}


def _login(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _stored(world: dict[str, Any], stix_type: str) -> list[dict[str, Any]]:
    session = world["session"]
    session.commit()  # a new transaction sees what the served app committed
    rows = session.scalars(
        select(ObjectVersion).where(
            ObjectVersion.collection_id == world["channel"].id, ObjectVersion.type == stix_type
        )
    )
    return [orjson.loads(row.body) for row in rows]


def test_bulk_paste_with_an_unticked_line_and_a_threat_link(page: Any, world: dict[str, Any]) -> None:
    _login(page, world["watch"].email)
    page.goto(f"/share/{world['channel'].id}")
    page.get_by_label("Values, one a line").fill(PASTE)
    page.locator("#bulk-threat").fill("Pegasus")
    page.get_by_role("button", name="Preview the list").click()
    main = page.locator("main").inner_text()
    assert "4 lines read" in main and "2 values already in the hub" in main  # the URL through its domain
    assert "The same value as line 1" not in main  # a URL and its domain are two values
    assert "Not recognised" in main
    assert page.get_by_label("Pegasus (malware, TLP:GREEN)").is_checked()  # its exact name: chosen
    page.locator("#keep-3").uncheck()  # 45.77.12.7 is not shared
    screenshot(page, "share-bulk")
    page.get_by_role("button", name="Share the ticked values").click()
    main = page.locator("main").inner_text()
    assert "4 of 4 objects stored" in main  # two indicators and two relationships
    patterns = sorted(obj["pattern"] for obj in _stored(world, "indicator"))
    assert "[ipv4-addr:value = '45.77.12.7']" not in patterns and len(patterns) == 3  # one was there already
    links = _stored(world, "relationship")
    assert {link["target_ref"] for link in links} == {world["pegasus"]["id"]} and len(links) == 2
    screenshot(page, "share-bulk-result")

    page.goto("/?lang=ar")
    page.goto(f"/share/{world['channel'].id}")
    page.locator("#bulk-values").fill("free-bank[.]evil-phish.net\n10.1.2.3\n")
    page.locator("form[action$='/bulk'] button[value=preview]").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    main = page.locator("main").inner_text()
    assert "قُرئ سطران" in main and "العنوان الخاص" in main  # the private address is explained in Arabic
    assert not page.locator("#keep-2").is_checked()  # a value with warnings starts unticked
    page.locator("#keep-2").check()
    page.locator("button[value=share]").click()
    assert "حدّد هذا المربع للمشاركة رغم التحذيرات" in page.locator("#bulk-insist-errors").inner_text()
    assert page.locator("#keep-2").is_checked() and page.locator("#keep-1").is_checked()  # ticks survive
    assert "free-bank[.]evil-phish.net" in page.locator("#bulk-values").input_value()
    screenshot(page, "share-bulk-ar")


def test_a_bad_upload_keeps_the_choices_and_says_why(
    page: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "report.json"
    bad.write_text("<html>not a bundle</html>")
    _login(page, world["watch"].email)
    page.goto(f"/share/{world['channel'].id}")
    upload = page.locator("form[action$='/upload']")
    upload.locator("#upload-bundle").set_input_files(str(bad))
    upload.locator("#upload-tlp").select_option("clear")
    upload.locator("#upload-anonymous").check()
    upload.get_by_role("button", name="Upload").click()
    assert "InvalidInput" not in html(page)
    upload = page.locator("form[action$='/upload']")
    assert "The file is not JSON" in upload.locator("#upload-bundle-errors").inner_text()
    assert (
        upload.locator("#upload-tlp").input_value() == "clear"
        and upload.locator("#upload-anonymous").is_checked()
    )

    page.goto("/?lang=ar")
    page.goto(f"/share/{world['channel'].id}")
    upload = page.locator("form[action$='/upload']")
    upload.locator("#upload-bundle").set_input_files(str(bad))
    upload.locator("#upload-tlp").select_option("clear")
    upload.locator("button[type=submit]").click()
    upload = page.locator("form[action$='/upload']")
    assert "الملف ليس بصيغة JSON" in upload.locator("#upload-bundle-errors").inner_text()
    assert upload.locator("#upload-tlp").input_value() == "clear"
    assert "InvalidInput" not in html(page) and "The file" not in html(page)


def test_share_with_warnings_but_without_the_box_says_so_next_to_it(page: Any, world: dict[str, Any]) -> None:
    _login(page, world["watch"].email)
    page.goto(f"/share/{world['channel'].id}")
    page.get_by_label("What you observed").select_option("domain")
    page.get_by_label("Value", exact=True).fill("google.com")
    page.get_by_label("What it is").fill("Seen in a phishing SMS")
    page.get_by_role("button", name="Preview").first.click()
    page.get_by_role("button", name="Share", exact=True).click()
    assert "Tick this box to share despite the warnings" in page.locator("#insist-errors").inner_text()
    assert page.get_by_label("Value", exact=True).input_value() == "google.com"
    assert page.get_by_label("What it is").input_value() == "Seen in a phishing SMS"
    assert len(_stored(world, "indicator")) == 1  # only the one the world started with

    page.goto("/?lang=ar")
    page.goto(f"/share/{world['channel'].id}")
    page.locator("#name").fill("Seen in a phishing SMS")
    page.locator("#value").fill("google.com")
    page.locator("form[action$='/indicator'] button[value=preview]").click()
    page.locator("button[value=share]").click()
    assert "حدّد هذا المربع للمشاركة رغم التحذيرات" in page.locator("#insist-errors").inner_text()
    assert page.locator("#name").input_value() == "Seen in a phishing SMS"
    page.locator("#insist").check()
    page.locator("button[value=share]").click()
    assert len(_stored(world, "indicator")) == 2
