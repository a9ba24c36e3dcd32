"""Every string of the reporting pages, and every message a reporter can be shown, has an Arabic
translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from hub.reports.metrics import metric_tables

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None}


def _catalogue() -> set[str]:
    with open(ROOT / "hub" / "translations" / "ar" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return {m.id for m in read_po(handle, locale="ar") if m.id and m.string}


def _strings(directory: Path, pattern: str, method: str) -> set[str]:
    return {
        text if isinstance(text, str) else text[0]
        for _f, _l, text, *_ in extract_from_dir(
            str(directory), [(pattern, method)], keywords=KEYWORDS, options_map={pattern: {}}
        )
    }


def test_reporting_pages_and_messages_are_translated_to_arabic(session, world):
    wanted = (
        _strings(ROOT / "hub" / "reports", "**.py", "python")
        | _strings(ROOT / "hub" / "templates" / "reports", "**.html", "jinja2")
        | _strings(ROOT / "hub" / "templates" / "reporter", "**.html", "jinja2")
        | _strings(ROOT / "hub" / "templates" / "platform", "**.html", "jinja2")
        | {table.title for table in metric_tables(session, world.p(session, world.coordinator))}
    )
    missing = sorted(wanted - _catalogue())
    assert not missing, f"append these to the Arabic catalogue and recompile: {missing}"
