"""My submissions and the organisation view: every state, the coordinator's reason, sightings, totals — and
nothing the visibility rule hides (a colleague's TLP:RED addressed only to its author is neither listed nor
counted for the org admin)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.errors import PermissionDenied
from hub.policy.tlp import Tlp
from hub.stix.build import Feedback, build_sighting
from hub.stix.models import ObjectVersion
from hub.stix.moderation import reject, withdraw
from hub.stix.produced import PAGE_SIZE, Scope, Status, Wanted, produced
from hub.stix.revision import revoke
from tests.factories import indicator, make_collection, make_org, make_user, post, principal


@pytest.fixture
def world(session):
    org = make_org(session, "Rights Watch", tier="vetted")
    author, colleague = make_user(session, org), make_user(session, org)
    admin = make_user(session, org, role="org-admin")
    newcomer_org = make_org(session, "New Voices", tier="registered")
    newcomer = make_user(session, newcomer_org)
    newcomer_admin = make_user(session, newcomer_org, role="org-admin")
    other = make_user(session, make_org(session, "Helpline", tier="trusted"))
    coordinator = make_user(session, make_org(session, "Coordination", tier="trusted"), role="coordinator")
    channel = make_collection(
        session,
        read=["tier:registered", f"user:{author.email}"],
        write=["tier:registered"],
        title="Community",
    )
    objs = {
        "clear": indicator(Tlp.CLEAR, name="clear"),
        "amber": indicator(Tlp.AMBER, name="amber"),
        "red": indicator(Tlp.RED, name="red"),
        "revoked": indicator(Tlp.GREEN, name="revoked"),
    }
    post(session, author, channel, list(objs.values()))
    post(session, colleague, channel, [colleague_obj := indicator(Tlp.GREEN, name="colleague")])
    post(session, other, channel, [indicator(Tlp.GREEN, name="not ours")])
    post(session, other, channel, [build_sighting(objs["clear"]["id"], Tlp.CLEAR, Feedback.SEEN, "", None)])
    revoke(session, principal(session, author), channel.id, objs["revoked"]["id"])
    waiting = [indicator(Tlp.GREEN, name=f"waiting-{n}") for n in range(3)]
    post(session, newcomer, channel, waiting)
    p_coord = principal(session, coordinator)
    ids = {
        v.stix_id: v.id
        for v in session.scalars(
            select(ObjectVersion).where(ObjectVersion.stix_id.in_([w["id"] for w in waiting]))
        )
    }
    reject(session, p_coord, ids[waiting[0]["id"]], "Duplicate of an existing indicator")
    session.commit()
    return {
        "author": author,
        "colleague": colleague,
        "admin": admin,
        "newcomer": newcomer,
        "newcomer_admin": newcomer_admin,
        "coordinator": coordinator,
        "channel": channel,
        "colleague_obj": colleague_obj,
    }


def _names(page):
    return {row.body["name"] for row in page.rows}


def test_my_submissions_list_every_state_with_sightings(session, world):
    page = produced(session, principal(session, world["author"]), Wanted())
    assert _names(page) == {"clear", "amber", "red", "revoked"}
    assert page.total == 4 and page.by_status == {Status.PUBLISHED: 3, Status.REVOKED: 1}
    rows = {row.body["name"]: row for row in page.rows}
    assert rows["clear"].sightings == 1 and rows["amber"].sightings == 0
    assert rows["revoked"].body["revoked"] is True
    assert [r.version.date_added for r in page.rows] == sorted(
        (r.version.date_added for r in page.rows), reverse=True
    )


def test_the_org_view_hides_a_colleagues_red_object_from_rows_and_counts(session, world):
    page = produced(session, principal(session, world["admin"]), Wanted(Scope.ORG))
    assert _names(page) == {"clear", "amber", "revoked", "colleague"}
    assert page.total == 4 and sum(page.by_status.values()) == 4
    with pytest.raises(PermissionDenied):
        produced(session, principal(session, world["colleague"]), Wanted(Scope.ORG))
    assert _names(produced(session, principal(session, world["colleague"]), Wanted())) == {"colleague"}


def test_rejected_and_withdrawn_show_the_coordinators_reason_and_filters_agree_with_counts(session, world):
    p_admin = principal(session, world["newcomer_admin"])
    page = produced(session, p_admin, Wanted(Scope.ORG))
    assert page.by_status == {Status.QUARANTINED: 2, Status.REJECTED: 1}
    (rejected,) = produced(session, p_admin, Wanted(Scope.ORG, Status.REJECTED)).rows
    assert rejected.reason == "Duplicate of an existing indicator"
    published = produced(session, principal(session, world["author"]), Wanted(status=Status.PUBLISHED))
    assert published.total == 3 and len(published.rows) == 3
    version = next(r.version for r in published.rows if r.body["name"] == "amber")
    withdraw(session, principal(session, world["coordinator"]), version.id, "Names a person at risk")
    session.commit()
    (withdrawn,) = produced(
        session, principal(session, world["author"]), Wanted(status=Status.WITHDRAWN)
    ).rows
    assert (withdrawn.body["name"], withdrawn.reason) == ("amber", "Names a person at risk")
    assert produced(session, principal(session, world["author"]), Wanted(type="sighting")).total == 0


def test_pages_of_fifty_with_totals(session, world):
    post(session, world["colleague"], world["channel"], [indicator(Tlp.GREEN) for _ in range(PAGE_SIZE + 3)])
    p = principal(session, world["colleague"])
    first, last = produced(session, p, Wanted(page=1)), produced(session, p, Wanted(page=99))
    assert (first.total, first.pages, len(first.rows)) == (PAGE_SIZE + 4, 2, PAGE_SIZE)
    assert (last.page, len(last.rows)) == (2, 4)
    assert "colleague" in _names(last)  # the oldest is on the last page
