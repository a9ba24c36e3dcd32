"""Channel pages (issue 12, item 12): rules ticked from lists or typed, and who gains and loses access shown
before a channel is created or its rules saved; a change that widens the coordinator's own reach is announced
as a proposal."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from hub.approvals.models import Proposal
from hub.audit.models import AuditEvent
from hub.sharing.models import AccessRule, Collection
from hub.sharing.service import rule_text
from tests.admin.builders import user
from tests.factories import make_collection

FORM = {"title": "Phishing", "alias": "", "description": "", "default_tlp": "green", "read": "", "write": ""}


def _stored(session):  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count(AccessRule.id))), session.scalar(
        select(func.count(AuditEvent.id))
    )


def _previewed(html: str) -> str:
    return re.search(r'name="previewed" type="hidden" value="([0-9a-f]+)"', html).group(1)


def test_a_new_channel_is_previewed_then_saved(as_role, people, session):
    user(session, people["org_b"])
    session.commit()
    coordinator = as_role("coordinator")
    page = coordinator.get("/admin/collections/new").get_data(as_text=True)
    assert 'value="tier:vetted"' in page and 'value="org:Org B"' in page and 'type="checkbox"' in page
    before = _stored(session)
    data = {**FORM, "read_tiers": ["tier:trusted"], "read_orgs": ["org:Org B"], "write": "org:Org A"}
    shown = coordinator.post("/admin/collections/new", data={**data, "step": "save"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Who gains and who loses access" in html
    assert _stored(session) == before and session.scalar(select(func.count(Collection.id))) == 0
    gains = re.findall(r"<th scope=\"row\"><bdi>([^<]+)</bdi></th><td class=\"num\">([^<]+)</td>", html)
    assert ("Org B", "2 people") in gains and ("Coordination", "1 person") in gains
    assert ("Org A", "2 people") in gains  # writing
    assert 'value="org:Org B" checked' in html or 'checked id="read_orgs' in html or "checked" in html
    saved = coordinator.post(
        "/admin/collections/new", data={**data, "step": "save", "previewed": _previewed(html)}
    )
    assert saved.status_code == 302
    created = session.scalar(select(Collection))
    assert sorted(f"{r.mode} {rule_text(r)}" for r in created.rules) == [
        "read org:Org B",
        "read tier:trusted",
        "write org:Org A",
    ]


def test_a_rule_change_shows_who_loses_access_and_a_changed_form_is_previewed_again(as_role, people, session):
    channel = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], title="Feed")
    session.commit()
    coordinator = as_role("coordinator")
    page = coordinator.get(f"/admin/collections/{channel.id}").get_data(as_text=True)
    assert re.search(
        r'checked id="read_tiers-\d+" name="read_tiers" type="checkbox" value="tier:vetted"', page
    ) or ('value="tier:vetted" checked' in page)
    data = {
        **FORM,
        "title": "Feed",
        "read_orgs": ["org:Org B"],
        "write_tiers": ["tier:vetted"],
        "step": "save",
    }
    shown = coordinator.post(f"/admin/collections/{channel.id}", data=data).get_data(as_text=True)
    assert "Lose access" in shown and "Gain access" not in shown and "Org A" in shown
    assert [rule_text(r) for r in session.get(Collection, channel.id).rules if r.mode == "read"] == [
        "tier:vetted"
    ]
    changed = {**data, "read_orgs": ["org:Org A"], "previewed": _previewed(shown)}
    again = coordinator.post(f"/admin/collections/{channel.id}", data=changed)
    assert again.status_code == 200 and "Who gains and who loses access" in again.get_data(as_text=True)
    saved = coordinator.post(
        f"/admin/collections/{channel.id}", data={**data, "previewed": _previewed(shown)}
    )
    assert saved.status_code == 302
    session.expire_all()
    assert [rule_text(r) for r in session.get(Collection, channel.id).rules if r.mode == "read"] == [
        "org:Org B"
    ]


def test_a_title_change_saves_at_once_and_typed_rules_still_work(as_role, people, session):
    channel = make_collection(session, read=["tier:trusted"], write=[], title="Feed")
    session.commit()
    coordinator = as_role("coordinator")
    kept = {**FORM, "title": "Renamed", "read_tiers": ["tier:trusted"], "step": "save"}
    assert coordinator.post(f"/admin/collections/{channel.id}", data=kept).status_code == 302
    assert session.get(Collection, channel.id).title == "Renamed"
    typed = {**FORM, "title": "Renamed", "read": "tier:trusted\norg:Org B", "step": "preview"}
    shown = coordinator.post(f"/admin/collections/{channel.id}", data=typed).get_data(as_text=True)
    assert "Gain access" in shown and "Org B" in shown
    bad = {**typed, "read": "org:Ghost Org"}
    refused = coordinator.post(f"/admin/collections/{channel.id}", data=bad)
    assert refused.status_code == 400 and "Ghost Org" in refused.get_data(as_text=True)


def test_a_change_that_widens_the_coordinators_reach_is_announced_as_a_proposal(as_role, people, session):
    channel = make_collection(session, read=["org:Org A"], write=[], title="Closed")
    session.commit()
    coordinator = as_role("coordinator")
    data = {**FORM, "title": "Closed", "read_orgs": ["org:Org A", "org:Coordination"], "step": "preview"}
    shown = coordinator.post(f"/admin/collections/{channel.id}", data=data).get_data(as_text=True)
    assert "saving makes it a proposal" in shown
    assert session.scalar(select(func.count(Proposal.id))) == 0
    saved = coordinator.post(
        f"/admin/collections/{channel.id}", data={**data, "step": "save", "previewed": _previewed(shown)}
    )
    assert saved.status_code == 302 and session.scalar(select(func.count(Proposal.id))) == 1


def test_the_preview_in_arabic(as_role, people, session):
    channel = make_collection(session, read=["tier:vetted"], write=[], title="Feed")
    session.commit()
    data = {**FORM, "title": "Feed", "read_tiers": ["tier:trusted"], "step": "preview"}
    html = (
        as_role("coordinator")
        .post(f"/admin/collections/{channel.id}?lang=ar", data=data)
        .get_data(as_text=True)
    )
    assert 'dir="rtl"' in html and "يفقدون الوصول" in html and "Lose access" not in html and "Org A" in html
