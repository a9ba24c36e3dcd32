"""Coordinators' pages: applications end to end, tiers with reasons, moderation, withdrawal, audit,
channels."""

from __future__ import annotations

import re

from sqlalchemy import select

from hub.orgs.models import Organisation, OrgStatus, Tier
from hub.policy.tlp import Tlp
from hub.stix.models import ObjectVersion, State
from tests.admin.builders import user
from tests.factories import indicator, make_collection, make_org, post

APPLICATION = {
    "name": "Rights Radio <script>alert(1)</script>",
    "org_type": "ngo",
    "country": "Kenya",
    "description": "Community radio.",
    "contact_email": "lead@rights-radio.example",
    "references": "Org A\nUnknown Friends",
}


def _status_link(html: bytes) -> str:
    return re.search(rb"http://localhost(/join/status/[A-Za-z0-9_-]+)", html).group(1).decode()


def test_apply_ask_answer_approve_and_set_up_the_first_admin(as_role, session):
    applicant = as_role(None)
    assert applicant.post("/join/", data={**APPLICATION, "country": ""}).status_code == 400
    submitted = applicant.post("/join/", data=APPLICATION)
    assert submitted.status_code == 200
    status_url = _status_link(submitted.data)

    coordinator = as_role("coordinator")
    listing = coordinator.get("/admin/applications").data
    assert b"<script>alert(1)</script>" not in listing and b"&lt;script&gt;" in listing
    application_id = re.search(rb"/admin/applications/(\d+)", listing).group(1).decode()
    detail = coordinator.get(f"/admin/applications/{application_id}").data
    assert b"vetted member: Org A" in detail and b"not a vetted member of the hub" in detail

    assert coordinator.post(f"/admin/applications/{application_id}/ask", data={"note": ""}).status_code == 400
    assert (
        coordinator.post(
            f"/admin/applications/{application_id}/ask", data={"note": "Who funds you?"}
        ).status_code
        == 302
    )
    assert b"Who funds you?" in applicant.get(status_url).data
    assert applicant.post(status_url, data={"answer": "Two foundations."}).status_code == 302
    assert b"Two foundations." in coordinator.get(f"/admin/applications/{application_id}").data

    approved = coordinator.post(f"/admin/applications/{application_id}/approve", data={"tier": "vetted"})
    assert approved.status_code == 302
    shown = coordinator.get(approved.location).data
    assert b"/join/invite/" not in shown and b"status page" in shown  # the link is the applicant's only
    org = session.scalar(select(Organisation).where(Organisation.name == APPLICATION["name"]))
    assert org.tier == Tier.VETTED

    fetched = applicant.post(f"{status_url}/invite")
    assert fetched.status_code == 302 and fetched.location.startswith("/join/invite/")
    done = applicant.post(
        fetched.location, data={"password": "a long enough password", "confirm": "a long enough password"}
    )
    assert done.status_code == 302 and done.location == "/login"


def test_reject_needs_a_reason_which_the_applicant_sees(as_role):
    applicant = as_role(None)
    status_url = _status_link(applicant.post("/join/", data=APPLICATION).data)
    coordinator = as_role("coordinator")
    application_id = re.search(rb"/admin/applications/(\d+)", coordinator.get("/admin/applications").data)
    url = f"/admin/applications/{application_id.group(1).decode()}/reject"
    assert coordinator.post(url, data={"reason": " "}).status_code == 400
    assert coordinator.post(url, data={"reason": "Not a rights organisation."}).status_code == 302
    assert b"Not a rights organisation." in applicant.get(status_url).data


def test_tier_changes_need_a_reason_and_appear_in_the_history(as_role, people, session):
    coordinator = as_role("coordinator")
    org_b = people["org_b"]
    tier_url = f"/admin/orgs/{org_b.id}/tier"
    assert coordinator.post(tier_url, data={"tier": "trusted", "reason": ""}).status_code == 400
    reason = "long record of good reports"
    assert coordinator.post(tier_url, data={"tier": "trusted", "reason": reason}).status_code == 302
    assert coordinator.post(f"/admin/orgs/{org_b.id}/suspend", data={"reason": ""}).status_code == 400
    assert (
        coordinator.post(
            f"/admin/orgs/{org_b.id}/suspend", data={"reason": "compromised account"}
        ).status_code
        == 302
    )
    session.refresh(org_b)
    assert (org_b.tier, org_b.status) == (Tier.TRUSTED, OrgStatus.SUSPENDED)
    history = coordinator.get(f"/admin/orgs/{org_b.id}").data
    assert b"long record of good reports" in history and b"compromised account" in history
    assert coordinator.post(f"/admin/orgs/{org_b.id}/reinstate", data={"reason": "fixed"}).status_code == 302


def test_moderation_queue_approve_and_reject(as_role, session):
    newcomer = user(session, make_org(session, "Newcomer", "registered"))
    collection = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], default_tlp=Tlp.GREEN
    )
    good, bad = indicator(Tlp.GREEN, name="Good <b>find</b>"), indicator(Tlp.GREEN, name="Spam")
    post(session, newcomer, collection, [good, bad])
    coordinator = as_role("coordinator")
    queue = coordinator.get("/admin/moderation").data
    assert b"Good &lt;b&gt;find&lt;/b&gt;" in queue and b"Newcomer" in queue
    ids = {v.stix_id: v.id for v in session.scalars(select(ObjectVersion))}
    object_link = re.search(rb'href="(/collections/[^"]+)"', queue).group(1).decode().replace("&amp;", "&")
    assert coordinator.get(object_link).status_code == 200
    assert coordinator.post(f"/admin/moderation/{ids[good['id']]}/approve").status_code == 302
    reject_url = f"/admin/moderation/{ids[bad['id']]}/reject"
    assert coordinator.post(reject_url, data={"reason": ""}).status_code == 302
    assert (
        session.scalar(select(ObjectVersion.state).where(ObjectVersion.stix_id == bad["id"]))
        == State.QUARANTINED
    )
    assert (
        coordinator.post(f"/admin/moderation/{ids[bad['id']]}/reject", data={"reason": "spam"}).status_code
        == 302
    )
    states = dict(session.execute(select(ObjectVersion.stix_id, ObjectVersion.state)).all())
    assert (states[good["id"]], states[bad["id"]]) == (State.PUBLISHED, State.WITHDRAWN)
    assert b"Nothing is waiting." in coordinator.get("/admin/moderation").data


def test_withdraw_a_published_object(as_role, people, session):
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"])
    obj = indicator(Tlp.AMBER)
    post(session, people["member"], collection, [obj])
    coordinator = as_role("coordinator")
    found = coordinator.get(f"/admin/objects?stix_id={obj['id']}").data
    version_id = re.search(rb"/admin/objects/(\d+)/withdraw", found).group(1).decode()
    assert coordinator.post(f"/admin/objects/{version_id}/withdraw", data={"reason": ""}).status_code == 302
    assert (
        coordinator.post(
            f"/admin/objects/{version_id}/withdraw", data={"reason": "names a person at risk"}
        ).status_code
        == 302
    )
    assert session.scalar(select(ObjectVersion.state)) == State.WITHDRAWN
    reader = as_role("admin_b")
    assert reader.get(f"/collections/{collection.id}/objects/{obj['id']}").status_code == 404


def test_audit_log_filters(as_role, people):
    coordinator = as_role("coordinator")
    tier_url = f"/admin/orgs/{people['org_b'].id}/tier"
    coordinator.post(tier_url, data={"tier": "trusted", "reason": "earned it"})
    page = coordinator.get("/admin/audit?action=org.set-tier&org=Org+B").data
    assert b"earned it" in page
    assert b"earned it" not in coordinator.get("/admin/audit?action=user.").data
    assert coordinator.get("/admin/audit?since=not-a-date").status_code == 200


def test_channels_rules_errors_and_audience_preview(as_role, people, session):
    coordinator = as_role("coordinator")
    form = {
        "title": "Phishing",
        "alias": "",
        "description": "",
        "default_tlp": "green",
        "read": "tier:gold",
        "write": "",
    }
    refused = coordinator.post("/admin/collections/new", data=form)
    assert refused.status_code == 400 and b"unknown tier" in refused.data
    rules = {**form, "read": "tier:vetted\norg:Org B"}
    shown = coordinator.post("/admin/collections/new", data=rules)  # first who gains access, then Save
    assert shown.status_code == 200 and b"Who gains and who loses access" in shown.data
    previewed = (
        re.search(rb'name="previewed" type="hidden" value="([0-9a-f]+)"', shown.data).group(1).decode()
    )
    created = coordinator.post("/admin/collections/new", data={**rules, "previewed": previewed})
    assert created.status_code == 302
    page = coordinator.get(created.location).data
    assert b"Org A" in page and b"vetted: 2" in page
    unknown = coordinator.post(created.location, data={**form, "read": "org:Ghost Org"})
    assert unknown.status_code == 400 and b"no organisation named &#39;Ghost Org&#39;" in unknown.data


def test_sharing_groups(as_role, people):
    coordinator = as_role("coordinator")
    created = coordinator.post("/admin/groups", data={"name": "East Africa", "members": "Org A\nOrg B"})
    assert created.status_code == 302
    assert coordinator.post(created.location, data={"members": "Nobody"}).status_code == 400
    assert coordinator.post(created.location, data={"members": "Org B"}).status_code == 302
    assert b"Org B" in coordinator.get(created.location).data
