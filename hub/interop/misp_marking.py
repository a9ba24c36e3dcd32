"""The TLP of every STIX object converted from a MISP event: never below what the event itself allows.

MISP restricts sharing two ways: `tlp:*` tags (on the event and on each attribute) and `distribution` (on the
event, each attribute and each object). misp-stix carries only the tags, and only onto the objects that have a
`created` (not onto observables), and an attribute's tag replaces the event's instead of adding to it. Here
each converted object gets the most restrictive of:

- its own TLP markings and the event's level (tags and distribution);
- the level of the MISP attribute or object it comes from (found by the UUID misp-stix puts in STIX ids; a
  MISP object counts each of its attributes);
- the level of every object that references it (`object_refs`, `source_ref`, `sighting_of_ref`, ... but not
  `created_by_ref`): an observable is as restricted as the observed-data or indicator that holds it;
- for relationships and sightings, the level of the objects they join.

Distribution: 0 "your organisation only" is AMBER+STRICT, 1 "this community only" and 4 "sharing group" are
AMBER at least; 2 and 3 add nothing, 5 ("inherit") is the event's. An object none of this says anything about
is left unmarked, so the collection default (or `--tlp`) applies, as for any unmarked STIX.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from hub.policy.tlp import Tlp, is_tlp_marking_definition, marking_refs, tlp_of_markings

DISTRIBUTION_FLOOR: Mapping[int, Tlp] = {0: Tlp.AMBER_STRICT, 1: Tlp.AMBER, 4: Tlp.AMBER}
_NOT_CONTENT_REFS = frozenset({"created_by_ref", "object_marking_refs"})
_JOINING = ("source_ref", "target_ref", "sighting_of_ref", "observed_data_refs")


def _most(*levels: Tlp | None) -> Tlp | None:
    known = [level for level in levels if level is not None]
    return max(known) if known else None


def _tag_names(item: Mapping[str, Any]) -> Iterator[str]:
    """Tag names in both shapes MISP writes: `Tag: [{name}]` and `EventTag/AttributeTag: [{Tag: {name}}]`."""
    for tag in item.get("Tag") or ():
        if isinstance(tag, Mapping):
            yield str(tag.get("name", ""))
    for key in ("EventTag", "AttributeTag"):
        for link in item.get(key) or ():
            if isinstance(link, Mapping) and isinstance(link.get("Tag"), Mapping):
                yield str(link["Tag"].get("name", ""))


def item_tlp(item: Mapping[str, Any]) -> Tlp | None:
    """What one MISP event, attribute or object says by itself: its `tlp:` tags and its distribution."""
    levels: list[Tlp | None] = []
    for name in _tag_names(item):
        if name.strip().lower().startswith("tlp:"):
            try:
                levels.append(Tlp.parse(name))
            except ValueError:
                continue
    try:
        levels.append(DISTRIBUTION_FLOOR.get(int(item.get("distribution", -1))))
    except (TypeError, ValueError):
        pass
    return _most(*levels)


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def source_levels(event: Mapping[str, Any]) -> tuple[Tlp | None, dict[str, Tlp]]:
    """The event's level, and the level of each attribute and object by UUID (never below the event's)."""
    body = event["Event"]
    floor = item_tlp(body)
    levels: dict[str, Tlp] = {}
    for attribute in _list(body.get("Attribute")):
        level = _most(floor, item_tlp(attribute))
        if level is not None:
            levels[str(attribute.get("uuid", "")).lower()] = level
    for obj in _list(body.get("Object")):
        members = _list(obj.get("Attribute"))
        level = _most(floor, item_tlp(obj), *(item_tlp(a) for a in members))
        if level is not None:
            for uuid in (obj.get("uuid"), *(a.get("uuid") for a in members)):
                levels[str(uuid).lower()] = level
    return floor, levels


def _content_refs(obj: Mapping[str, Any]) -> Iterator[str]:
    for key, value in obj.items():
        if key in _NOT_CONTENT_REFS:
            continue
        if key.endswith("_ref") and isinstance(value, str):
            yield value
        elif key.endswith("_refs") and isinstance(value, list):
            yield from (ref for ref in value if isinstance(ref, str))


def _propagate(objects: list[dict[str, Any]], levels: dict[str, Tlp | None]) -> None:
    """Push each level onto what the object references, and pull joined ends into SROs, until stable."""
    changed = True
    while changed:
        changed = False
        for obj in objects:
            own = levels.get(obj["id"])
            joined = [levels.get(ref) for key in _JOINING for ref in _as_list(obj.get(key))]
            pulled = _most(own, *joined)
            if pulled != own:
                levels[obj["id"]], own, changed = pulled, pulled, True
            for ref in _content_refs(obj) if own is not None else ():
                if ref in levels and _most(levels[ref], own) != levels[ref]:
                    levels[ref], changed = own, True


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _marked(obj: dict[str, Any], level: Tlp) -> dict[str, Any]:
    """The object with exactly one TLP marking, `level`'s; other markings are kept."""
    refs = [ref for ref in obj.get("object_marking_refs") or () if tlp_of_markings([ref]) is None]
    marked = {**obj, "object_marking_refs": [level.marking_id, *refs]}
    granular = [
        g for g in obj.get("granular_markings") or () if tlp_of_markings([g.get("marking_ref")]) is None
    ]
    if granular:
        marked["granular_markings"] = granular
    else:
        marked.pop("granular_markings", None)
    return marked


def mark_event_objects(event: Mapping[str, Any], objects: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The converted objects, each marked with the most restrictive TLP the event gives it (see the module);
    the TLP marking-definition objects misp-stix adds are dropped (the hub serves the official ones)."""
    floor, by_source = source_levels(event)
    kept = [obj for obj in objects if not is_tlp_marking_definition(obj)]
    levels: dict[str, Tlp | None] = {}
    for obj in kept:
        uuid = obj["id"].partition("--")[2].lower()
        levels[obj["id"]] = _most(tlp_of_markings(marking_refs(obj)), floor, by_source.get(uuid))
    _propagate(kept, levels)
    return [
        obj
        if (level := levels[obj["id"]]) is None or obj["type"] == "marking-definition"
        else _marked(obj, level)
        for obj in kept
    ]
