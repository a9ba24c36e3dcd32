"""A plain CSV blocklist for small platforms: one row per value of every usable indicator.

Columns: type (the STIX object path, e.g. `domain-name:value`), value, tlp, valid_from, valid_until,
indicator_id. Revoked and expired indicators are left out, and so are patterns that are not a plain
disjunction of equality comparisons (an `AND` pattern's single value is no blocklist entry). Cells that a
spreadsheet would run as a formula get a leading `'` (`hub.csvcells`).
"""

from __future__ import annotations

from typing import IO

import orjson
from sqlalchemy.orm import Session

from hub.csvcells import writer as csv_writer
from hub.db import now_us
from hub.interop.exporter import ExportScope, iter_visible
from hub.interop.mvt import disjunction, is_expired
from hub.policy.principal import Principal
from hub.policy.tlp import Tlp

COLUMNS = ("type", "value", "tlp", "valid_from", "valid_until", "indicator_id")


def export_csv(session: Session, p: Principal, scope: ExportScope, out: IO[str]) -> int:
    """Write the blocklist of what `p` may see in the scope; returns how many rows (without the header)."""
    writer = csv_writer(out)
    writer.writerow(COLUMNS)
    now = now_us()
    rows = 0
    seen: set[str] = set()
    for row in iter_visible(session, p, scope, types=("indicator",)):
        obj = orjson.loads(row.body)
        if (
            obj["id"] in seen
            or obj.get("revoked")
            or obj.get("pattern_type") != "stix"
            or is_expired(obj, now)
        ):
            continue
        seen.add(obj["id"])
        for key, value in disjunction(obj.get("pattern", "")) or ():
            writer.writerow(
                (
                    key,
                    value,
                    Tlp(row.tlp).label,
                    obj.get("valid_from", ""),
                    obj.get("valid_until", ""),
                    obj["id"],
                )
            )
            rows += 1
    return rows
