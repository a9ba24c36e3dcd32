"""Adapters call services only: no view, TAXII module, web module or command reads rows itself.

Every read of STIX objects must start from the visibility rule (`hub.policy.visibility.visible`), which the
services apply; an adapter that queries the database could forget it. The scan ignores comments and strings.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parents[1] / "hub"
FORBIDDEN = {
    "select(ObjectVersion": re.compile(r"\bselect\s*\(\s*ObjectVersion\b"),
    "db.session.execute(": re.compile(r"\bdb\s*\.\s*session\s*\.\s*execute\s*\("),
    ".query(": re.compile(r"\.\s*query\s*\("),
}


def adapter_files() -> list[Path]:
    """Views (`views.py`, `org_views.py`...), commands, and everything in the TAXII and web packages."""
    files = {*HUB.rglob("*views.py"), *HUB.rglob("cli.py")}
    for package in ("taxii", "web"):
        files.update((HUB / package).rglob("*.py"))
    return sorted(files)


def code_only(source: str) -> str:
    """The source with comments and string literals blanked out, so that prose never counts."""
    kept: list[str] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)):
            kept.append(" ")
        else:
            kept.append(token.string)
    return " ".join(kept)


def violations(source: str) -> list[str]:
    """Which forbidden forms the code uses."""
    code = code_only(source)
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(code)]


def test_the_scan_covers_the_adapters():
    names = {path.relative_to(HUB).as_posix() for path in adapter_files()}
    assert {"cli.py", "orgs/cli.py", "sharing/cli.py"} <= names


@pytest.mark.parametrize("path", adapter_files(), ids=lambda p: p.relative_to(HUB).as_posix())
def test_adapter_calls_services_instead_of_querying(path):
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        (
            "rows = db.session.scalars(select(ObjectVersion).where(ObjectVersion.tlp == 0))",
            ["select(ObjectVersion"],
        ),
        ("rows = db.session.execute(text('select * from object_versions'))", ["db.session.execute("]),
        ("user = User.query.filter_by(email=email).first()\nx = db.session.query(User)", [".query("]),
        ("q = select(\n    ObjectVersion.id)", ["select(ObjectVersion"]),
    ],
)
def test_scanner_catches_a_bypass(sample, found):
    assert violations(sample) == found


def test_scanner_ignores_prose():
    prose = '"""Never call db.session.execute( here."""\n# select(ObjectVersion) is for services\n'
    assert violations(prose) == []
