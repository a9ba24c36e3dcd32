"""Applications to join: the public form, the applicant's status link, and the coordinators' decisions.

Approval creates the organisation (`hub.orgs.service.add_org`) and its first admin's account. The applicant's
status link is the only way back to an application; only a SHA-256 of its secret is stored. The first admin's
invitation link is fetched from that status page, the applicant's own channel: the approving coordinator never
sees it (holding it, they could set the new admin's password; `hub.policy.admin_actions`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import first_or_raise, get_or_raise, utcnow
from hub.errors import Conflict, InvalidInput
from hub.notify.outbox import emit
from hub.orgs.members import IssuedInvite, invite_contact, issue_invite
from hub.orgs.models import Organisation, OrgStatus, OrgType, Role, Tier, User
from hub.orgs.onboarding_models import Application, ApplicationStatus, Invite
from hub.orgs.service import add_org, normalise_email
from hub.orgs.trust import require_reason
from hub.policy.principal import Principal
from hub.policy.roles import require_coordinator

APPLICANT_TYPES = tuple(t for t in OrgType if t is not OrgType.COORDINATOR)
LIMITS = {"name": 200, "country": 80, "description": 5000, "contact_email": 320, "references": 2000}


@dataclass(frozen=True, slots=True)
class SubmittedApplication:
    """A new application and the secret of its status link (shown once to the applicant)."""

    application: Application
    status_secret: str


@dataclass(frozen=True, slots=True)
class Approval:
    """The organisation an approval created and the invitation for its first admin (without its secret)."""

    org: Organisation
    invite: Invite


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def messages(application: Application) -> list[dict[str, str]]:
    """The questions and answers exchanged, oldest first."""
    return list(json.loads(application.messages or "[]"))


def _append_message(application: Application, by: str, text: str) -> None:
    entry = {"at": utcnow().isoformat(timespec="seconds"), "by": by, "text": text}
    application.messages = json.dumps([*messages(application), entry])
    application.updated_at = utcnow()


def submit(
    session: Session,
    *,
    name: str,
    org_type: str,
    country: str,
    description: str,
    contact_email: str,
    references: str = "",
) -> SubmittedApplication:
    """Record an application from the public form. :raises InvalidInput: a missing or malformed field."""
    fields: dict[str, Any] = {
        "name": name.strip(),
        "country": country.strip(),
        "description": description.strip(),
        "contact_email": normalise_email(contact_email),
        "references": references.strip(),
    }
    for key, limit in LIMITS.items():
        if key != "references" and not fields[key]:
            raise InvalidInput(f"the field {key.replace('_', ' ')} is required")
        if len(fields[key]) > limit:
            raise InvalidInput(f"the field {key.replace('_', ' ')} is longer than {limit} characters")
    if org_type not in {t.value for t in APPLICANT_TYPES}:
        raise InvalidInput(
            f"unknown organisation type {org_type!r}; choose one of "
            f"{', '.join(t.value for t in APPLICANT_TYPES)}"
        )
    local, at, domain = fields["contact_email"].partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in fields["contact_email"]):
        raise InvalidInput(f"{contact_email!r} is not an email address")
    secret = secrets.token_urlsafe(32)
    application = Application(
        org_type=org_type,
        status=ApplicationStatus.PENDING.value,
        status_token_hash=_hash(secret),
        messages="[]",
        **fields,
    )
    session.add(application)
    session.flush()
    record(session, None, "application.submit", "application", application.id, name=application.name)
    emit(session, "application.new", application_id=application.id)  # coordinators are told (hub.notify)
    return SubmittedApplication(application, secret)


def get_by_status_secret(session: Session, secret: str) -> Application:
    """The application behind a status link."""
    return first_or_raise(
        session,
        select(Application).where(Application.status_token_hash == _hash(secret)),
        "no application has this status link",
    )


def answer(session: Session, secret: str, text: str) -> Application:
    """The applicant answers a question; the application returns to the queue."""
    application = get_by_status_secret(session, secret)
    if application.status != ApplicationStatus.INFO_REQUESTED:
        raise Conflict("nobody has asked a question about this application")
    body = text.strip()
    if not body:
        raise InvalidInput("write an answer")
    if len(body) > LIMITS["description"]:
        raise InvalidInput(f"an answer may be at most {LIMITS['description']} characters")
    _append_message(application, "applicant", body)
    application.status = ApplicationStatus.PENDING.value
    record(session, None, "application.answer", "application", application.id)
    return application


def applicant_invite(session: Session, secret: str) -> IssuedInvite:
    """A fresh invitation for the first admin of an approved application, asked for on its status page.

    Only while that admin has never set a password: afterwards the organisation's admins manage accounts.
    :raises Conflict: not approved, or the account is already set up.
    """
    application = get_by_status_secret(session, secret)
    if application.status != ApplicationStatus.APPROVED or application.org_id is None:
        raise Conflict("this application is not approved")
    user = session.scalar(
        select(User).where(User.email == application.contact_email, User.org_id == application.org_id)
    )
    if user is None or user.password_hash is not None or not user.is_active:
        raise Conflict("the first admin account is already set up; ask your organisation's admin for help")
    return issue_invite(session, None, user)


def list_applications(
    session: Session, p: Principal, status: ApplicationStatus | None = None
) -> list[Application]:
    """Applications, open ones first, newest activity first."""
    require_coordinator(p)
    query = select(Application).order_by(Application.updated_at.desc(), Application.id.desc())
    if status is not None:
        query = query.where(Application.status == status.value)
    return list(session.scalars(query))


def get_application(session: Session, p: Principal, application_id: int) -> Application:
    """One application."""
    require_coordinator(p)
    return get_or_raise(session, Application, application_id, f"no application with id {application_id}")


def reference_matches(session: Session, application: Application) -> list[tuple[str, Organisation | None]]:
    """Each line of the references, with the vetted active member organisation of that name, if there is one.

    The public form never says whether a name matches: membership of the hub can put people at risk.
    """
    found: list[tuple[str, Organisation | None]] = []
    for line in application.references.splitlines():
        name = line.strip()
        if not name:
            continue
        org = session.scalar(
            select(Organisation).where(
                func.lower(Organisation.name) == name.lower(),
                Organisation.tier >= int(Tier.VETTED),
                Organisation.status == OrgStatus.ACTIVE.value,
            )
        )
        found.append((name, org))
    return found


def _open(session: Session, p: Principal, application_id: int) -> Application:
    application = get_application(session, p, application_id)
    if not ApplicationStatus(application.status).is_open:
        raise Conflict(f"this application is already {application.status}")
    return application


def _decide(application: Application, p: Principal, status: ApplicationStatus, reason: str | None) -> None:
    application.status = status.value
    application.decision_reason = reason
    application.decided_by_id = p.user_id
    application.decided_at = application.updated_at = utcnow()


def approve(session: Session, p: Principal, application_id: int, tier: str | Tier) -> Approval:
    """Create the organisation at `tier` and invite the contact as its first admin."""
    application = _open(session, p, application_id)
    org = add_org(
        session,
        p,
        application.name,
        application.org_type,
        tier,
        country=application.country,
        description=application.description,
    )
    invite = invite_contact(session, p, org, application.contact_email, Role.ORG_ADMIN)
    application.org = org
    _decide(application, p, ApplicationStatus.APPROVED, None)
    record(
        session,
        p,
        "application.approve",
        "application",
        application.id,
        org_id=org.id,
        tier=Tier(org.tier).label,
    )
    emit(session, "application.decided", application_id=application.id)  # to the contact address
    return Approval(org, invite)


def request_information(session: Session, p: Principal, application_id: int, note: str) -> Application:
    """Ask the applicant a question, shown on their status page. :raises InvalidInput: empty note."""
    application = _open(session, p, application_id)
    text = require_reason(note)
    _append_message(application, "coordinator", text)
    application.status = ApplicationStatus.INFO_REQUESTED.value
    record(session, p, "application.request-info", "application", application.id, reason=text)
    emit(session, "application.decided", application_id=application.id)
    return application


def reject(session: Session, p: Principal, application_id: int, reason: str) -> Application:
    """Refuse the application; the reason is shown to the applicant and audited."""
    application = _open(session, p, application_id)
    text = require_reason(reason)
    _decide(application, p, ApplicationStatus.REJECTED, text)
    record(session, p, "application.reject", "application", application.id, reason=text)
    emit(session, "application.decided", application_id=application.id)
    return application
