"""Moderation pages (issue 12, item 12): no error on the first visit of /admin/objects, Approve and Reject
that look different, approving several ticked objects with one reason, and stored codes shown as words."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.stix import moderation
from hub.stix.models import ObjectVersion, State
from tests.admin.builders import user
from tests.factories import indicator, make_collection, make_org, post


def _queue(session, count: int):  # type: ignore[no-untyped-def]
    newcomer = user(session, make_org(session, "Newcomer", "registered"))
    collection = make_collection(
        session, read=["tier:registered"], write=["tier:registered"], default_tlp=Tlp.GREEN
    )
    objects = [indicator(Tlp.GREEN, name=f"Lure {n}") for n in range(count)]
    post(session, newcomer, collection, objects)
    ids = dict(session.execute(select(ObjectVersion.stix_id, ObjectVersion.id)).all())
    return [ids[o["id"]] for o in objects]


def test_the_object_finder_shows_no_error_before_a_search(as_role):
    coordinator = as_role("coordinator")
    first = coordinator.get("/admin/objects").get_data(as_text=True)
    assert "This field is required." not in first and "No object you can see" not in first
    empty = coordinator.get("/admin/objects?stix_id=").get_data(as_text=True)
    assert "This field is required." in empty


def test_approve_and_reject_are_visually_distinct(as_role, session):
    _queue(session, 1)
    page = as_role("coordinator").get("/admin/moderation").get_data(as_text=True)
    assert re.search(r'<button type="submit" class="approve">Approve', page)
    assert re.search(r'<button type="submit" class="reject">Reject', page)
    css = (Path(__file__).resolve().parents[2] / "hub" / "static" / "hub.css").read_text()
    approve = re.search(r"button\.approve \{([^}]*)\}", css).group(1)
    reject = re.search(r"button\.reject \{([^}]*)\}", css).group(1)
    assert approve != reject and "background: var(--paper)" in reject and "var(--error)" in reject


def test_bulk_approval_publishes_the_ticked_rows_with_one_reason(as_role, session):
    first, second, third = _queue(session, 3)
    coordinator = as_role("coordinator")
    no_reason = coordinator.post("/admin/moderation/approve", data={"version": [str(first), str(second)]})
    assert no_reason.status_code == 400
    kept = no_reason.get_data(as_text=True)
    assert (
        f'value="{first}" id="tick-{first}" checked' in kept and f'value="{third}" id="tick-{third}">' in kept
    )
    nothing = coordinator.post("/admin/moderation/approve", data={"reason": "known source"})
    assert nothing.status_code == 400 and "Tick the objects to approve." in nothing.get_data(as_text=True)

    done = coordinator.post(
        "/admin/moderation/approve", data={"version": [str(first), str(second)], "reason": "known source"}
    )
    assert done.status_code == 302
    states = dict(session.execute(select(ObjectVersion.id, ObjectVersion.state)).all())
    assert (states[first], states[second], states[third]) == (
        State.PUBLISHED,
        State.PUBLISHED,
        State.QUARANTINED,
    )
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "object.approve")).all()
    assert sorted(json.loads(e.details)["version_id"] for e in events) == [first, second]
    assert {e.reason for e in events} == {"known source"}
    assert "2 objects are published." in coordinator.get("/admin/moderation").get_data(as_text=True)


def test_bulk_approval_leaves_what_someone_else_decided(session, people):
    first, second = _queue(session, 2)
    p = principal_for(session, people["coordinator"])
    moderation.reject(session, p, first, "spam")
    session.commit()
    published = moderation.approve_many(session, p, [first, second, second], "fine")
    session.commit()
    assert [v.id for v in published] == [second]
    assert session.get(ObjectVersion, first).state == State.WITHDRAWN


def test_codes_are_words_and_counts_agree_in_english_and_arabic(as_role, session):
    org = make_org(session, "Lone Helpline", "trusted", "hrd")
    user(session, org)
    session.commit()
    coordinator = as_role("coordinator")
    english = coordinator.get("/admin/orgs").get_data(as_text=True)
    row = re.search(r"Lone Helpline</a></td>(.*?)</tr>", english, re.S).group(1)
    assert "human-rights defender" in row and "trusted" in row and "1 account<" in row
    assert ">hrd<" not in row and "1 accounts" not in english
    arabic = coordinator.get("/admin/orgs?lang=ar").get_data(as_text=True)
    row = re.search(r"Lone Helpline</a></td>(.*?)</tr>", arabic, re.S).group(1)
    assert not re.search(r">\s*(hrd|trusted|vetted|ngo)\s*<", row)
    tiers = coordinator.get(f"/admin/orgs/{org.id}?lang=ar").get_data(as_text=True)
    assert (
        '<option selected value="trusted">' in tiers
        and '<option selected value="trusted">trusted' not in tiers
    )
