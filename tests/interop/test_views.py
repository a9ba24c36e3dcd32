"""The export downloads of the web UI: login required, and only what the member may see."""

from __future__ import annotations

import json

from hub.policy.tlp import Tlp
from tests.factories import PASSWORD, indicator, make_org, make_user, post


def _login(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_export_pages_need_login(client):
    for path in ("/export/", "/export/download?format=stix"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_member_downloads_a_stix_bundle_of_what_they_may_see(client, session, member):
    post(
        session,
        member.user,
        member.collection,
        [indicator(Tlp.CLEAR, value="public.example"), indicator(Tlp.AMBER, value="secret.example")],
    )
    reader = make_user(session, make_org(session, tier="registered"))
    from hub.sharing.service import set_rules

    set_rules(session, None, member.collection, ["tier:registered"], ["org:Importing NGO"])
    session.commit()
    _login(client, reader)
    assert "MVT indicators" in client.get("/export/").get_data(as_text=True)
    response = client.get(
        "/export/download", query_string={"format": "stix", "collection": member.collection.id}
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = json.loads(response.get_data())
    text = json.dumps(bundle)
    assert "public.example" in text and "secret.example" not in text


def test_member_downloads_mvt_and_csv(client, session, member):
    post(session, member.user, member.collection, [indicator(Tlp.GREEN, value="mvt.example")])
    _login(client, member.user)
    mvt = client.get("/export/download", query_string={"format": "mvt"})
    assert "[domain-name:value='mvt.example']" in mvt.get_data(as_text=True)
    csv = client.get("/export/download", query_string={"format": "csv", "tlp_max": "clear"})
    assert csv.get_data(as_text=True).splitlines() == ["type,value,tlp,valid_from,valid_until,indicator_id"]
