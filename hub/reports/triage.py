"""The responders' side: helpline designation, the triage queue, replies and notes, escalation to platforms.

Responders are coordinators and members of organisations a coordinator designated as helplines. Platform
organisations see only the cases escalated to them, with only the fields the reporter consented to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import get_or_raise, utcnow
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.notify.outbox import emit
from hub.orgs.models import Organisation, OrgType, User
from hub.orgs.service import list_orgs
from hub.policy.principal import Principal
from hub.reports.contents import MAX_TEXT, Contents, ThreadMessage, open_contents, thread
from hub.reports.crypto import Sealer
from hub.reports.models import (
    Author,
    Escalation,
    Helpline,
    MessageKind,
    Outcome,
    Report,
    ReportMessage,
    Status,
)

ANSWERS = (Outcome.ACKNOWLEDGED, Outcome.ACTIONED, Outcome.DECLINED)


@dataclass(frozen=True, slots=True)
class Case:
    """A report as responders see it: everything, opened."""

    report: Report
    contents: Contents
    messages: list[ThreadMessage]
    escalation_texts: dict[int, tuple[str, str]]  # escalation id -> (request to the platform, its answer)


@dataclass(frozen=True, slots=True)
class PlatformCase:
    """An escalated report as the platform sees it: only what the reporter consented to; never the contact."""

    escalation: Escalation
    category: str
    language: str
    reported_at: datetime
    text: str
    traces: tuple[str, ...]
    request: str
    answer: str


def designate_helpline(
    session: Session, p: Principal | None, org: Organisation, designated: bool = True
) -> None:
    """Make an organisation a helpline (its members respond to reports), or stop. `p` None is the operator.

    :raises PermissionDenied: `p` is not a coordinator.
    """
    if p is not None:
        _require_helpline_editor(p)
    existing = session.get(Helpline, org.id)
    if designated and existing is None:
        session.add(Helpline(org_id=org.id, designated_by_id=p.user_id if p else None))
    elif not designated and existing is not None:
        session.delete(existing)
    else:
        return
    session.flush()
    record(
        session,
        p,
        "helpline.designate" if designated else "helpline.revoke",
        "organisation",
        org.id,
        org_id=org.id,
    )


def helpline_candidates(session: Session, p: Principal) -> list[Organisation]:
    """The organisations a coordinator may designate as helplines (every one).

    :raises PermissionDenied: `p` is not a coordinator (the helplines page is theirs alone).
    """
    _require_helpline_editor(p)
    return list_orgs(session)


def helpline_candidate(session: Session, p: Principal, org_id: int) -> Organisation:
    """The organisation a coordinator chose to designate or revoke.

    :raises PermissionDenied: `p` is not a coordinator. :raises NotFound: no such organisation.
    """
    _require_helpline_editor(p)
    return get_or_raise(session, Organisation, org_id, "no such organisation")


def _require_helpline_editor(p: Principal) -> None:
    if not p.is_coordinator:
        raise PermissionDenied("only coordinators designate helplines")


def list_helplines(session: Session) -> list[Organisation]:
    """The organisations designated as helplines."""
    return list(session.scalars(select(Organisation).join(Helpline).order_by(Organisation.name)))


def is_responder(session: Session, p: Principal) -> bool:
    """True for coordinators and members of an active helpline organisation."""
    if p.is_coordinator:
        return True
    return p.org_active and p.org_id is not None and session.get(Helpline, p.org_id) is not None


def require_responder(session: Session, p: Principal) -> None:
    """:raises PermissionDenied: `p` is not a responder."""
    if not is_responder(session, p):
        raise PermissionDenied("only coordinators and helpline members respond to reports")


def list_queue(session: Session, p: Principal, status: Status | None = None) -> list[Report]:
    """The triage queue, oldest first, optionally of one status."""
    require_responder(session, p)
    query = select(Report).order_by(Report.created_at, Report.id)
    if status is not None:
        query = query.where(Report.status == status.value)
    return list(session.scalars(query))


def get_report(session: Session, p: Principal, report_id: int) -> Report:
    """One report, for responders only. :raises NotFound: no such report, or `p` is no responder."""
    report = session.get(Report, report_id) if is_responder(session, p) else None
    if report is None:
        raise NotFound(f"no report {report_id}")
    return report


def get_case(session: Session, p: Principal, sealer: Sealer, report_id: int) -> Case:
    """A report with its opened contents and whole thread, notes included."""
    report = get_report(session, p, report_id)
    texts = {
        e.id: (_open(sealer, e.sealed_request), _open(sealer, e.sealed_answer)) for e in report.escalations
    }
    return Case(report, open_contents(sealer, report), thread(sealer, report, with_notes=True), texts)


def _open(sealer: Sealer, token: str | None) -> str:
    return str(sealer.open(token)) if token else ""


def list_responders(session: Session) -> list[User]:
    """Users who may be assigned a report."""
    helpline_orgs = select(Helpline.org_id)
    return list(
        session.scalars(
            select(User)
            .where(User.is_active.is_(True), User.org_id.in_(helpline_orgs) | (User.role == "coordinator"))
            .order_by(User.email)
        )
    )


def assignee(session: Session, p: Principal, user_id: int) -> User | None:
    """The user a responder chose for a report; 0 means nobody (unassign). `assign` checks they respond.

    :raises InvalidInput: no such user.
    """
    require_responder(session, p)
    if not user_id:
        return None
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput("choose a responder")
    return user


def escalation_target(session: Session, p: Principal, platform_id: int) -> Organisation:
    """The platform a responder chose to escalate to; `escalate` checks the reporter named it.

    :raises NotFound: no such organisation, or `p` is no responder.
    """
    platform = session.get(Organisation, platform_id) if is_responder(session, p) else None
    if platform is None:
        raise NotFound("no such platform")
    return platform


def _touch(report: Report) -> None:
    """The first responder action on a report ends its triage time."""
    if report.triaged_at is None:
        report.triaged_at = utcnow()


def set_status(session: Session, p: Principal, report: Report, status: Status) -> None:
    """Move a report in the queue; records when it was first triaged, resolved, closed."""
    report = get_report(session, p, report.id)
    if report.sealed is None and status != Status.CLOSED:
        raise InvalidInput("a purged report stays closed")
    _touch(report)
    report.status = status.value
    if status == Status.RESOLVED and report.resolved_at is None:
        report.resolved_at = utcnow()
    if status == Status.CLOSED:
        report.closed_at = utcnow()
    else:
        report.closed_at = None
    record(session, p, "report.status", "report", report.id, after=status.value)


def assign(session: Session, p: Principal, report: Report, user: User | None) -> None:
    """Assign a report to a responder, or unassign it. :raises InvalidInput: the user is no responder."""
    report = get_report(session, p, report.id)
    if user is not None and user not in list_responders(session):
        raise InvalidInput(f"{user.email} is not a responder")
    _touch(report)
    report.assignee_id = user.id if user else None
    if report.status == Status.NEW and user is not None:
        report.status = Status.IN_PROGRESS.value
    record(session, p, "report.assign", "report", report.id, assignee=user.email if user else None)


def add_message(
    session: Session, p: Principal, sealer: Sealer, report: Report, kind: MessageKind, text: str
) -> ReportMessage:
    """Reply to the reporter (through the receipt channel) or add an internal note."""
    report = get_report(session, p, report.id)
    text = text.strip()
    if not text:
        raise InvalidInput("write something first")
    if len(text) > MAX_TEXT:
        raise InvalidInput("the message is too long")
    _touch(report)
    message = ReportMessage(
        report=report,
        author=Author.RESPONDER.value,
        kind=kind.value,
        user_id=p.user_id,
        sealed=sealer.seal(text),
        created_at=utcnow(),
    )
    session.add(message)
    if kind == MessageKind.REPLY:
        if report.first_response_at is None:
            report.first_response_at = message.created_at
        if report.status == Status.NEW:
            report.status = Status.IN_PROGRESS.value
    session.flush()
    return message


def escalate(
    session: Session, p: Principal, sealer: Sealer, report: Report, platform: Organisation, request: str
) -> Escalation:
    """Escalate to a platform the reporter named, if they consented.

    :raises PermissionDenied: no consent. :raises InvalidInput: not a named platform.
    :raises Conflict: an escalation to that platform awaits an answer.
    """
    report = get_report(session, p, report.id)
    if not report.may_escalate:
        raise PermissionDenied("the reporter did not consent to escalation to a platform")
    if platform not in report.platforms or platform.type != OrgType.PLATFORM:
        raise InvalidInput("a report can be escalated only to a platform the reporter named")
    if any(e.platform_org_id == platform.id and e.outcome == Outcome.PENDING for e in report.escalations):
        raise Conflict(f"this report already awaits an answer from {platform.name}")
    _touch(report)
    escalation = Escalation(
        report=report,
        platform=platform,
        escalated_by_id=p.user_id,
        escalated_at=utcnow(),
        sealed_request=sealer.seal(request.strip()[:MAX_TEXT]),
        outcome=Outcome.PENDING.value,
    )
    session.add(escalation)
    report.status = Status.ESCALATED.value
    session.flush()
    record(session, p, "report.escalate", "report", report.id, org_id=platform.id)
    emit(session, "escalation.new", escalation_id=escalation.id)  # the platform is told (hub.notify)
    return escalation


def list_platform_cases(session: Session, p: Principal) -> list[Escalation]:
    """The escalations addressed to the principal's (platform) organisation, newest first."""
    if not p.org_active or p.org_id is None:
        return []
    return list(
        session.scalars(
            select(Escalation)
            .where(Escalation.platform_org_id == p.org_id)
            .order_by(Escalation.escalated_at.desc(), Escalation.id.desc())
        )
    )


def has_platform_cases(session: Session, p: Principal) -> bool:
    """True when something was ever escalated to the principal's organisation."""
    if not p.org_active or p.org_id is None:
        return False
    found = session.scalar(select(Escalation.id).where(Escalation.platform_org_id == p.org_id).limit(1))
    return found is not None


def get_platform_case(session: Session, p: Principal, sealer: Sealer, escalation_id: int) -> PlatformCase:
    """One escalation as its platform sees it. :raises NotFound: not addressed to `p`'s organisation."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or not p.org_active or escalation.platform_org_id != p.org_id:
        raise NotFound(f"no escalated case {escalation_id}")
    report = escalation.report
    contents = open_contents(sealer, report)
    return PlatformCase(
        escalation=escalation,
        category=report.category,
        language=report.language,
        reported_at=report.created_at,
        text=contents.text,
        traces=contents.traces if report.may_share else (),
        request=_open(sealer, escalation.sealed_request),
        answer=_open(sealer, escalation.sealed_answer),
    )


def answer_escalation(
    session: Session, p: Principal, sealer: Sealer, escalation_id: int, outcome: Outcome, note: str
) -> Escalation:
    """The platform records its response. :raises InvalidInput: not an answer."""
    escalation = get_platform_case(session, p, sealer, escalation_id).escalation
    if outcome not in ANSWERS:
        raise InvalidInput("answer acknowledged, actioned or declined")
    escalation.outcome = outcome.value
    escalation.sealed_answer = sealer.seal(note.strip()[:MAX_TEXT])
    escalation.answered_at = utcnow()
    escalation.answered_by_id = p.user_id
    record(
        session,
        p,
        "report.platform-answer",
        "report",
        escalation.report_id,
        org_id=p.org_id,
        outcome=outcome.value,
    )
    emit(session, "escalation.answered", escalation_id=escalation.id)
    return escalation
