"""The upgrade of STIX 2.0 objects to 2.1 where the mapping is well defined."""

from __future__ import annotations

from typing import Any, Final

from hub.stix.validation.errors import InvalidStix, _Ctx
from hub.stix.validation.properties import SCO_TYPES

# Types that did not exist in STIX 2.0: without spec_version they cannot be upgraded.
_NEW_IN_21: Final = frozenset(
    {"grouping", "incident", "infrastructure", "location", "malware-analysis", "note", "opinion",
     "language-content", "extension-definition"}
)  # fmt: skip


def _upgrade_20(ctx: _Ctx, obj: dict[str, Any], stype: str) -> dict[str, Any]:
    """A 2.1 copy of a STIX 2.0 object, or InvalidStix when there is no well-defined mapping."""
    if stype in _NEW_IN_21:
        raise ctx.fail("spec_version", f"is required: {stype} objects exist only in STIX 2.1")
    if stype in SCO_TYPES:
        raise ctx.fail("spec_version", "must be '2.1': STIX 2.0 has no stand-alone cyber-observable objects")
    if stype == "observed-data" and "objects" in obj:
        raise InvalidStix(
            f"{ctx.label}: STIX 2.0 observed-data with embedded objects cannot be upgraded;"
            " convert to 2.1 SCOs",
            object_id=ctx.oid,
            property="objects",
        )
    new = dict(obj)
    new["spec_version"] = "2.1"
    if stype == "indicator" and "pattern_type" not in new:
        new["pattern_type"] = "stix"
    elif stype == "malware" and "is_family" not in new:
        new["is_family"] = False
    return new
