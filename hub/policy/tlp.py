"""Traffic Light Protocol 2.0 levels and the STIX marking-definition ids that carry them.

Both the TLP 2.0 marking ids (OASIS extension) and the TLP 1.0 ids of the STIX 2.1 specification are
recognised;
the hub only ever generates TLP 2.0 ids. Labels are never translated (TLP 2.0 says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import Any


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
        """Read 'amber+strict', 'TLP:RED', 'white' (TLP 1.0 for CLEAR)...; raises ValueError naming the
        choices."""
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
    """The official TLP 2.0 marking-definition object for a level, as published by OASIS."""
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
