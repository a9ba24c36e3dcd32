"""The admin and joining pages render right to left in Arabic (tests/web/test_translations.py checks that
every string of the hub has an Arabic translation)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def test_admin_pages_render_right_to_left_in_arabic(as_role):
    page = as_role("coordinator").get("/admin/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and "قائمة المراجعة" in page
