"""The reporting pages: the public form in English and Arabic, the receipt, follow-up, and the responders'
pages.
"""

from __future__ import annotations

import re

import pytest

from hub.orgs.service import set_password
from hub.policy.tlp import Tlp
from hub.reports.models import Report
from tests.factories import PASSWORD
from tests.reports.conftest import (
    CODE,
    SECRET_TEXT,
    SECRET_TRACE,
    file_report,
    follow_up,
    nonce_of,
    send_report,
)


def _report_form(platform_id: int, **extra: object) -> dict[str, object]:
    return {
        "category": "phishing",
        "platforms": [f"org:{platform_id}"],
        "text": SECRET_TEXT,
        "traces": f"{SECRET_TRACE}\n",
        "contact": "",
        "sharing": "community",
        "may_escalate": "y",
        **extra,
    }


def test_report_form_in_english_without_scripts_or_third_party_resources(client, world):
    response = client.get("/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'dir="ltr"' in html
    assert "Suspected spyware" in html and "Example Social" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert response.headers["Cache-Control"] == "no-store"


def test_report_form_says_the_hub_never_contacts_the_reporter(client, world):
    assert "The hub never emails, texts or notifies you" in client.get("/report").get_data(as_text=True)
    assert "لن يرسل إليك المركز أي بريد" in client.get("/report?lang=ar").get_data(as_text=True)


def test_report_form_in_arabic_is_right_to_left(client, world):
    html = client.get("/report?lang=ar").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert "الإبلاغ عن حادث" in html
    assert "مجتمع المنصة بأكمله" in html and "TLP:" not in html


def test_filing_shows_the_code_once_and_says_it_cannot_be_recovered(client, session, world):
    nonce = nonce_of(client.get("/report?lang=ar").get_data(as_text=True))
    response = client.post("/report?lang=ar", data={**_report_form(world.platform.id), "nonce": nonce})
    assert response.status_code == 303 and response.headers["Cache-Control"] == "no-store"
    receipt = client.get(response.headers["Location"])
    assert receipt.headers["Cache-Control"] == "no-store"
    code = CODE.search(receipt.get_data(as_text=True)).group(1)
    assert code not in response.headers["Location"]
    report = session.query(Report).one()
    assert report.language == "ar" and report.may_escalate and report.share_max_tlp == Tlp.GREEN


def test_follow_up_with_the_code_by_post_shows_the_report_and_takes_an_answer(client, session, world):
    code = send_report(client, _report_form(world.platform.id))[1]
    html = follow_up(client, code)
    assert SECRET_TEXT in html and "No reply yet" in html
    html = follow_up(client, code, "one more thing")
    assert "one more thing" in html
    nonce = nonce_of(html)
    wrong = client.post("/report/follow-up", data={"code": "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", "nonce": nonce})
    assert wrong.status_code == 404 and "cannot be recovered" in wrong.get_data(as_text=True)


def test_invalid_report_redisplays_the_form(client, world):
    nonce = nonce_of(client.get("/report").get_data(as_text=True))
    response = client.post("/report", data={"category": "phishing", "text": "", "traces": "", "nonce": nonce})
    assert response.status_code == 400
    assert "describe what happened" in response.get_data(as_text=True)


def test_responder_pages_are_closed_to_anonymous_and_hidden_from_others(client, session, sealer, world):
    report, _ = file_report(session, sealer, world)
    assert client.get("/reports/").status_code == 302
    set_password(world.outsider, PASSWORD)
    session.commit()
    client.post("/login", data={"email": world.outsider.email, "password": PASSWORD})
    assert client.get(f"/reports/{report.id}").status_code == 404
    assert client.get("/reports/").status_code == 403


@pytest.fixture
def responder_client(client, session, world):
    set_password(world.responder, PASSWORD)
    session.commit()
    response = client.post("/login", data={"email": world.responder.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_responder_triages_replies_and_sees_metrics(responder_client, session, sealer, world):
    report, code = file_report(session, sealer, world)
    client = responder_client
    assert SECRET_TEXT in client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert client.post(f"/reports/{report.id}/status", data={"status": "in-progress"}).status_code == 303
    client.post(
        f"/reports/{report.id}/message", data={"kind": "reply", "text": "Please change your password"}
    )
    page = client.get("/reports/metrics").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page
    csv = client.get("/reports/metrics/by-category.csv")
    assert csv.mimetype == "text/csv" and "phishing,1" in csv.get_data(as_text=True)
    assert client.get("/reports/metrics/response-times.svg").mimetype == "image/svg+xml"
    assert client.get("/reports/metrics/nothing.csv").status_code == 404


def test_transparency_page_is_public_and_suppresses_small_counts(client, session, sealer, world):
    file_report(session, sealer, world)
    html = client.get("/transparency").get_data(as_text=True)
    assert "fewer than 5" in html and SECRET_TEXT not in html


def test_a_code_in_the_url_opens_nothing(client, session, sealer, world):
    _, code = file_report(session, sealer, world)
    html = client.get(f"/report/follow-up?code={code}").get_data(as_text=True)
    assert SECRET_TEXT not in html and 'name="code"' in html


def test_publishing_wider_than_the_consent_is_refused_by_the_page(responder_client, session, sealer, world):
    from tests.factories import make_collection

    report, _ = file_report(session, sealer, world, share=Tlp.GREEN)
    collection = make_collection(session, read=["tier:vetted"], write=[f"org:{world.helpline.name}"])
    session.commit()
    page = responder_client.get(f"/reports/{report.id}/publish").get_data(as_text=True)
    assert "TLP:GREEN" in page and "TLP:CLEAR</option>" not in page and "Channel" in page
    assert "STIX bundle" not in page and "<textarea" not in page
    data = {"collection": collection.id, "tlp": str(int(Tlp.CLEAR)), "trace": "0", "action": "publish"}
    response = responder_client.post(f"/reports/{report.id}/publish", data=data)
    assert response.status_code == 400
    assert report.published_count == 0
    data["tlp"] = str(int(Tlp.GREEN))
    published = responder_client.post(f"/reports/{report.id}/publish", data=data)
    html = published.get_data(as_text=True)
    assert published.status_code == 200 and "Stored" in html
    session.refresh(report)
    assert report.published_count == 3


def test_only_the_platform_escalated_to_sees_the_case(client, session, sealer, world):
    from hub.reports.triage import escalate

    report, _ = file_report(session, sealer, world)
    escalation = escalate(session, world.p(session, world.responder), sealer, report, world.platform, "x")
    set_password(world.outsider, PASSWORD)
    session.commit()
    client.post("/login", data={"email": world.outsider.email, "password": PASSWORD})
    assert client.get(f"/platform/cases/{escalation.id}").status_code == 404
    assert "No case was escalated" in client.get("/platform/cases").get_data(as_text=True)


def test_coordinator_designates_a_helpline_whose_members_become_responders(client, session, world):
    import pyotp

    from hub.reports.triage import is_responder
    from tests.web.conftest import WebActions

    set_password(world.coordinator, PASSWORD)
    world.coordinator.totp_secret = pyotp.random_base32()
    session.commit()
    assert WebActions(client).login(world.coordinator).status_code == 302
    assert "Digital Helpline" in client.get("/reports/helplines").get_data(as_text=True)
    response = client.post("/reports/helplines", data={"org": str(world.outsider.org_id), "action": "add"})
    assert response.status_code == 303
    assert is_responder(session, world.p(session, world.outsider))


def test_only_coordinators_open_the_helplines_page(responder_client):
    assert responder_client.get("/reports/helplines").status_code == 403


PUBLIC_PAGES = ("/report", "/report/follow-up", "/transparency", "/login")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_starts_with_a_quick_exit_to_a_neutral_site(client, world, path):
    html = client.get(path).get_data(as_text=True)
    body = html[html.index("<body>") :]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert 'class="quick-exit"' in first_link and 'href="https://www.wikipedia.org/"' in first_link


@pytest.mark.parametrize("path", ("/report", "/report/follow-up", "/transparency", "/report/receipt"))
def test_reporter_pages_are_kept_by_no_cache_and_point_tor_browser_to_the_onion(app, client, world, path):
    assert "Onion-Location" not in client.get(path).headers
    app.config["HUB_ONION_URL"] = "http://hubexample2345.onion/"
    response = client.get(path + "?lang=ar")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Onion-Location"] == f"http://hubexample2345.onion{path}?lang=ar"
    onion = client.get("/report", base_url="http://hubexample2345.onion")
    assert "Onion-Location" not in onion.headers


def test_the_report_page_gives_safety_advice_and_the_onion_address(app, client, world):
    html = client.get("/report").get_data(as_text=True)
    assert "private (incognito) window" in html and "browsing history" in html and "Tor Browser" not in html
    app.config["HUB_ONION_URL"] = "http://hubexample2345.onion/"
    html = client.get("/report").get_data(as_text=True)
    assert "Tor Browser" in html and 'dir="ltr" class="onion">http://hubexample2345.onion/<' in html


def test_hub_name_and_footer_are_translated(client, world):
    html = client.get("/report?lang=ar").get_data(as_text=True)
    assert "منصة معلومات التهديدات للمدافعين عن حقوق الإنسان" in html
    assert "HRD Threat-Intelligence Hub" not in html and "Threat intelligence shared among" not in html


def test_over_the_onion_address_reporter_pages_load_nothing_from_elsewhere(app, client, world):
    from pathlib import Path

    app.config["HUB_ONION_URL"] = "http://hubexample2345.onion/"
    for path in ("/report", "/report/follow-up", "/transparency"):
        html = client.get(path, base_url="http://hubexample2345.onion").get_data(as_text=True)
        assert not re.findall(r'\bsrc="', html) and "<script" not in html
        assert re.findall(r'<link [^>]*href="([^"]+)"', html) == ["/static/hub.css"]
        absolute = set(re.findall(r'href="(https?://[^"]+)"', html))
        assert absolute == {"https://www.wikipedia.org/"}  # the quick exit, nothing of the hub's own
    deploy = Path(__file__).resolve().parents[2] / "deploy" / "tor"
    torrc = (deploy / "torrc").read_text()
    assert "HiddenServiceDir /var/lib/tor/hub/" in torrc and "HiddenServicePort 80 127.0.0.1:8081" in torrc
    assert "listen 127.0.0.1:8081;" in (deploy / "nginx-onion.conf").read_text()


def test_the_sharing_choice_is_plain_words_mapped_to_tlp_and_nothing_is_preselected_against_it(client, world):
    html = client.get("/report").get_data(as_text=True)
    assert "TLP" not in html and "Only the helpline" in html
    checked = re.findall(r'<input checked[^>]*name="sharing"[^>]*value="([a-z]+)"', html)
    assert checked == ["helpline"] and 'name="may_share"' not in html


@pytest.mark.parametrize(
    ("sharing", "may_share", "ceiling"),
    [
        ("helpline", False, None),
        ("partners", True, Tlp.AMBER),
        ("community", True, Tlp.GREEN),
        ("public", True, Tlp.CLEAR),
    ],
)
def test_each_plain_choice_is_a_tlp_ceiling(client, session, world, sharing, may_share, ceiling):
    send_report(client, _report_form(world.platform.id, sharing=sharing))
    report = session.query(Report).one()
    assert (report.may_share, report.share_max_tlp) == (may_share, ceiling)


def test_the_platform_list_holds_the_services_people_use_and_marks_members(client, session, world):
    html = client.get("/report").get_data(as_text=True)
    for name in (
        "WhatsApp",
        "Facebook",
        "Instagram",
        "Messenger",
        "X (Twitter)",
        "Telegram",
        "Signal",
        "Gmail",
        "Outlook",
        "YouTube",
        "TikTok",
        "LinkedIn",
        "Snapchat",
        "A phone operator",
        "Another service",
    ):
        assert f"> {name}" in html or f">{name}<" in html or name in html, name
    assert f'value="org:{world.platform.id}"' in html and "Example Social (member of the hub" in html
    send_report(
        client, _report_form(world.platform.id, platforms=["whatsapp", "gmail", f"org:{world.platform.id}"])
    )
    report = session.query(Report).one()
    assert report.services == "gmail,whatsapp" and [org.id for org in report.platforms] == [world.platform.id]
