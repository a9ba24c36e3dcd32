"""validate_object: one decoded STIX object checked property by property, then by its type's rules.

It is the hot path of every ingest (≈10k objects per envelope), so it reads as named steps that each do one
pass, and the per-property checks are dispatched from a table instead of a chain of comparisons.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, cast

from hub.stix.validation.errors import InvalidStix, _Ctx, _short
from hub.stix.validation.properties import (
    _BOOL,
    _DICT,
    _EXTENSIONS,
    _EXTREFS,
    _FLOAT,
    _FLOAT_RANGES,
    _GRANULAR,
    _INT,
    _INT_RANGES,
    _KCP,
    _KIND,
    _PROP_NAME_RE,
    _STR,
    _STRLIST,
    _TS,
    _TYPE_RE,
    _UUID_RE,
    META_TYPES,
    SCO_TYPES,
    SDO_TYPES,
    SRO_TYPES,
    _check_extensions,
    _check_external_references,
    _check_granular_markings,
    _check_hashes,
    _check_kill_chain_phases,
    _check_ref,
    _check_refs,
)
from hub.stix.validation.rules import _ORDER, _REQUIRED, _RULES
from hub.stix.validation.timestamps import parse_timestamp
from hub.stix.validation.upgrade import _upgrade_20


def validate_object(obj: object) -> dict[str, Any]:
    """Check one STIX object (already JSON-decoded) and return it, upgraded to 2.1 when it is STIX 2.0.

    Raises InvalidStix with a message like "indicator--…: property 'pattern' is not a valid STIX pattern:
    <parser message>".

    The caller's dict is never changed. The same dict is returned when it needs no change; a new one when it
    was upgraded from STIX 2.0 (``spec_version`` "2.1" added; indicators get ``pattern_type: "stix"``; malware
    gets ``is_family: false``, 2.0 having no such notion) or when optional properties that were ``null`` or
    ``[]`` were dropped (the specification forbids both; ``stix2`` drops them the same way).
    """
    stype, oid = _type_and_id(obj)
    ctx = _Ctx(oid, oid)
    result = _as_stix_21(ctx, cast(dict[str, Any], obj), stype)
    stamps, dropped = _check_properties(ctx, result)
    if dropped:
        result = {k: v for k, v in result.items() if k not in dropped}
    _check_presence(ctx, result, stype, dropped)
    if stamps:
        _check_order(ctx, stamps)
    rule = _RULES.get(stype)
    if rule is not None:
        rule(ctx, result)
    return result


def _type_and_id(obj: object) -> tuple[str, str]:
    """The object's `type` and `id`, checked before anything else: every later message names the id."""
    if type(obj) is not dict:
        raise InvalidStix(f"a STIX object must be a JSON object, not {type(obj).__name__}")
    stype = obj.get("type")
    if type(stype) is not str or (stype not in _STANDARD_TYPES and _TYPE_RE.fullmatch(stype) is None):
        if "type" not in obj:
            raise InvalidStix("object: property 'type' is required", property="type")
        raise InvalidStix(
            f"object: property 'type' must be 3-250 characters of a-z, 0-9 and '-', not starting or ending"
            f" with '-' (got {_short(stype)})",
            property="type",
        )
    if stype == "bundle":
        raise InvalidStix(
            "a bundle cannot be stored as an object; send the objects it contains", property="type"
        )
    oid = obj.get("id")
    if type(oid) is not str:
        raise InvalidStix(f"{stype} object: property 'id' is required (type--UUID)", property="id")
    if not (
        oid.startswith(stype) and oid[len(stype) : len(stype) + 2] == "--" and len(oid) == len(stype) + 38
    ):
        raise InvalidStix(
            f"{stype} object: property 'id' must be '{stype}--' followed by a UUID, not {_short(oid)}",
            property="id",
        )
    if _UUID_RE.fullmatch(oid, len(stype) + 2) is None:
        raise InvalidStix(
            f"{_short(oid, 120)}: property 'id' does not end with a valid RFC 4122 UUID",
            object_id=oid,
            property="id",
        )
    return stype, oid


# The specification's types, all of the `type` form: most objects skip the regular expression.
_STANDARD_TYPES = SDO_TYPES | SRO_TYPES | META_TYPES | SCO_TYPES


def _as_stix_21(ctx: _Ctx, obj: dict[str, Any], stype: str) -> dict[str, Any]:
    """The object itself when it is STIX 2.1; upgraded when it is STIX 2.0 (or says no version and is not a
    stand-alone observable, which 2.0 did not have)."""
    sv = obj.get("spec_version")
    if sv == "2.1":
        return obj
    if sv is not None and sv != "2.0":
        raise ctx.fail("spec_version", f"must be '2.1' (or '2.0', upgraded), not {_short(sv)}")
    if "created" in obj or stype in SDO_TYPES or stype in SRO_TYPES or stype in META_TYPES:
        return _upgrade_20(ctx, obj, stype)
    if sv == "2.0":
        raise ctx.fail("spec_version", "must be '2.1': STIX 2.0 has no stand-alone cyber-observable objects")
    return obj


def _check_properties(ctx: _Ctx, obj: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """Every property's name and value form; returns the parsed timestamps (for the order rules) and the
    names of optional properties that were ``null`` or ``[]`` (to drop)."""
    stamps: dict[str, int] = {}
    dropped: list[str] = []
    for key, value in obj.items():
        # A string is neither null nor an empty list: the most common value skips that test.
        if type(value) is not str and (value is None or (isinstance(value, list) and not value)):
            dropped.append(key)
            continue
        kind = _KIND.get(key)
        if kind == _STR:  # the most common kind, checked inline: this loop runs for every property
            if type(value) is not str:
                raise ctx.fail(key, f"must be a string, not {_short(value)}")
        elif kind == _TS:
            try:
                stamps[key] = parse_timestamp(value)
            except InvalidStix as exc:
                raise ctx.fail(key, f"is not valid: {exc}") from None
        elif kind is None:
            if key not in _CHECKED_FIRST:
                _check_custom(ctx, key, value)
        else:
            check = _VALUE_CHECKS.get(kind)
            if check is not None:
                check(ctx, key, value)
    return stamps, dropped


_CHECKED_FIRST = frozenset({"type", "id", "spec_version"})  # by `_type_and_id` and `_as_stix_21`


def _check_custom(ctx: _Ctx, key: Any, value: Any) -> None:
    """A property the specification does not define: a lawful name, and references shaped as references."""
    if type(key) is not str or _PROP_NAME_RE.fullmatch(key) is None:
        raise ctx.fail(
            _short(key, 60).strip("'\""),
            "has a name that is not allowed: property names must be 3-250 characters of a-z, 0-9 and _",
        )
    if key.endswith("_ref"):
        # MITRE ATT&CK writes "" for an unset custom reference (x_mitre_data_source_ref): tolerated for
        # x_-prefixed custom properties only.
        if not (value == "" and key.startswith("x_")):
            _check_ref(ctx, key, value)
    elif key.endswith("_refs"):
        _check_refs(ctx, key, value)


def _string_list(ctx: _Ctx, key: str, value: Any) -> None:
    if type(value) is not list or any(type(v) is not str for v in value):
        raise ctx.fail(key, f"must be a list of strings, not {_short(value)}")


def _boolean(ctx: _Ctx, key: str, value: Any) -> None:
    if type(value) is not bool:
        raise ctx.fail(key, f"must be true or false, not {_short(value)}")


def _integer(ctx: _Ctx, key: str, value: Any) -> None:
    if type(value) is not int:
        raise ctx.fail(key, f"must be an integer, not {_short(value)}")
    rng = _INT_RANGES.get(key)
    if rng is not None and not rng[0] <= value <= rng[1]:
        raise ctx.fail(key, f"must be between {rng[0]} and {rng[1]}, not {value}")


def _number(ctx: _Ctx, key: str, value: Any) -> None:
    if type(value) is not float and type(value) is not int:
        raise ctx.fail(key, f"must be a number, not {_short(value)}")
    rng = _FLOAT_RANGES.get(key)
    if rng is not None and not rng[0] <= value <= rng[1]:
        raise ctx.fail(key, f"must be between {rng[0]} and {rng[1]}, not {value}")


def _dictionary(ctx: _Ctx, key: str, value: Any) -> None:
    if type(value) is not dict or not value:
        raise ctx.fail(key, f"must be a non-empty JSON object, not {_short(value)}")
    if key == "hashes":
        _check_hashes(ctx, key, value)


# The value check of each property kind (`_STR` and `_TS` are checked inline; `_ANY` is not checked).
_VALUE_CHECKS: dict[int, Callable[[_Ctx, str, Any], None]] = {
    _STRLIST: _string_list,
    _BOOL: _boolean,
    _INT: _integer,
    _FLOAT: _number,
    _DICT: _dictionary,
    _EXTREFS: _check_external_references,
    _KCP: _check_kill_chain_phases,
    _GRANULAR: _check_granular_markings,
    _EXTENSIONS: _check_extensions,
}


def _check_presence(ctx: _Ctx, obj: dict[str, Any], stype: str, dropped: list[str]) -> None:
    """Required properties: `created`/`modified` for SDOs, SROs and the two meta objects that version, then
    each type's own."""
    if stype in SDO_TYPES or stype in SRO_TYPES or stype in _VERSIONED_META_TYPES:
        if "created" not in obj:
            raise ctx.fail("created", f"is required for {stype} objects")
        if "modified" not in obj:
            raise ctx.fail("modified", f"is required for {stype} objects")
    for prop in _REQUIRED.get(stype, ()):
        if prop not in obj:
            given = " (null or an empty list is not a value)" if prop in dropped else ""
            raise ctx.fail(prop, f"is required for {stype} objects{given}")


_VERSIONED_META_TYPES = frozenset({"language-content", "extension-definition"})


def _check_order(ctx: _Ctx, stamps: dict[str, int]) -> None:
    """Timestamps that must follow one another (`modified` after `created`, `valid_until` after
    `valid_from`...). Walks the object's stamps, not every rule; of several broken rules, names the first
    in `_ORDER`."""
    broken: tuple[int, str, str, bool] | None = None
    for later, b in stamps.items():
        rule = _ORDER_BY_LATER.get(later)
        if rule is None:
            continue
        a = stamps.get(rule[1])
        if a is not None and (b <= a if rule[3] else b < a) and (broken is None or rule < broken):
            broken = rule
    if broken is not None:
        _, first, later, strict = broken
        raise ctx.fail(later, f"must be {'later than' if strict else 'equal to or later than'} '{first}'")


# Each rule of `_ORDER` by its later stamp (no stamp is the later one of two rules): position, earlier
# stamp, later stamp, strictly later?
_ORDER_BY_LATER: Final = {later: (i, first, later, strict) for i, (first, later, strict) in enumerate(_ORDER)}
