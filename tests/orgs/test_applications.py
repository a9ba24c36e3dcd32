"""Applications: the public form, the applicant's status link, and coordinators' decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.orgs import applications, members
from hub.orgs.models import Organisation, Role, Tier, User
from hub.orgs.onboarding_models import ApplicationStatus
from tests.admin.builders import user as make_user
from tests.factories import make_org, principal


def _apply(session, **overrides):
    fields = {
        "name": "Rights Radio",
        "org_type": "ngo",
        "country": "Kenya",
        "description": "We run a community radio about rights.",
        "contact_email": "Lead@Rights-Radio.example",
        "references": "",
    }
    fields.update(overrides)
    return applications.submit(session, **fields)


@pytest.fixture
def coordinator(session):
    return principal(
        session,
        make_user(session, make_org(session, "Coordination", "trusted", "coordinator"), "coordinator"),
    )


def test_submission_stores_only_a_hash_of_the_status_link(session):
    submitted = _apply(session)
    assert submitted.status_secret not in submitted.application.status_token_hash
    assert applications.get_by_status_secret(session, submitted.status_secret) is submitted.application
    assert submitted.application.contact_email == "lead@rights-radio.example"
    with pytest.raises(NotFound):
        applications.get_by_status_secret(session, "guessed")


@pytest.mark.parametrize("field", ["name", "country", "description", "contact_email"])
def test_required_fields_are_required(session, field):
    with pytest.raises(InvalidInput):
        _apply(session, **{field: "  "})


def test_applicants_cannot_claim_the_coordinator_type_or_give_a_bad_email(session):
    with pytest.raises(InvalidInput):
        _apply(session, org_type="coordinator")
    with pytest.raises(InvalidInput):
        _apply(session, contact_email="not an email")


def test_only_coordinators_see_and_decide_applications(session):
    submitted = _apply(session)
    org = make_org(session, "Member Org")
    for role in ("member", "org-admin"):
        p = principal(session, make_user(session, org, role))
        with pytest.raises(PermissionDenied):
            applications.list_applications(session, p)
        with pytest.raises(PermissionDenied):
            applications.approve(session, p, submitted.application.id, "vetted")


def test_approval_creates_the_org_at_the_chosen_tier_and_invites_its_first_admin(session, coordinator):
    submitted = _apply(session)
    approval = applications.approve(session, coordinator, submitted.application.id, "vetted")
    org = approval.org
    assert (org.name, org.tier, org.country) == ("Rights Radio", Tier.VETTED, "Kenya")
    first_admin = approval.invite.user
    assert not hasattr(approval.invite, "secret")  # the approving coordinator never holds the link
    assert (first_admin.email, first_admin.role, first_admin.password_hash) == (
        "lead@rights-radio.example",
        Role.ORG_ADMIN,
        None,
    )
    assert submitted.application.status == ApplicationStatus.APPROVED
    link = applications.applicant_invite(session, submitted.status_secret)  # the applicant's own channel
    user = members.accept_invite(session, link.secret, "a long enough password")
    assert user.password_hash is not None
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"application.submit", "org.add", "user.invite", "application.approve"} <= actions


def test_a_decided_application_cannot_be_decided_again(session, coordinator):
    submitted = _apply(session)
    applications.reject(session, coordinator, submitted.application.id, "not a rights organisation")
    with pytest.raises(Conflict):
        applications.approve(session, coordinator, submitted.application.id, "vetted")
    assert session.scalar(select(Organisation).where(Organisation.name == "Rights Radio")) is None


def test_rejection_and_questions_need_a_reason(session, coordinator):
    submitted = _apply(session)
    with pytest.raises(InvalidInput):
        applications.reject(session, coordinator, submitted.application.id, " ")
    with pytest.raises(InvalidInput):
        applications.request_information(session, coordinator, submitted.application.id, "")


def test_question_and_answer_round_trip_through_the_status_link(session, coordinator):
    submitted = _apply(session)
    with pytest.raises(Conflict):
        applications.answer(session, submitted.status_secret, "nobody asked")
    applications.request_information(session, coordinator, submitted.application.id, "Who funds you?")
    assert submitted.application.status == ApplicationStatus.INFO_REQUESTED
    applications.answer(session, submitted.status_secret, "Two foundations.")
    assert submitted.application.status == ApplicationStatus.PENDING
    assert [(m["by"], m["text"]) for m in applications.messages(submitted.application)] == [
        ("coordinator", "Who funds you?"),
        ("applicant", "Two foundations."),
    ]


def test_references_are_matched_only_against_vetted_active_members(session):
    make_org(session, "Known Vetted", "vetted")
    make_org(session, "Only Registered", "registered")
    submitted = _apply(session, references="known vetted\nOnly Registered\n\nNobody")
    matches = [
        (name, org.name if org else None)
        for name, org in applications.reference_matches(session, submitted.application)
    ]
    assert matches == [("known vetted", "Known Vetted"), ("Only Registered", None), ("Nobody", None)]


def test_the_applicant_can_fetch_a_fresh_invite_until_the_account_is_set_up(session, coordinator):
    submitted = _apply(session)
    with pytest.raises(Conflict):
        applications.applicant_invite(session, submitted.status_secret)
    applications.approve(session, coordinator, submitted.application.id, "registered")
    first = applications.applicant_invite(session, submitted.status_secret)
    fresh = applications.applicant_invite(session, submitted.status_secret)
    with pytest.raises(NotFound):
        members.get_invite(session, first.secret)
    members.accept_invite(session, fresh.secret, "a long enough password")
    with pytest.raises(Conflict):
        applications.applicant_invite(session, submitted.status_secret)
    role = session.scalar(select(User.role).where(User.email == "lead@rights-radio.example"))
    assert role == Role.ORG_ADMIN
