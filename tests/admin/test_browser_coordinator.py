"""A coordinator's working day in a real browser (Chromium via tests/browser.py, JavaScript off, CSRF on), in
English and Arabic: tick rules, preview who gains and loses access, save; approve two ticked objects with one
reason; filter the audit log and find both the rule change and the approvals as sentences.

Set HUB_SCREENSHOTS=1 to refresh docs/screenshots/coordinator-*.png.
"""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.sharing.service import rule_text
from hub.stix.models import ObjectVersion, State
from tests.browser import html, screenshot
from tests.catalogues import translate
from tests.factories import PASSWORD, indicator, make_collection, make_org, make_user, post

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _login(browser, base: str, email: str, secret: str, lang: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(java_script_enabled=False, locale=lang).new_page()
    page.goto(f"{base}/login?lang={lang}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    return page


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_preview_save_bulk_approve_and_audit_filter(session, live_url, browser, lang):
    t = (lambda text: text) if lang == "en" else (lambda text: translate(lang, text))
    coordination = make_org(session, "Hub Coordination", "trusted", "coordinator")
    coordinator = make_user(session, coordination, "coordinator")
    coordinator.totp_secret = pyotp.random_base32()
    newcomer = make_user(session, make_org(session, "New Voices", "registered"))
    make_user(session, make_org(session, "Rights Watch", "vetted"))
    feed = make_collection(session, read=["tier:trusted"], write=["tier:registered"], title="Community feed")
    session.commit()
    post(
        session,
        newcomer,
        feed,
        [indicator(Tlp.GREEN, name="Fake bank page"), indicator(Tlp.GREEN, name="Fake news login")],
    )

    page = _login(browser, live_url, coordinator.email, coordinator.totp_secret, lang)
    page.goto(f"{live_url}/admin/collections/{feed.id}?lang={lang}")
    page.check("input[name=read_orgs][value='org:Rights Watch']")
    page.click("button[name=step][value=preview]")
    assert t("Who gains and who loses access") in html(page)
    assert "Rights Watch" in page.inner_text("section.preview")
    screenshot(page, f"coordinator-preview-{lang}")
    session.rollback()  # a fresh snapshot: the server committed in its own connection
    assert [rule_text(r) for r in session.get(Collection, feed.id).rules if r.mode == "read"] == [
        "tier:trusted"
    ]
    page.click("section.preview ~ .actions button[name=step][value=save]")
    assert t("The channel is saved.") in html(page)
    session.rollback()  # a fresh snapshot: the server committed in its own connection
    read = sorted(rule_text(r) for r in session.get(Collection, feed.id).rules if r.mode == "read")
    assert read == ["org:Rights Watch", "tier:trusted"]

    page.goto(f"{live_url}/admin/moderation?lang={lang}")
    for box in page.query_selector_all("input[name=version][form=bulk]"):
        box.check()
    page.fill("#bulk textarea[name=reason]", "Known helpline partner")
    screenshot(page, f"coordinator-bulk-approve-{lang}")
    page.click("#bulk button.approve")
    assert t("Nothing is waiting.") in html(page)
    session.rollback()
    states = set(session.scalars(select(ObjectVersion.state)))
    assert states == {State.PUBLISHED}

    page.goto(f"{live_url}/admin/audit?lang={lang}")
    page.select_option("select[name=action]", "object.approve")
    page.click("form.filters button[type=submit]")
    events = page.inner_text("table.events")
    assert events.count("Known helpline partner") == 2 and "Rights Watch" not in events
    screenshot(page, f"coordinator-audit-{lang}")
    page.select_option("select[name=action]", "collection.set-rules")
    page.click("form.filters button[type=submit]")
    assert "Community feed" in page.inner_text("table.events") and "{" not in page.inner_text("table.events")
