"""MISP exchange through `misp-stix`, the library MISP itself uses for STIX conversion.

Import: MISP events (`{"Event": ...}`, bare as PyMISP's `to_json()` writes them, a list of either, or the
API's `{"response": [...]}`) become STIX 2.1 (attributes and objects with `to_ids` become indicators, the
others observed-data, the event a grouping); every object is marked with the most restrictive TLP its event,
attribute and referrers give it, MISP `distribution` included (`hub.interop.misp_marking`). Every attribute
or object that could not be converted is reported as a failure (the command then exits non-zero). Export:
what a principal may see in the scope becomes one MISP event (JSON) that MISP ingests with "Add event >
Import from MISP JSON". Both sides hold one event in memory: MISP events are units of analysis, not bulk
feeds.
"""

from __future__ import annotations

import json
import re
import uuid
import warnings
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import orjson
from sqlalchemy.orm import Session

from hub.errors import InvalidInput
from hub.interop.exporter import ExportScope, iter_visible, served_body
from hub.interop.importer import ImportReport, Progress, import_objects
from hub.interop.misp_marking import mark_event_objects
from hub.oneline import one_line
from hub.policy.principal import Principal
from hub.stix.ingest import IngestOptions

BARE_EVENT_KEYS = frozenset({"info", "Attribute", "Object", "Orgc"})
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def _misp_stix() -> ModuleType:
    """misp-stix, imported on first use: it is heavy, and its STIX 1 dependencies warn at import time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import misp_stix_converter

    module: ModuleType = misp_stix_converter
    return module


def misp_events(document: Any) -> list[dict[str, Any]]:
    """The events of a MISP JSON export, each as `{"Event": ...}`: wrapped ones, and bare ones (PyMISP's
    `to_json()` writes no wrapper), alone, in a list or in the API's `response`.
    :raises InvalidInput: it holds none."""
    if isinstance(document, dict) and "response" in document:
        document = document["response"]
    items = document if isinstance(document, list) else [document]
    events = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("Event"), dict):
            events.append(item)
        elif isinstance(item, dict) and BARE_EVENT_KEYS & item.keys():
            events.append({"Event": item})
    if not events:
        raise InvalidInput("not a MISP event export: no MISP event (with info, Attribute or Object) found")
    return events


def unconvertible(event: dict[str, Any]) -> list[dict[str, str]]:
    """Parts of an event that no conversion can read (a non-list `Attribute` or `Object`), as failures."""
    body = event["Event"]
    problems = []
    for key in ("Attribute", "Object"):
        if key in body and not isinstance(body[key], list):
            problems.append(
                {
                    "id": _event_label(body),
                    "message": f"the event's {key} must be a list; none of it was imported",
                }
            )
            body = {k: v for k, v in body.items() if k != key}
    event["Event"] = body
    return problems


def dropped_attributes(
    event: dict[str, Any], objects: list[dict[str, Any]], errors: Any
) -> list[dict[str, str]]:
    """Every attribute (and MISP object) of the event that is in none of the converted objects' ids, with
    misp-stix's reason when it gave one."""
    converted = {obj["id"].partition("--")[2].lower() for obj in objects}
    reasons: dict[str, str] = {}
    for messages in (errors or {}).values():
        for message in messages:
            found = _UUID.search(str(message))
            if found:
                reasons[found.group(0).lower()] = one_line(str(message), 200)
    dropped = []
    body = event["Event"]
    for kind, items in (("attribute", body.get("Attribute") or []), ("object", body.get("Object") or [])):
        for item in items:
            item_uuid = str(item.get("uuid", "")).lower() if isinstance(item, dict) else ""
            if item_uuid in converted:
                continue
            label = item.get("type") or item.get("name") if isinstance(item, dict) else None
            reason = reasons.get(item_uuid, "misp-stix gave no reason")
            dropped.append(
                {
                    "id": f"misp-{kind}--{item_uuid or '?'}",
                    "message": f"MISP {kind} ({label}) not converted: {reason}",
                }
            )
    return dropped


def _event_label(body: dict[str, Any]) -> str:
    return f"misp-event--{body.get('uuid', '?')}"


def event_to_stix(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The STIX 2.1 objects of one MISP event, each marked with the most restrictive TLP the event, its
    attribute or object, and whatever references it give it (`hub.interop.misp_marking`)."""
    return _convert(event)[0]


def _convert(event: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The marked STIX objects of one event, and what of the event could not be converted."""
    problems = unconvertible(event)
    parser = _misp_stix().MISPtoSTIX21Parser()
    parser.parse_json_content(event)
    objects: list[dict[str, Any]] = json.loads(parser.bundle.serialize())["objects"]
    problems += dropped_attributes(event, objects, getattr(parser, "errors", None))
    return mark_event_objects(event, objects), problems


def import_misp(
    session: Session,
    p: Principal,
    collection_id: str,
    path: Path,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Convert a MISP event export and ingest it. :raises InvalidInput: not a MISP export."""
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path.name}: not valid JSON: {exc}") from None
    report = ImportReport()
    for event in misp_events(document):
        objects, dropped = _convert(event)
        report.add(import_objects(session, p, collection_id, objects, options, progress))
        report.failures.extend(dropped)
        report.dropped += len(dropped)
    return report


def export_misp(session: Session, p: Principal, scope: ExportScope, out: IO[str]) -> int:
    """Write what `p` may see in the scope as one MISP event (JSON); returns how many STIX objects went in."""
    objects = [orjson.loads(served_body(row)) for row in iter_visible(session, p, scope)]
    if not objects:
        raise InvalidInput("nothing to export: no visible object in this scope")
    # Imported here: stix2 takes about 0.1 s to import, and only a MISP export needs it, not every start.
    from stix2 import parse as stix2_parse

    bundle = stix2_parse(
        {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, allow_custom=True
    )
    parser = _misp_stix().ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(bundle)
    parser.parse_stix_bundle()
    event = parser.misp_event
    out.write(json.dumps({"Event": json.loads(event.to_json())}, indent=1))
    out.write("\n")
    return len(objects)
