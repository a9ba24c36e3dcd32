"""Every CSV the hub writes goes through here, so no cell reaches a spreadsheet as a formula.

OWASP's rule for CSV injection: a cell that begins with `=`, `+`, `-`, `@`, tab or carriage return is run as
a formula by Excel, LibreOffice or Google Sheets (`=HYPERLINK(...)` in an indicator value sends whoever
opens the blocklist to an attacker's page), so such a cell gets a leading single quote, which spreadsheets
read as "this is text". ASVS 1.2.10 adds NUL. A spreadsheet that trims leading blanks on import would meet
the same character after them, so cells where one follows leading whitespace are quoted too. Separators and
quotes inside a cell are handled by the `csv` module's quoting, so no injected character can start a new
cell. Numbers are written as numbers. `defusedcsv` was considered: it misses tab, CR and leading blanks, and
rewrites `|` inside values, which would corrupt blocklist entries.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_BLANKS = " \t\r\n\0"


def neutralise(cell: Any) -> Any:
    """The cell as it may be written: strings that a spreadsheet would take as a formula get a leading `'`."""
    if not isinstance(cell, str):
        return cell
    if cell.startswith(FORMULA_STARTS) or cell.lstrip(_BLANKS).startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SafeWriter:
    """A `csv.writer` whose every cell goes through `neutralise`."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row of neutralised cells."""
        self._writer.writerow([neutralise(cell) for cell in row])


def writer(out: IO[str]) -> SafeWriter:
    """The only way the hub writes CSV (`tests/test_csv_cells.py` scans for others)."""
    return SafeWriter(out)
