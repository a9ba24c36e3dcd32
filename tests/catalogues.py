"""The translation catalogues under `hub/translations/`, for the tests that hold every language to the same
standard: the languages are whatever catalogues exist, so a new one is checked the moment it is added."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "hub" / "translations"
LANGUAGES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def catalogue_path(lang: str, suffix: str = "po") -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"messages.{suffix}"


@functools.cache
def catalogue(lang: str) -> Catalog:
    with open(catalogue_path(lang), "rb") as handle:
        return read_po(handle, locale=lang)


def forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def translated_ids(lang: str) -> set[str]:
    """The (singular) English ids that have a translation in every plural form."""
    return {forms(m.id)[0] for m in catalogue(lang) if m.id and forms(m.string) and all(forms(m.string))}


def translate(lang: str, message: str) -> str:
    """`message` as a page in `lang` shows it, read from the compiled catalogue the hub itself loads."""
    return str(Translations.load(str(TRANSLATIONS), [lang]).gettext(message))


def direction(lang: str) -> str:
    """The direction the page must have, from Babel's character order for the language (as hub.web.i18n)."""
    return "rtl" if Locale.parse(lang).character_order == "right-to-left" else "ltr"


def strings_under(directory: Path, pattern: str, method: str) -> set[str]:
    """Every translatable string of the files under `directory`, as `pybabel extract` finds them."""
    return {
        text if isinstance(text, str) else text[0]
        for _f, _l, text, *_ in extract_from_dir(
            str(directory), [(pattern, method)], keywords=KEYWORDS, options_map={pattern: {}}
        )
    }


@functools.cache
def hub_strings() -> frozenset[str]:
    """Every translatable string in the hub: its Python code and its templates (mails included)."""
    return frozenset(
        strings_under(ROOT / "hub", "**.py", "python")
        | strings_under(ROOT / "hub" / "templates", "**.html", "jinja2")
    )


@functools.cache
def english_phrases(lang: str) -> tuple[str, ...]:
    """The English sentences a page in `lang` must never show: each literal run of two words or more of every
    message of the hub or of any catalogue, unless `lang` translates it to itself (placeholders cut a message
    into runs)."""
    kept = {forms(m.id)[0] for m in catalogue(lang) if m.id and forms(m.string)[:1] == forms(m.id)[:1]}
    english = {forms(m.id)[0] for code in LANGUAGES for m in catalogue(code) if m.id} | hub_strings()
    phrases: set[str] = set()
    for message in english - kept:
        for run in PLACEHOLDER.split(message):
            run = (run or "").strip(" .,:;()")
            if len(re.findall(r"[A-Za-z]{2,}", run)) >= 2 and len(run) >= 10:
                phrases.add(run)
    return tuple(sorted(phrases))


def visible_text(page: str) -> str:
    """The text a reader sees: no tags, scripts, styles or attribute values; entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def english_on(page: str, lang: str) -> list[str]:
    """The English sentences of the hub that a page rendered in `lang` shows untranslated."""
    text = visible_text(page)
    return [phrase for phrase in english_phrases(lang) if phrase in text]
