"""Traffic Light Protocol 2.0 levels and the STIX marking-definition ids that carry them.

Both the TLP 2.0 marking ids (OASIS extension) and the TLP 1.0 ids of the STIX 2.1 specification are
recognised; the hub only ever generates TLP 2.0 ids. Labels are never translated (TLP 2.0 says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import Any

import orjson


class Tlp(IntEnum):
    """TLP levels ordered from least to most restrictive; the integer is what the database stores."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        """The official label, e.g. 'TLP:AMBER+STRICT'."""
        return "TLP:" + self.name.replace("_", "+")

    @property
    def marking_id(self) -> str:
        """The TLP 2.0 marking-definition id for this level."""
        return TLP2_MARKING_IDS[self]

    @classmethod
    def parse(cls, text: str) -> Tlp:
        """Read 'amber+strict', 'TLP:RED', 'white' (TLP 1.0 for CLEAR)...

        :raises ValueError: not a TLP level; the message names the choices.
        """
        key = text.strip().upper().removeprefix("TLP:").replace("+", "_").replace("-", "_")
        if key == "WHITE":
            return cls.CLEAR
        try:
            return cls[key]
        except KeyError:
            choices = ", ".join(level.name.lower().replace("_", "+") for level in cls)
            raise ValueError(f"unknown TLP level {text!r}; choose one of {choices}") from None


TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

TLP2_MARKING_IDS: Mapping[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

TLP1_MARKING_IDS: Mapping[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    Tlp.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    Tlp.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    Tlp.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

LEVEL_BY_MARKING_ID: Mapping[str, Tlp] = {
    **{marking: level for level, marking in TLP1_MARKING_IDS.items()},
    **{marking: level for level, marking in TLP2_MARKING_IDS.items()},
}

# Official TLP 2.0 colours (FIRST): text colour on a black background.
TLP_COLOURS: Mapping[Tlp, str] = {
    Tlp.CLEAR: "#FFFFFF",
    Tlp.GREEN: "#33FF00",
    Tlp.AMBER: "#FFC000",
    Tlp.AMBER_STRICT: "#FFC000",
    Tlp.RED: "#FF2B2B",
}


def marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """Every marking ref of an object, object-level and granular. The hub serves whole objects, so a TLP
    marking on one property (a granular marking) binds the whole object."""
    refs = [ref for ref in obj.get("object_marking_refs") or () if isinstance(ref, str)]
    for granular in obj.get("granular_markings") or ():
        if isinstance(granular, Mapping) and isinstance(granular.get("marking_ref"), str):
            refs.append(granular["marking_ref"])
    return refs


def tlp_of_markings(marking_refs: Iterable[str]) -> Tlp | None:
    """The most restrictive TLP level among marking refs, or None when none of them is a TLP marking."""
    levels = [LEVEL_BY_MARKING_ID[ref] for ref in marking_refs if ref in LEVEL_BY_MARKING_ID]
    return max(levels) if levels else None


def is_tlp_marking_definition(obj: Mapping[str, Any]) -> bool:
    """True for the official TLP marking-definition objects, which are public knowledge and always visible."""
    return obj.get("type") == "marking-definition" and obj.get("id") in LEVEL_BY_MARKING_ID


def marking_definition(level: Tlp) -> dict[str, Any]:
    """The official TLP 2.0 marking-definition object for a level, as published by OASIS
    (oasis-open/cti-stix-common-objects, `extension-definition-specifications/tlp-2.0`)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": level.marking_id,
        "created": "2022-10-01T00:00:00.000Z",
        "name": level.label,
        "extensions": {
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": level.name.lower().replace("_", "+"),
            }
        },
    }


def _tlp1_definition(level: Tlp, colour: str) -> dict[str, Any]:
    """An official TLP 1.0 marking definition, as the STIX 2.1 specification (§7.2.1.4) publishes it."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP1_MARKING_IDS[level],
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": f"TLP:{colour.upper()}",
        "definition": {"tlp": colour},
    }


_OFFICIAL: Mapping[str, bytes] = {
    **{level.marking_id: orjson.dumps(marking_definition(level)) for level in Tlp},
    **{
        TLP1_MARKING_IDS[level]: orjson.dumps(_tlp1_definition(level, colour))
        for level, colour in (
            (Tlp.CLEAR, "white"),
            (Tlp.GREEN, "green"),
            (Tlp.AMBER, "amber"),
            (Tlp.RED, "red"),
        )
    },
}


def official_marking_definition(marking_id: str) -> dict[str, Any] | None:
    """The official definition (a fresh copy) behind a TLP 1.0 or 2.0 marking id; None for other ids."""
    text = _OFFICIAL.get(marking_id)
    return None if text is None else dict(orjson.loads(text))


def official_marking_text(marking_id: str) -> str | None:
    """The official definition behind a TLP marking id as the hub stores and serves it (compact JSON)."""
    text = _OFFICIAL.get(marking_id)
    return None if text is None else text.decode()


def is_official_copy(obj: Mapping[str, Any]) -> bool:
    """True when `obj` equals, after canonical JSON (sorted keys), the official definition of its TLP id.

    The official TLP markings are immutable: a copy that differs in anything (a name, a custom property, a
    creator, a date) is a forgery, since every reader trusts what these ids mean. A STIX 2.0 copy of a TLP
    1.0 definition, which has no `name`, counts as official once upgraded to 2.1 (which adds `spec_version`).
    """
    official = official_marking_definition(str(obj.get("id")))
    if official is None:
        return False
    canonical = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    if canonical == orjson.dumps(official, option=orjson.OPT_SORT_KEYS):
        return True
    if official.get("definition_type") == "tlp":  # STIX 2.0 form: no `name`
        del official["name"]
        return canonical == orjson.dumps(official, option=orjson.OPT_SORT_KEYS)
    return False
