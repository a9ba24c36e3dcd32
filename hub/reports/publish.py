"""Turning a report into intelligence without writing JSON: each technical trace becomes a row (kind,
normalised value, a name, warning-list checks, where it already is in the hub, and whether it may be the
victim's own), and the ticked rows are published as indicators at a TLP no wider than the reporter consented
to, attributed to the responder's organisation (never to the reporter).

Nothing that identifies the reporter goes into a published object: no free text, no contact, no report id;
the incident object names only the category. A trace that appears in the report's contact field is flagged
and unticked by default: it is most likely the reporter's own number or address, not the attacker's.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import now_us
from hub.errors import InvalidInput, PermissionDenied
from hub.orgs.models import Organisation
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp
from hub.reports.contents import open_contents
from hub.reports.crypto import Sealer
from hub.reports.models import Report
from hub.reports.triage import get_report
from hub.stix.correlation import Correlation, correlate
from hub.stix.ingest import IngestOptions, add_objects
from hub.stix.models import Submission
from hub.stix.observables import Kind, Observable, candidates
from hub.stix.validation import format_timestamp
from hub.stix.warninglists import Warning, warnings_for

PATTERN_PATHS: dict[Kind, str] = {
    "domain": "domain-name:value",
    "url": "url:value",
    "ipv4": "ipv4-addr:value",
    "ipv6": "ipv6-addr:value",
    "email": "email-addr:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.'SHA-1'",
    "sha256": "file:hashes.'SHA-256'",
    "sha512": "file:hashes.'SHA-512'",
    "account": "user-account:account_login",
    "phone": "x-phone-number:value",
    "file-name": "file:name",
}


def consent_ceiling(report: Report) -> Tlp:
    """The widest TLP the reporter allows. :raises PermissionDenied: the reporter allowed no sharing."""
    if not report.may_share or report.share_max_tlp is None:
        raise PermissionDenied("the reporter did not consent to sharing indicators from this report")
    return Tlp(report.share_max_tlp)


def pattern_for(trace: str) -> tuple[Kind, str, str] | None:
    """(kind, normalised value, STIX pattern) for a trace, or None when no indicator pattern fits it."""
    for observable in candidates(trace):
        path = PATTERN_PATHS.get(observable.kind)
        if path is not None:
            value = observable.value.replace("\\", "\\\\").replace("'", "\\'")
            return observable.kind, observable.value, f"[{path} = '{value}']"
    return None


KIND_LABELS: dict[str, str] = {
    "domain": "domain",
    "url": "URL",
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "email": "email address",
    "md5": "file hash (MD5)",
    "sha1": "file hash (SHA-1)",
    "sha256": "file hash (SHA-256)",
    "sha512": "file hash (SHA-512)",
    "account": "account",
    "phone": "phone number",
    "file-name": "file name",
}


@dataclass(slots=True)
class TraceRow:
    """One technical trace of a report, as the publishing form shows it."""

    index: int
    trace: str
    kind: Kind | None = None
    value: str = ""
    pattern: str = ""
    name: str = ""
    warnings: list[Warning] = field(default_factory=list)
    correlation: Correlation | None = None
    victim: bool = False

    @property
    def publishable(self) -> bool:
        """A link, domain, address, account, phone number or hash (free words cannot be an indicator)."""
        return self.kind is not None

    @property
    def ticked(self) -> bool:
        """Ticked by default: publishable, and not possibly the victim's own."""
        return self.publishable and not self.victim


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def contact_values(contact: str) -> tuple[set[str], set[str]]:
    """(normalised values, phone digits) found in the reporter's contact field."""
    values: set[str] = set()
    phones: set[str] = set()
    for token in re.split(r"[\s,;]+", contact):
        values.update(o.value for o in candidates(token.strip().removeprefix("signal:").removeprefix("tel:")))
    for number in re.finditer(r"\+?\d[\d\s().-]{5,}\d", contact):  # written with spaces or dashes
        phones.add(_digits(number.group(0))[-9:])
    return values, phones


def _default_name(category: str, kind: Kind, value: str) -> str:
    return f"{category.replace('-', ' ').capitalize()}: {KIND_LABELS.get(kind, kind)} {value}"


def trace_rows(
    session: Session, p: Principal, sealer: Sealer, report: Report, *, correlate_values: bool = True
) -> list[TraceRow]:
    """Every trace of the report as a row of the publishing form. :raises PermissionDenied: no consent."""
    report = get_report(session, p, report.id)
    consent_ceiling(report)
    contents = open_contents(sealer, report)
    values, phones = contact_values(contents.contact)
    rows = []
    for index, trace in enumerate(contents.traces):
        row = TraceRow(index, trace)
        found = pattern_for(trace)
        if found is not None:
            row.kind, row.value, row.pattern = found
            row.name = _default_name(report.category, row.kind, row.value)
            row.warnings = warnings_for(Observable(row.kind, row.value))
            phone = row.kind == "phone" and _digits(row.value)[-9:] in phones
            row.victim = row.value in values or phone or row.value.casefold() in contents.contact.casefold()
        rows.append(row)
    if correlate_values:
        found_in_hub = correlate(session, p, [row.value for row in rows if row.publishable])
        for row, correlation in zip([r for r in rows if r.publishable], found_in_hub, strict=True):
            row.correlation = correlation
    return rows


@dataclass(frozen=True, slots=True)
class Choice:
    """What the responder asks to publish: the ticked traces with their names, where, at what TLP."""

    collection_id: str
    level: Tlp
    names: dict[int, str]  # trace index -> indicator name
    threat: str = ""


def publish_traces(
    session: Session, p: Principal, sealer: Sealer, report: Report, choice: Choice
) -> Submission:
    """Publish the chosen traces as indicators, with an incident naming only the category.

    :raises PermissionDenied: no consent, or `choice.level` is wider than it.
    :raises InvalidInput: nothing publishable chosen.
    """
    report = get_report(session, p, report.id)
    ceiling = consent_ceiling(report)
    if choice.level < ceiling:
        wider = choice.level.label
        raise PermissionDenied(
            f"the reporter consented to sharing at most at {ceiling.label}; {wider} is wider"
        )
    org = session.get(Organisation, p.org_id)
    if org is None:
        raise PermissionDenied("only members of an organisation publish intelligence")
    rows = {row.index: row for row in trace_rows(session, p, sealer, report, correlate_values=False)}
    chosen = [(rows[i], name) for i, name in choice.names.items() if i in rows and rows[i].publishable]
    if not chosen:
        raise InvalidInput("tick at least one link, domain, address, account, phone number or hash")
    objects = _objects(report.category, org.identity_id, choice, chosen)
    report_id = report.id
    submission = add_objects(session, p, choice.collection_id, objects, IngestOptions(tlp=choice.level))
    report = get_report(session, p, report_id)
    report.published_count += submission.success_count
    record(
        session,
        p,
        "report.publish",
        "report",
        report.id,
        collection=choice.collection_id,
        tlp=choice.level.label,
        objects=submission.success_count,
    )
    return submission


def _objects(
    category: str, identity_id: str, choice: Choice, chosen: list[tuple[TraceRow, str]]
) -> list[Any]:
    now = format_timestamp(now_us() // 1000 * 1000)  # milliseconds, as usual in STIX
    common = {
        "spec_version": "2.1",
        "created": now,
        "modified": now,
        "created_by_ref": identity_id,
        "object_marking_refs": [choice.level.marking_id],
    }
    labels = {"labels": [choice.threat.strip()[:200]]} if choice.threat.strip() else {}
    indicators = [
        {
            "type": "indicator",
            "id": f"indicator--{uuid.uuid4()}",
            **common,
            "name": (name.strip() or row.name)[:250],
            "indicator_types": ["malicious-activity"],
            "pattern": row.pattern,
            "pattern_type": "stix",
            "valid_from": now,
            **labels,
        }
        for row, name in chosen
    ]
    incident = {
        "type": "incident",
        "id": f"incident--{uuid.uuid4()}",
        **common,
        "name": f"Reported {category} incident",
        "description": "Reported to the hub by a human-rights defender; details withheld to protect them.",
        **labels,
    }
    relationships = [
        {
            "type": "relationship",
            "id": f"relationship--{uuid.uuid4()}",
            **common,
            "relationship_type": "indicates",
            "source_ref": indicator["id"],
            "target_ref": incident["id"],
        }
        for indicator in indicators
    ]
    return [*indicators, incident, *relationships]
