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
        "platforms": [str(platform_id)],
        "text": SECRET_TEXT,
        "traces": f"{SECRET_TRACE}\n",
        "contact": "",
        "may_share": "y",
        "share_max_tlp": str(int(Tlp.GREEN)),
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


def test_report_form_in_arabic_is_right_to_left(client, world):
    html = client.get("/report?lang=ar").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    assert "الإبلاغ عن حادث" in html
    assert "TLP:GREEN: مجتمع المنصة" in html


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
    page = responder_client.get(f"/reports/{report.id}/publish?trace=0").get_data(as_text=True)
    assert "TLP:GREEN" in page and "TLP:CLEAR</option>" not in page
    bundle = re.search(r"<textarea[^>]*name=\"bundle\"[^>]*>\s*(.*?)</textarea>", page, re.S).group(1)
    import html as html_module

    response = responder_client.post(
        f"/reports/{report.id}/publish",
        data={
            "collection": collection.id,
            "tlp": str(int(Tlp.CLEAR)),
            "bundle": html_module.unescape(bundle),
        },
    )
    assert response.status_code == 400
    assert report.published_count == 0


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
