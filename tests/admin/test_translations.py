"""Every string of the admin and joining pages has an Arabic translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def _strings() -> set[str]:
    code = extract_from_dir(str(ROOT / "hub" / "admin"), [("**.py", "python")], keywords=KEYWORDS)
    templates = extract_from_dir(str(ROOT / "hub" / "templates" / "admin"), [("**.html", "jinja2")],
                                 keywords=KEYWORDS, options_map={"**.html": {}})
    found = {m[2] for m in code} | {m[2] for m in templates}
    return {s if isinstance(s, str) else s[0] for s in found}


def test_every_admin_string_is_translated_to_arabic():
    with open(ROOT / "hub" / "translations" / "ar" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        translated = {m.id for m in read_po(handle, locale="ar") if m.id and m.string}
    strings = _strings()
    assert len(strings) > 150
    assert sorted(strings - translated) == []


def test_admin_pages_render_right_to_left_in_arabic(as_role):
    page = as_role("coordinator").get("/admin/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and "قائمة المراجعة" in page
