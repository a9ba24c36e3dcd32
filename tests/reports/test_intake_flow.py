"""No report is ever lost or filed twice: a stale or missing session keeps what was typed, a per-form nonce
makes repeats file once, and the receipt is reached by POST/redirect/GET with the code in no URL."""

from __future__ import annotations

import re

import pytest
from flask import g
from sqlalchemy import func, select

from hub.reports.models import IntakeHandle, Report, ReportMessage
from tests.catalogues import LANGUAGES, translate, visible_text
from tests.reports.conftest import CODE, SECRET_TEXT, SEND_AGAIN, follow_up, nonce_of, send_report

TOKEN = re.compile(r'name="reporter_token" type="hidden" value="([^"]+)"')
ARABIC = "وصلتني رسالة من رقم مجهول تطلب رمز التحقق"


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _form(world, **extra):
    return {"category": "phishing", "platforms": [f"org:{world.platform.id}"], "text": SECRET_TEXT, **extra}


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("lang", "again"),
    [("en", "press Send again"), *((lang, visible_text(translate(lang, SEND_AGAIN))) for lang in LANGUAGES)],
)
def test_a_lost_session_keeps_the_text_and_the_second_press_files_once(csrf_app, session, world, lang, again):
    browser = csrf_app.test_client()
    page = browser.get(f"/report?lang={lang}").get_data(as_text=True)
    data = {
        **_form(world, text=ARABIC),
        "nonce": nonce_of(page),
        "reporter_token": TOKEN.search(page).group(1),
    }
    browser.delete_cookie("session")  # a browser restart, a private tab closed, a cookie expired
    g.pop("reporter_token", None)  # Flask-WTF caches the token on `g`, which the test's app context keeps

    stale = browser.post(f"/report?lang={lang}", data=data)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 400 and _count(session, Report) == 0
    assert again in visible_text(html) and ARABIC in html and "CSRF" not in html
    assert f'lang="{lang}"' in html
    fresh_token = TOKEN.search(html).group(1)
    assert fresh_token != data["reporter_token"] and nonce_of(html) == data["nonce"]

    sent = browser.post(f"/report?lang={lang}", data={**data, "reporter_token": fresh_token})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/report/receipt")
    repeat = browser.post(f"/report?lang={lang}", data={**data, "reporter_token": fresh_token})
    assert repeat.status_code == 303
    first = CODE.search(browser.get("/report/receipt").get_data(as_text=True)).group(1)
    reload = CODE.search(browser.get("/report/receipt").get_data(as_text=True)).group(1)
    assert first == reload and _count(session, Report) == 1


def test_a_token_of_another_page_does_not_open_the_report_form(csrf_app, session, world):
    browser = csrf_app.test_client()
    nonce = nonce_of(browser.get("/report").get_data(as_text=True))
    with browser.session_transaction() as cookie:
        cookie["csrf_token"] = "a-token-the-member-pages-use"
    response = browser.post("/report", data={**_form(world), "nonce": nonce, "reporter_token": "forged"})
    assert response.status_code == 400 and _count(session, Report) == 0


def test_every_reporter_post_checks_its_token(csrf_app, session, world):
    browser = csrf_app.test_client()
    for path in ("/report", "/report/follow-up"):
        nonce = nonce_of(browser.get(path).get_data(as_text=True))
        assert browser.post(path, data={**_form(world), "code": "X", "nonce": nonce}).status_code == 400
    assert _count(session, Report) == 0


def test_the_receipt_needs_the_acknowledgement_then_forgets_the_code(client, session, world):
    html, code = send_report(client, _form(world))
    assert code and "I have written down my code" in html
    refused = client.post("/report/receipt", data={"nonce": nonce_of(html)})
    assert refused.status_code == 400 and code in refused.get_data(as_text=True)
    done = client.post("/report/receipt", data={"nonce": nonce_of(html), "written_down": "y"})
    assert done.status_code == 303 and code not in done.headers["Location"]
    assert client.get("/report/receipt").status_code == 303  # the handle left the session
    session.expire_all()
    assert session.scalars(select(IntakeHandle.sealed_code)).all() == [None]


def test_a_receipt_handle_of_another_browser_opens_nothing(client, app, session, world):
    send_report(client, _form(world))
    stranger = app.test_client()
    assert stranger.get("/report/receipt").status_code == 303


def test_a_repeated_follow_up_message_is_added_once(client, session, world):
    code = send_report(client, _form(world))[1]
    thread = follow_up(client, code)
    data = {"code": code, "message": "one more thing", "nonce": nonce_of(thread)}
    client.post("/report/follow-up", data=data)
    again = client.post("/report/follow-up", data=data).get_data(as_text=True)
    assert again.count("one more thing") == 1 and _count(session, ReportMessage) == 1
