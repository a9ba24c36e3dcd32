"""Responders: who they are, the queue, replies, notes, escalation, and the platform's view and answer."""

from __future__ import annotations

import pytest

from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.orgs.models import User
from hub.policy.tlp import Tlp
from hub.reports.models import MessageKind, Outcome, Status
from hub.reports.triage import (
    add_message,
    answer_escalation,
    assign,
    designate_helpline,
    escalate,
    get_case,
    get_platform_case,
    has_platform_cases,
    is_responder,
    list_helplines,
    list_platform_cases,
    list_queue,
    set_status,
)
from tests.factories import make_org
from tests.reports.conftest import SECRET_CONTACT, SECRET_TEXT, SECRET_TRACE, file_report, make_user


def test_coordinators_and_helpline_members_respond_others_do_not(session, world):
    assert is_responder(session, world.p(session, world.responder))
    assert is_responder(session, world.p(session, world.coordinator))
    for user in (world.platform_user, world.outsider):
        assert not is_responder(session, world.p(session, user))
        with pytest.raises(PermissionDenied):
            list_queue(session, world.p(session, user))


def test_only_coordinators_designate_helplines(session, world):
    org = make_org(session, "New Helpline")
    with pytest.raises(PermissionDenied):
        designate_helpline(session, world.p(session, world.responder), org)
    designate_helpline(session, world.p(session, world.coordinator), org)
    assert org in list_helplines(session)
    designate_helpline(session, world.p(session, world.coordinator), org, designated=False)
    assert org not in list_helplines(session)


def test_non_responders_cannot_see_a_report_exists(session, sealer, world):
    report, _ = file_report(session, sealer, world)
    with pytest.raises(NotFound):
        get_case(session, world.p(session, world.outsider), sealer, report.id)


def test_queue_filters_by_status_and_assignment_moves_a_new_report_in_progress(session, sealer, world):
    first, _ = file_report(session, sealer, world)
    second, _ = file_report(session, sealer, world)
    p = world.p(session, world.responder)
    assign(session, p, first, world.responder)
    session.commit()
    assert list_queue(session, p, Status.NEW) == [second]
    assert first.status == Status.IN_PROGRESS and first.triaged_at is not None
    assert first.assignee == world.responder


def test_only_responders_can_be_assigned(session, sealer, world):
    report, _ = file_report(session, sealer, world)
    with pytest.raises(InvalidInput):
        assign(session, world.p(session, world.responder), report, world.outsider)


def test_first_reply_sets_first_response_and_notes_do_not(session, sealer, world):
    report, _ = file_report(session, sealer, world)
    p = world.p(session, world.responder)
    add_message(session, p, sealer, report, MessageKind.NOTE, "internal")
    assert report.first_response_at is None and report.triaged_at is not None
    add_message(session, p, sealer, report, MessageKind.REPLY, "hello")
    assert report.first_response_at is not None
    case = get_case(session, p, sealer, report.id)
    assert [(m.kind, m.text) for m in case.messages] == [("note", "internal"), ("reply", "hello")]


def test_status_changes_record_resolution_and_closing(session, sealer, world):
    report, _ = file_report(session, sealer, world)
    p = world.p(session, world.coordinator)
    set_status(session, p, report, Status.RESOLVED)
    set_status(session, p, report, Status.CLOSED)
    assert report.resolved_at is not None and report.closed_at is not None
    set_status(session, p, report, Status.IN_PROGRESS)
    assert report.closed_at is None


def test_escalation_needs_consent_and_a_named_platform(session, sealer, world):
    p = world.p(session, world.responder)
    refused, _ = file_report(session, sealer, world, escalate=False)
    with pytest.raises(PermissionDenied, match="consent"):
        escalate(session, p, sealer, refused, world.platform, "please act")
    report, _ = file_report(session, sealer, world)
    other_platform = make_org(session, "Other Platform", org_type="platform")
    with pytest.raises(InvalidInput, match="named"):
        escalate(session, p, sealer, report, other_platform, "please act")
    escalate(session, p, sealer, report, world.platform, "please act")
    assert report.status == Status.ESCALATED
    with pytest.raises(Conflict):
        escalate(session, p, sealer, report, world.platform, "again")


def test_platform_sees_only_consented_fields_and_never_the_contact(session, sealer, world):
    p = world.p(session, world.responder)
    shared, _ = file_report(session, sealer, world, share=Tlp.AMBER)
    private, _ = file_report(session, sealer, world, share=None)
    first = escalate(session, p, sealer, shared, world.platform, "account takeover")
    second = escalate(session, p, sealer, private, world.platform, "impersonation")
    session.commit()
    platform = world.p(session, world.platform_user)

    assert {e.id for e in list_platform_cases(session, platform)} == {first.id, second.id}
    case = get_platform_case(session, platform, sealer, first.id)
    assert case.text == SECRET_TEXT and SECRET_TRACE in case.traces and case.request == "account takeover"
    assert SECRET_CONTACT not in repr(case)
    assert get_platform_case(session, platform, sealer, second.id).traces == ()


def test_other_organisations_cannot_see_an_escalation(session, sealer, world):
    report, _ = file_report(session, sealer, world)
    escalation = escalate(session, world.p(session, world.responder), sealer, report, world.platform, "x")
    session.commit()
    for user in (world.outsider, world.responder):
        with pytest.raises(NotFound):
            get_platform_case(session, world.p(session, user), sealer, escalation.id)
    assert list_platform_cases(session, world.p(session, world.outsider)) == []
    assert not has_platform_cases(session, world.p(session, world.outsider))
    assert has_platform_cases(session, world.p(session, world.platform_user))


def test_platform_answer_is_seen_by_responders(session, sealer, world):
    report, _ = file_report(session, sealer, world)
    escalation = escalate(session, world.p(session, world.responder), sealer, report, world.platform, "x")
    session.commit()
    answer_escalation(
        session,
        world.p(session, world.platform_user),
        sealer,
        escalation.id,
        Outcome.ACTIONED,
        "account suspended",
    )
    session.commit()
    case = get_case(session, world.p(session, world.coordinator), sealer, report.id)
    assert case.report.escalations[0].outcome == Outcome.ACTIONED
    assert case.escalation_texts[escalation.id] == ("x", "account suspended")
    with pytest.raises(InvalidInput):
        answer_escalation(
            session, world.p(session, world.platform_user), sealer, escalation.id, Outcome.PENDING, ""
        )


def test_inactive_helpline_member_is_not_a_responder(session, world):
    member: User = make_user(session, world.helpline)
    member.org.status = "suspended"
    assert not is_responder(session, world.p(session, member))
