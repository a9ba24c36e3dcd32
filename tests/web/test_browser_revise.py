"""Correcting and revoking in headless Chromium with JavaScript off, in English and Arabic: a bad value keeps
every input with the error beside the field, widening TLP stops at a page that says who gains access, and
revoking asks first; then "My submissions" shows the revoked object.

Run with `HUB_SCREENSHOTS=1` to refresh the screenshots under docs/screenshots/.
"""

from __future__ import annotations

from typing import Any

import pytest

from hub.policy.tlp import Tlp
from tests.browser import html, screenshot
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = pytest.mark.browser


@pytest.fixture
def world(session: Any) -> dict[str, Any]:
    analyst = make_user(
        session,
        make_org(session, "Frontline Rights Watch", tier="vetted"),
        email="analyst@rightswatch.example",
    )
    make_org(session, "Example Social", tier="vetted", org_type="platform")
    make_org(session, "New Voices", tier="registered")
    channel = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], title="Community threat feed"
    )
    english = indicator(Tlp.AMBER, name="Fake bank login", value="login-bank.evil-phish.net")
    arabic = indicator(Tlp.AMBER, name="صفحة تصيد", value="sms-phish.example")
    post(session, analyst, channel, [english, arabic])
    session.commit()
    base = f"/collections/{channel.id}/objects/"
    return {"analyst": analyst, "english": base + english["id"], "arabic": base + arabic["id"]}


def _login(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_edit_widen_and_revoke_in_english(page: Any, world: dict[str, Any]) -> None:
    _login(page, world["analyst"].email)
    page.goto(world["english"])
    page.get_by_role("link", name="Edit (new version)").click()
    page.get_by_label("What it is").fill("Fake bank login (corrected)")
    page.get_by_label("Value").fill("not a domain at all")
    page.get_by_label("Confidence (0 to 100)").fill("85")
    page.get_by_role("button", name="Save as a new version").click()
    assert page.get_by_label("Value").input_value() == "not a domain at all"  # the input survives the error
    assert page.get_by_label("What it is").input_value() == "Fake bank login (corrected)"
    assert page.get_by_label("Confidence (0 to 100)").input_value() == "85"
    assert "This is not a valid value of this kind." in page.locator(".field.invalid .errors").inner_text()
    page.get_by_label("Value").fill("login-bank2.evil-phish[.]net")
    page.get_by_label("TLP", exact=True).select_option("clear")
    page.get_by_role("button", name="Save as a new version").click()
    warning = page.locator("section.warning").inner_text()
    assert "Who gains access:" in warning and "Everyone" not in warning and "organisation" in warning
    assert page.get_by_label("Value").input_value() == "login-bank2.evil-phish[.]net"
    screenshot(page, "edit-widen")
    page.get_by_role("button", name="Widen and save").click()
    assert "Saved as a new version" in html(page)
    assert page.locator("#versions + ol > li").count() == 2
    assert "login-bank2.evil-phish.net" in html(page)
    page.get_by_role("link", name="Revoke this object").click()
    assert "This cannot be undone" in html(page)
    page.get_by_role("button", name="Revoke this object").click()
    assert "Revoked by its producer" in html(page)
    assert page.get_by_role("link", name="Edit (new version)").count() == 0
    screenshot(page, "object-revoked")
    page.get_by_role("link", name="My submissions").click()
    table = page.locator("table").inner_text()
    assert "Fake bank login (corrected)" in table and "Revoked by its producer" in table
    assert "2 objects" in html(page)
    screenshot(page, "my-submissions")


def test_edit_widen_and_revoke_in_arabic(page: Any, world: dict[str, Any]) -> None:
    _login(page, world["analyst"].email)
    page.goto(world["arabic"] + "?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("a[href$='/edit']").click()
    page.locator("#value").fill("ليس نطاقًا")
    page.locator("#confidence").fill("١٢٠")
    page.locator("form.narrow button[type=submit]").click()
    assert page.locator("#value").input_value() == "ليس نطاقًا"
    assert page.locator("#confidence").input_value() == "١٢٠"
    assert page.locator(".field.invalid .errors").all_inner_texts() == ["أدخل عددًا صحيحًا من 0 إلى 100."]
    page.locator("#confidence").fill("70")
    page.locator("form.narrow button[type=submit]").click()
    assert page.locator("#value").input_value() == "ليس نطاقًا"  # still kept, now with its own error
    assert page.locator(".field.invalid .errors").all_inner_texts() == ["هذه ليست قيمة صالحة من هذا النوع."]
    page.locator("#value").fill("sms-phish2.example")
    page.locator("#tlp").select_option("green")
    page.locator("form.narrow button[type=submit]").click()
    assert "من يحصل على الوصول:" in page.locator("section.warning").inner_text()
    screenshot(page, "edit-widen-ar")
    page.locator("form.narrow button[type=submit]").click()
    assert "حُفظ كنسخة جديدة" in html(page)
    page.locator("a[href$='/revoke']").click()
    page.locator("button.reject").click()
    assert "أبطله منتِجه" in html(page)
    assert "Revoked" not in page.locator("main").inner_text()
