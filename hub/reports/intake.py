"""Intake, the reporter's service: filing a report without an account, and coming back with the receipt code.

These functions take no `Principal`: reporters are anonymous by design, and nothing about their connection
reaches this layer. The receipt code is the only credential; only its hash is stored. The responders' service
beside it is `hub.reports.triage`; the reporter's side never imports it (tests/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.errors import InvalidInput, NotFound
from hub.markers import N_
from hub.notify.outbox import emit
from hub.orgs.models import Organisation, OrgStatus, OrgType
from hub.reports import handles
from hub.reports.contents import (
    MAX_CONTACT,
    MAX_TEXT,
    MAX_TRACE_LENGTH,
    MAX_TRACES,
    Contents,
    ThreadMessage,
    open_contents,
    thread,
)
from hub.reports.crypto import Sealer, code_hash, new_receipt_code
from hub.reports.models import (
    SHARING_TLP,
    Author,
    Category,
    MessageKind,
    Report,
    ReportMessage,
    Service,
    Sharing,
    Status,
)


@dataclass(frozen=True, slots=True)
class ReportInput:
    """What the reporter filled in on the form."""

    category: str
    language: str
    text: str = ""
    traces: str = ""  # one per line
    contact: str = ""
    platform_ids: tuple[int, ...] = ()
    platform_other: str = ""
    may_share: bool = False
    share_max_tlp: int | None = None  # a TLP level
    may_escalate: bool = False
    sharing: str | None = None  # a `Sharing` choice; when given, it sets may_share and share_max_tlp
    services: tuple[str, ...] = ()  # `Service` values


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """What the reporter sees with the code: the report, its status and the replies (never the notes)."""

    report: Report
    contents: Contents
    messages: list[ThreadMessage] = field(default_factory=list)


def parse_traces(text: str) -> tuple[str, ...]:
    """One trace per non-empty line, trimmed, without duplicates. :raises InvalidInput: too many, too long."""
    traces: list[str] = []
    for line in text.splitlines():
        trace = line.strip()
        if trace and trace not in traces:
            traces.append(trace)
    if len(traces) > MAX_TRACES:
        raise InvalidInput(f"at most {MAX_TRACES} traces per report; add more later with your receipt code")
    if any(len(trace) > MAX_TRACE_LENGTH for trace in traces):
        raise InvalidInput(f"a trace may have at most {MAX_TRACE_LENGTH} characters")
    return tuple(traces)


def platform_choices(session: Session) -> list[Organisation]:
    """The active platform organisations a reporter can name."""
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.type == OrgType.PLATFORM.value, Organisation.status == OrgStatus.ACTIVE.value)
            .order_by(Organisation.name)
        )
    )


def _consent(data: ReportInput) -> tuple[bool, int | None]:
    """(may share, TLP ceiling) from the plain choice, or from the columns given directly."""
    if data.sharing is not None:
        try:
            level = SHARING_TLP[Sharing(data.sharing)]
        except ValueError:
            raise InvalidInput(N_("choose who may see the technical traces")) from None
        return level is not None, None if level is None else int(level)
    if not data.may_share:
        return False, None
    ceiling = data.share_max_tlp if data.share_max_tlp is not None else SHARING_TLP[Sharing.PARTNERS]
    return True, None if ceiling is None else int(ceiling)


def submit_report(session: Session, sealer: Sealer, data: ReportInput) -> tuple[Report, str]:
    """File a report; returns it and the receipt code, which is shown once and never stored.

    :raises InvalidInput: unknown category or platform, nothing reported, texts too long.
    """
    try:
        category = Category(data.category)
    except ValueError:
        raise InvalidInput(N_("choose what happened from the list")) from None
    traces = parse_traces(data.traces)
    text, contact = data.text.strip(), data.contact.strip()
    if not text and not traces:
        raise InvalidInput(N_("describe what happened or give at least one technical trace"))
    if len(text) > MAX_TEXT or len(contact) > MAX_CONTACT or len(data.platform_other) > MAX_CONTACT:
        raise InvalidInput(N_("the report is too long; add the rest later with your receipt code"))
    platforms = [org for org in platform_choices(session) if org.id in set(data.platform_ids)]
    if len(platforms) != len(set(data.platform_ids)) or not set(data.services) <= set(Service):
        raise InvalidInput(N_("choose platforms from the list, or name others in the text field"))
    may_share, share_max_tlp = _consent(data)
    code = new_receipt_code()
    report = Report(
        receipt_hash=code_hash(code),
        category=category.value,
        language=data.language[:16],
        status=Status.NEW.value,
        may_share=may_share,
        share_max_tlp=share_max_tlp,
        may_escalate=data.may_escalate and bool(platforms),
        services=",".join(sorted(set(data.services))),
        has_contact=bool(contact),
        sealed=sealer.seal(
            {
                "text": text,
                "contact": contact,
                "traces": list(traces),
                "platform_other": data.platform_other.strip(),
            }
        ),
        platforms=platforms,
        published_count=0,
    )
    session.add(report)
    session.flush()
    emit(session, "report.new", report_id=report.id)  # helplines are told (hub.notify)
    return report, code


def report_for_code(session: Session, code: str) -> Report:
    """The report a receipt code opens. :raises NotFound: no report has this code (or it was mistyped)."""
    report = session.scalar(select(Report).where(Report.receipt_hash == code_hash(code)))
    if report is None or not code.strip():
        raise NotFound(
            N_("no report matches this code; check it and try again (a lost code cannot be recovered)")
        )
    return report


def view_receipt(session: Session, sealer: Sealer, code: str) -> ReceiptView:
    """What the reporter sees when coming back with their code."""
    report = report_for_code(session, code)
    return ReceiptView(report, open_contents(sealer, report), thread(sealer, report, with_notes=False))


def add_from_reporter(session: Session, sealer: Sealer, code: str, text: str) -> ReportMessage:
    """The reporter answers or adds information.

    :raises NotFound: bad code. :raises InvalidInput: empty, or the report is closed.
    """
    report = report_for_code(session, code)
    text = text.strip()
    if not text:
        raise InvalidInput(N_("write something to add"))
    if len(text) > MAX_TEXT:
        raise InvalidInput("the message is too long; send it in parts")
    if report.status == Status.CLOSED or report.sealed is None:
        raise InvalidInput(N_("this report is closed; file a new report if something else happened"))
    message = ReportMessage(
        report=report,
        author=Author.REPORTER.value,
        kind=MessageKind.REPLY.value,
        sealed=sealer.seal(text),
        created_at=utcnow(),
    )
    session.add(message)
    if report.status == Status.RESOLVED:
        report.status = Status.IN_PROGRESS.value
    session.flush()
    emit(session, "report.followup", report_id=report.id)
    return message


def file_once(session: Session, sealer: Sealer, data: ReportInput, nonce: str) -> bool:
    """File the report unless this form's nonce was already used; keep its receipt code for the receipt page.

    Returns False for a repeat: nothing is filed. :raises InvalidInput: as `submit_report`.
    """
    handle = handles.claim(session, nonce)
    if handle is None:
        return False
    code = submit_report(session, sealer, data)[1]
    handles.hold_code(handle, sealer, code)
    return True


def add_once(session: Session, sealer: Sealer, code: str, text: str, nonce: str) -> bool:
    """Add the reporter's message unless this form's nonce was already used; False for a repeat.

    :raises NotFound: bad code. :raises InvalidInput: as `add_from_reporter`.
    """
    report_for_code(session, code)
    if handles.claim(session, nonce) is None:
        return False
    add_from_reporter(session, sealer, code, text)
    return True
