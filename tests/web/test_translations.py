"""The Arabic catalogue is complete, matches its compiled form, and covers every string of the hub."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "hub" / "translations" / "ar" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _po():  # type: ignore[no-untyped-def]
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="ar")


def _forms(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def test_every_message_has_an_arabic_translation_with_the_same_placeholders():
    catalogue = _po()
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 80
    for message in messages:
        assert not message.fuzzy, message.id
        expected = sorted(set(PLACEHOLDER.findall(_forms(message.id)[0])))
        for form in _forms(message.string):
            assert form and form.strip(), message.id
            assert sorted(set(PLACEHOLDER.findall(form))) == expected, message.id


def test_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {_forms(m.id): _forms(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {_forms(m.id): _forms(m.string) for m in _po() if m.id}


def _package_strings() -> set[str]:
    """Every translatable string in the hub, extracted as `pybabel extract -F babel.cfg -k N_` would."""
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None, "ngettext": (1, 2)}
    found: set[str] = set()
    sources = [
        (ROOT / "hub", [("**.py", "python")], {}),
        (ROOT / "hub" / "templates", [("**.html", "jinja2")], {"**.html": {}}),
    ]
    for folder, mapping, options in sources:
        for _filename, _lineno, text, *_rest in extract_from_dir(
            str(folder), mapping, keywords=keywords, options_map=options
        ):
            found.add(text if isinstance(text, str) else text[0])
    return found


def test_every_string_of_the_hub_is_in_the_catalogue():
    translated = {_forms(m.id)[0] for m in _po() if m.id and all(_forms(m.string))}
    strings = _package_strings()
    assert len(strings) > 400
    missing = sorted(strings - translated)
    assert not missing, f"run the commands of docs/translations.md; untranslated: {missing}"
