"""Members' daily workflow in headless Chromium with JavaScript off, in English and Arabic: correlation on
the share preview ("already in the hub N times"), including a bad value that keeps the member's input.

Run with `HUB_SCREENSHOTS=1` to refresh the screenshots under docs/screenshots/.
"""

from __future__ import annotations

from typing import Any

import pytest

from hub.policy.tlp import Tlp
from tests.browser import screenshot
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = pytest.mark.browser


@pytest.fixture
def world(session: Any) -> dict[str, Any]:
    watch = make_user(
        session,
        make_org(session, "Frontline Rights Watch", tier="vetted"),
        email="analyst@rightswatch.example",
    )
    platform = make_user(
        session,
        make_org(session, "Example Social", tier="vetted", org_type="platform"),
        email="trust-safety@social.example",
    )
    channel = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], title="Community threat feed"
    )
    post(
        session,
        watch,
        channel,
        [indicator(Tlp.GREEN, name="Fake downloads site", value="free247downloads.com")],
    )
    session.commit()
    return {"watch": watch, "platform": platform, "channel": channel, "session": session}


def _login(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_share_preview_says_where_a_value_already_is(page: Any, world: dict[str, Any]) -> None:
    _login(page, world["platform"].email)
    page.goto(f"/share/{world['channel'].id}")
    page.get_by_label("What you observed").select_option("domain")
    page.get_by_label("Value", exact=True).fill("not a domain at all")
    page.get_by_label("What it is").fill("Seen in a takedown queue")
    page.get_by_role("button", name="Preview", exact=True).click()
    assert (
        page.get_by_label("Value", exact=True).input_value() == "not a domain at all"
    )  # the input survives the error
    assert page.get_by_label("What it is").input_value() == "Seen in a takedown queue"
    assert page.locator(".field.invalid .errors").count() >= 1
    page.get_by_label("Value", exact=True).fill("FREE247DOWNLOADS[.]com")
    page.get_by_role("button", name="Check again").click()
    correlation = page.locator("section.correlation").inner_text()
    assert "Already in the hub 1 time:" in correlation
    assert "Fake downloads site" in correlation and "Frontline Rights Watch" in correlation
    assert "Community threat feed" in correlation and "TLP:GREEN" in correlation
    screenshot(page, "share-correlation")

    page.goto("/?lang=ar")
    page.goto(f"/share/{world['channel'].id}")
    page.locator("#kind").select_option("url")
    page.locator("#value").fill("hxxp://free247downloads[.]com/setup.exe")
    page.locator("#name").fill("رابط تنزيل مزيف")
    page.locator("form[action$='/indicator'] button[value=preview]").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    correlation = page.locator("section.correlation").inner_text()
    assert "موجود في المنصة مرة واحدة" in correlation and "Frontline Rights Watch" in correlation
    screenshot(page, "share-correlation-ar")


def test_the_header_search_finds_values_and_words_in_both_languages(page: Any, world: dict[str, Any]) -> None:
    _login(page, world["platform"].email)
    page.get_by_label("Search the hub").fill("hxxp://free247downloads[.]com/setup.exe")
    page.get_by_role("button", name="Search").click()
    main = page.locator("main").inner_text()
    assert "1 result" in main and "Fake downloads site" in main
    page.get_by_label("Search", exact=True).fill("downloads")
    page.get_by_label("Only with sightings").check()
    page.get_by_role("button", name="Search").click()
    assert "0 results" in page.locator("main").inner_text()
    assert page.get_by_label("Only with sightings").is_checked()  # the filters survive
    page.get_by_label("Only with sightings").uncheck()
    page.get_by_role("button", name="Search").click()
    assert "1 result" in page.locator("main").inner_text()
    screenshot(page, "search")

    page.goto("/?lang=ar")
    page.locator("#site-search").fill("?!")
    page.locator("form.site-search button").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "اكتب ثلاثة أحرف على الأقل" in page.locator(".field.invalid").inner_text()
    assert page.locator("#q").input_value() == "?!"  # the input survives the error
    page.locator("#q").fill("DOWNLOADS")
    page.locator("main form button[type=submit]").click()
    assert "نتيجة واحدة" in page.locator("main").inner_text()
    screenshot(page, "search-ar")


def test_browse_lists_newest_first_with_totals_and_switches_order(page: Any, world: dict[str, Any]) -> None:
    post_more = [indicator(Tlp.CLEAR, name=f"Bulk phishing {i}", value=f"bulk{i}.example") for i in range(51)]
    post(world["session"], world["watch"], world["channel"], post_more)
    _login(page, world["platform"].email)
    page.goto(f"/collections/{world['channel'].id}")
    main = page.locator("main").inner_text()
    assert "52 objects" in main and "page 1 of 2" in main
    assert page.locator("tbody tr").first.inner_text().startswith("TLP:CLEAR\tBulk phishing 50")
    page.get_by_role("link", name="Last page").click()
    assert "Fake downloads site" in page.locator("main").inner_text()
    page.get_by_label("Order").select_option("oldest")
    page.get_by_role("button", name="Filter").click()
    assert "Fake downloads site" in page.locator("tbody tr").first.inner_text()
    assert page.get_by_label("Order").input_value() == "oldest"  # the choice survives
    screenshot(page, "browse-folded")

    page.goto("/?lang=ar")
    page.goto(f"/collections/{world['channel'].id}")
    main = page.locator("main").inner_text()
    assert "52 كائنًا" in main and "الصفحة 1 من 2" in main
    page.get_by_role("link", name="الصفحة الأخيرة").click()
    assert "Fake downloads site" in page.locator("main").inner_text()
