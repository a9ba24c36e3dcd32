"""STIX/TAXII timestamps: parsing to and formatting from integer microseconds; an object's version."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from hub.stix.validation.errors import InvalidStix, _short

_TS_RE: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?Z"
)
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_US_PER_DAY: Final = 86_400_000_000
_MIN_US: Final = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z
_MAX_US: Final = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z: int) -> tuple[int, int, int]:
    """Inverse of :func:`_days_from_civil`."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def parse_timestamp(value: str) -> int:
    """A STIX/TAXII timestamp as integer microseconds since the epoch.

    The form is YYYY-MM-DDTHH:MM:SS[.0-9 digits]Z (UTC). Raises InvalidStix.
    Digits beyond 6 are truncated (STIX allows more precision than microseconds).
    Cached by text: an object's `created`, `modified` and `valid_from` are often the same text, and ingest
    reads the version again after validation.
    """
    if not isinstance(value, str):
        raise InvalidStix(f"{_short(value)} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z, UTC)")
    return _parse_text(value)


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> int:
    m = _TS_RE.fullmatch(value)
    if m is None:
        raise InvalidStix(f"{_short(value)} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z, UTC)")
    ys, mos, ds, hs, mis, ss, frac = m.groups()
    y, mo, d, h, mi, s = int(ys), int(mos), int(ds), int(hs), int(mis), int(ss)
    if not (
        y >= 1
        and 1 <= mo <= 12
        and 1 <= d
        and (
            d <= _DAYS_IN_MONTH[mo] or (mo == 2 and d == 29 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
        )
        and h <= 23
        and mi <= 59
        and s <= 59
    ):
        raise InvalidStix(f"{_short(value)} is not a valid date and time")
    us = ((_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + s
    us *= 1_000_000
    if frac:
        us += int((frac + "00000")[:6])
    return us


@lru_cache(maxsize=4096)
def format_timestamp(us: int) -> str:
    """Integer microseconds -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (TAXII form, always 6 digits)."""
    if not _MIN_US <= us <= _MAX_US:
        raise ValueError(f"timestamp out of range: {us}")
    days, rest = divmod(us, _US_PER_DAY)
    y, mo, d = _civil_from_days(days)
    secs, frac = divmod(rest, 1_000_000)
    h, rem = divmod(secs, 3600)
    mi, s = divmod(rem, 60)
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{frac:06d}Z"


def version_of(obj: Mapping[str, Any]) -> str | None:
    """The TAXII version of an object: `modified`, else `created`, else None (SCOs)."""
    v = obj.get("modified")
    if v is None:
        v = obj.get("created")
    return v if isinstance(v, str) else None
