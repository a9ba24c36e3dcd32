"""Reading STIX files as streams: what shape a file has (bundle, envelope, JSON list or MISP export) and its
objects one at a time (`ijson`), so a file of any size costs the memory of one batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

import ijson

from hub.errors import InvalidInput

MISP_KEYS = frozenset(
    {"Event", "response", "Attribute", "Object", "info", "Orgc", "threat_level_id", "analysis"}
)
STIX_KEYS = frozenset({"type", "objects", "spec_version", "more"})
SNIFF_EVENTS = 10_000


def sniff_shape(handle: IO[bytes]) -> str:
    """'misp' for MISP events (wrapped in `{"Event": ...}`, bare as PyMISP writes them, in a list or the API's
    `response`), else 'list' for a JSON array and 'objects' for a bundle or envelope. Reads the first
    object's keys until one decides (a bounded number of tokens); the handle is rewound."""
    try:
        events = ijson.parse(handle)
        _, first, _ = next(events)
        if first not in ("start_map", "start_array"):
            raise InvalidInput(
                "not a STIX bundle, TAXII envelope or MISP event: the document is not a JSON object"
            )
        outer = "" if first == "start_map" else "item"
        for _, (prefix, event, value) in zip(range(SNIFF_EVENTS), events, strict=False):
            if event == "map_key" and prefix == outer and value in MISP_KEYS | STIX_KEYS:
                return "misp" if value in MISP_KEYS else "list" if outer else "objects"
    except (ijson.JSONError, StopIteration) as exc:
        raise InvalidInput(f"not a JSON document: {exc}") from None
    finally:
        handle.seek(0)
    return "list" if outer else "objects"


def stream_objects(handle: IO[bytes]) -> Iterator[Any]:
    """The objects of a bundle, an envelope or a JSON list, one at a time, never the whole file in memory."""
    shape = sniff_shape(handle)
    if shape == "misp":
        raise InvalidInput("this is a MISP event export: import it with --format misp")
    prefix = "item" if shape == "list" else "objects.item"
    try:
        yield from ijson.items(handle, prefix, use_float=True)
    except ijson.JSONError as exc:
        raise InvalidInput(f"the file is not valid JSON: {exc}") from None


def in_batches(objects: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """The objects in lists of `size` (the last one shorter), never more than one list in memory."""
    iterator = iter(objects)
    while batch := list(islice(iterator, size)):
        yield batch
