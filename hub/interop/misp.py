"""MISP exchange through `misp-stix`, the library MISP itself uses for STIX conversion.

Import: a MISP event export (`{"Event": ...}`, a list of them, or the API's `{"response": [...]}`) becomes
STIX 2.1 (attributes and objects with `to_ids` become indicators, the others observed-data, the event a
grouping); every object is marked with the most restrictive TLP its event, attribute and referrers give it,
MISP `distribution` included (`hub.interop.misp_marking`). Export: what a
principal may see in the scope becomes one MISP event (JSON) that MISP ingests with "Add event > Import from
MISP JSON". Both sides hold one event in memory: MISP events are units of analysis, not bulk feeds.
"""

from __future__ import annotations

import json
import uuid
import warnings
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import orjson
from sqlalchemy.orm import Session
from stix2 import parse as stix2_parse

from hub.errors import InvalidInput
from hub.interop.exporter import ExportScope, iter_visible, served_body
from hub.interop.importer import ImportReport, Progress, import_objects
from hub.interop.misp_marking import mark_event_objects
from hub.policy.principal import Principal
from hub.stix.ingest import IngestOptions


def _misp_stix() -> ModuleType:
    """misp-stix, imported on first use: it is heavy, and its STIX 1 dependencies warn at import time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import misp_stix_converter

    module: ModuleType = misp_stix_converter
    return module


def misp_events(document: Any) -> list[dict[str, Any]]:
    """The events of a MISP JSON export. :raises InvalidInput: it holds none."""
    if isinstance(document, dict) and "response" in document:
        document = document["response"]
    items = document if isinstance(document, list) else [document]
    events = [item for item in items if isinstance(item, dict) and isinstance(item.get("Event"), dict)]
    if not events:
        raise InvalidInput('not a MISP event export: no {"Event": ...} object found')
    return events


def event_to_stix(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The STIX 2.1 objects of one MISP event, each marked with the most restrictive TLP the event, its
    attribute or object, and whatever references it give it (`hub.interop.misp_marking`)."""
    parser = _misp_stix().MISPtoSTIX21Parser()
    parser.parse_json_content(event)
    objects: list[dict[str, Any]] = json.loads(parser.bundle.serialize())["objects"]
    return mark_event_objects(event, objects)


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
        report.add(import_objects(session, p, collection_id, event_to_stix(event), options, progress))
    return report


def export_misp(session: Session, p: Principal, scope: ExportScope, out: IO[str]) -> int:
    """Write what `p` may see in the scope as one MISP event (JSON); returns how many STIX objects went in."""
    objects = [orjson.loads(served_body(row)) for row in iter_visible(session, p, scope)]
    if not objects:
        raise InvalidInput("nothing to export: no visible object in this scope")
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
