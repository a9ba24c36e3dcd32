"""Turning a report into intelligence: draft STIX objects from selected traces, then publish them at a TLP no
wider than the reporter consented to, attributed to the responder's organisation (never to the reporter).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy.orm import Session

from hub.audit.service import record
from hub.db import now_us
from hub.errors import InvalidInput, PermissionDenied
from hub.orgs.models import Organisation
from hub.policy.principal import Principal
from hub.policy.tlp import LEVEL_BY_MARKING_ID, Tlp, is_tlp_marking_definition
from hub.reports.contents import open_contents
from hub.reports.crypto import Sealer
from hub.reports.models import Report
from hub.reports.triage import get_report
from hub.stix.ingest import IngestOptions, add_objects
from hub.stix.models import Submission
from hub.stix.observables import Kind, candidates
from hub.stix.validation import format_timestamp

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


def draft_bundle(
    session: Session, p: Principal, sealer: Sealer, report: Report, selected: list[int]
) -> dict[str, Any]:
    """A STIX bundle for the selected traces (indexes): indicators, an incident and a note tying them
    together.

    Carries no free text or contact of the reporter.
    :raises PermissionDenied: no consent.
    """
    report = get_report(session, p, report.id)
    ceiling = consent_ceiling(report)
    traces = open_contents(sealer, report).traces
    chosen = [traces[i] for i in selected if 0 <= i < len(traces)]
    org = session.get(Organisation, p.org_id)
    if org is None or not chosen:
        raise InvalidInput("select at least one technical trace")
    now = format_timestamp(now_us() // 1000 * 1000)  # milliseconds, as usual in STIX
    common = {
        "spec_version": "2.1",
        "created": now,
        "modified": now,
        "created_by_ref": org.identity_id,
        "object_marking_refs": [ceiling.marking_id],
    }
    indicators = []
    for trace in chosen:
        found = pattern_for(trace)
        if found is None:
            continue
        kind, value, pattern = found
        indicators.append(
            {
                "type": "indicator",
                "id": f"indicator--{uuid.uuid4()}",
                **common,
                "name": f"Reported {kind}: {value}",
                "indicator_types": ["malicious-activity"],
                "pattern": pattern,
                "pattern_type": "stix",
                "valid_from": now,
            }
        )
    if not indicators:
        raise InvalidInput(
            "none of the selected traces is a link, domain, address, account, phone number or hash"
        )
    incident = {
        "type": "incident",
        "id": f"incident--{uuid.uuid4()}",
        **common,
        "name": f"Reported {report.category} incident",
        "description": "Reported to the hub by a human-rights defender; details withheld to protect them.",
    }
    refs = [obj["id"] for obj in indicators]
    relationships = [
        {
            "type": "relationship",
            "id": f"relationship--{uuid.uuid4()}",
            **common,
            "relationship_type": "indicates",
            "source_ref": ref,
            "target_ref": incident["id"],
        }
        for ref in refs
    ]
    note = {
        "type": "note",
        "id": f"note--{uuid.uuid4()}",
        **common,
        "content": "Indicators drawn from a report received through the hub's reporting channel.",
        "object_refs": [incident["id"], *refs],
    }
    objects = [*indicators, incident, *relationships, note]
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}


def publish(
    session: Session, p: Principal, report: Report, collection_id: str, level: Tlp, bundle_json: str
) -> Submission:
    """Publish the (edited) bundle into a collection at `level`, which must not be wider than the consent.

    Every object is marked with exactly `level` (TLP markings in the text are replaced, so editing cannot
    widen it) and attributed to the responder's organisation. The ingest rules apply as for any other post.
    :raises PermissionDenied: no consent, or `level` is wider than it.
    :raises InvalidInput: not a STIX bundle.
    """
    report = get_report(session, p, report.id)
    ceiling = consent_ceiling(report)
    if level < ceiling:
        raise PermissionDenied(
            f"the reporter consented to sharing at most at {ceiling.label}; {level.label} is wider than that"
        )
    org = session.get(Organisation, p.org_id)
    if org is None:
        raise PermissionDenied("only members of an organisation publish intelligence")
    objects = [_attributed(obj, level, org.identity_id) for obj in _objects_of(bundle_json)]
    report_id = report.id
    submission = add_objects(session, p, collection_id, objects, IngestOptions(tlp=level))
    report = get_report(session, p, report_id)
    report.published_count += submission.success_count
    record(
        session,
        p,
        "report.publish",
        "report",
        report.id,
        collection=collection_id,
        tlp=level.label,
        objects=submission.success_count,
    )
    return submission


def _objects_of(bundle_json: str) -> list[Any]:
    try:
        bundle = orjson.loads(bundle_json)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the bundle is not valid JSON: {exc}") from None
    objects = bundle.get("objects") if isinstance(bundle, dict) else bundle
    if not isinstance(objects, list) or not objects:
        raise InvalidInput("give a STIX bundle with at least one object")
    return objects


def _attributed(obj: Any, level: Tlp, identity_id: str) -> Any:
    if not isinstance(obj, dict) or is_tlp_marking_definition(obj) or obj.get("type") == "marking-definition":
        return obj
    refs = [ref for ref in obj.get("object_marking_refs", ()) if ref not in LEVEL_BY_MARKING_ID]
    marked = {**obj, "object_marking_refs": [*refs, level.marking_id]}
    if "created" in obj:  # domain and relationship objects carry a producer; observables do not
        marked["created_by_ref"] = identity_id
    return marked
