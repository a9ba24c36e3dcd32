"""Bulk paste and list upload: one value a line, each read as the lookup API reads it, checked and correlated.

Analysts copy 40 indicators out of a report, defanged (`hxxp://evil[.]com`), in mixed case, with trailing
dots, sometimes as a CSV column. Each line is read by `hub.stix.observables.candidates` (the lookup API's
reading), so what the preview calls a domain is what the lookup index will find later; the kind is the first,
most specific reading. A bare word is *not* read as an account (it is more often a CSV header or a stray
note): account handles are written `@handle`. Lines that name the same value twice are kept once.

Pure apart from `preview_lines`, which adds warnings (warning lists) and correlation (under the visibility
rule, `hub.stix.correlation`) in one query per 500 values, so 1,000 lines preview in well under a second.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from sqlalchemy.orm import Session

from hub.policy.principal import Principal
from hub.stix.build import ObservableKind
from hub.stix.correlation import Correlation, correlate_observables
from hub.stix.observables import Observable, candidates
from hub.stix.warninglists import Warning, warnings_for

MAX_LINES: Final = 5000
MAX_LINE_CHARS: Final = 2000
_KINDS: Final[dict[str, ObservableKind]] = {
    "domain": ObservableKind.DOMAIN,
    "url": ObservableKind.URL,
    "ipv4": ObservableKind.IPV4,
    "ipv6": ObservableKind.IPV6,
    "email": ObservableKind.EMAIL,
    "md5": ObservableKind.HASH,
    "sha1": ObservableKind.HASH,
    "sha256": ObservableKind.HASH,
    "sha512": ObservableKind.HASH,
    "account": ObservableKind.ACCOUNT,
    "phone": ObservableKind.PHONE,
}


class Problem(StrEnum):
    """Why a line cannot become an indicator (the page words each one in the member's language)."""

    UNRECOGNISED = "unrecognised"
    DUPLICATE = "duplicate"
    TOO_LONG = "too-long"


@dataclass(slots=True)
class Line:
    """One non-empty line: what was typed, what it was read as, and what the preview adds."""

    number: int
    raw: str
    kind: ObservableKind | None = None
    observable: Observable | None = None
    read_as: list[Observable] = field(default_factory=list)
    problem: Problem | None = None
    duplicate_of: int | None = None
    warnings: list[Warning] = field(default_factory=list)
    correlation: Correlation | None = None

    @property
    def usable(self) -> bool:
        """The line can become an indicator."""
        return self.problem is None and self.kind is not None and self.observable is not None


class TooManyLines(ValueError):
    """More lines than one submission takes."""


def values_of_file(raw: bytes, filename: str) -> str:
    """The text of an uploaded `.txt` list, or the first column of a `.csv` one, one value a line.
    :raises UnicodeDecodeError: not UTF-8 text."""
    text = raw.decode("utf-8-sig")
    if not filename.lower().endswith(".csv"):
        return text
    rows = csv.reader(io.StringIO(text))
    return "\n".join(row[0] for row in rows if row and row[0].strip())


def read_lines(text: str) -> list[Line]:
    """Each non-empty line (comments starting with `#` skipped), read and normalised, duplicates marked.
    :raises TooManyLines: more than MAX_LINES values."""
    numbered = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(numbered) > MAX_LINES:
        raise TooManyLines(f"{len(numbered)} lines; at most {MAX_LINES} at once")
    lines = [_read(number, raw) for number, raw in numbered]
    first: dict[Observable, int] = {}
    for line in lines:
        if line.observable is None:
            continue
        if line.observable in first:
            line.problem, line.duplicate_of = Problem.DUPLICATE, first[line.observable]
        else:
            first[line.observable] = line.number
    return lines


def _read(number: int, raw: str) -> Line:
    line = Line(number, raw)
    if len(raw) > MAX_LINE_CHARS:
        line.problem = Problem.TOO_LONG
        return line
    read_as = candidates(raw)
    kind = _KINDS.get(read_as[0].kind) if read_as else None
    if kind is None or (kind is ObservableKind.ACCOUNT and not raw.lstrip("<\"'`").startswith("@")):
        line.problem = Problem.UNRECOGNISED
        return line
    line.kind, line.observable, line.read_as = kind, read_as[0], read_as
    return line


def preview_lines(
    session: Session, p: Principal, lines: Sequence[Line], hub_domains: Iterable[str] = ()
) -> None:
    """Add warnings and correlation (what `p` may see only) to the usable lines, in place."""
    usable = [line for line in lines if line.usable]
    domains = tuple(hub_domains)
    for line in usable:
        line.warnings = warnings_for(line.read_as[0], hub_domains=domains)
    correlations = correlate_observables(session, p, [(line.raw, line.read_as) for line in usable])
    for line, correlation in zip(usable, correlations, strict=True):
        line.correlation = correlation
