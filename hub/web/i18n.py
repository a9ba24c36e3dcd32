"""Languages: which one a request uses, which exist, and which way they are written.

A language exists when its compiled catalogue is in `hub/translations/<code>/LC_MESSAGES/messages.mo`
(English is the source language and needs none); see docs/translations.md.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel import Locale
from flask import request, session
from flask.sansio.app import App
from flask_babel import get_locale

from hub.extensions import babel
from hub.public import is_token_surface_request
from hub.web.auth import current_db_user

SOURCE_LANGUAGE = "en"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@functools.cache
def _catalogues(directory: Path) -> tuple[str, ...]:
    if not directory.is_dir():
        return ()
    return tuple(sorted(p.name for p in directory.iterdir() if (p / "LC_MESSAGES" / "messages.mo").is_file()))


def available_languages() -> list[str]:
    """English, then every language with a compiled catalogue."""
    return [SOURCE_LANGUAGE, *(code for code in _catalogues(TRANSLATIONS_DIR) if code != SOURCE_LANGUAGE)]


def is_language(code: str | None) -> bool:
    """True for a language the hub can show."""
    return bool(code) and code in available_languages()


def select_locale() -> str:
    """?lang=, else the session's choice, else the user's saved choice, else the browser's, else English."""
    for candidate in (request.args.get("lang"), session.get("lang")):
        if is_language(candidate):
            return str(candidate)
    user = current_db_user()
    if user is not None and is_language(user.locale):
        return str(user.locale)
    return request.accept_languages.best_match(available_languages()) or SOURCE_LANGUAGE


def remember_query_language() -> None:
    """`?lang=xx` on any page keeps that language for the rest of the session (token-authenticated APIs have
    no session, and must not be given a cookie)."""
    if is_token_surface_request():
        return
    code = request.args.get("lang")
    if is_language(code):
        session["lang"] = code


def language_name(code: str) -> str:
    """The language's own name for itself, e.g. 'العربية'."""
    return Locale.parse(code).get_display_name(code) or code


def text_direction(code: str | None = None) -> str:
    """'rtl' or 'ltr' for a language (the current one by default)."""
    locale = Locale.parse(code) if code else get_locale()
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def current_language() -> str:
    """The code of the language this request is rendered in."""
    locale = get_locale()
    return str(locale.language) if locale is not None else SOURCE_LANGUAGE


def init_i18n(app: App) -> None:
    """Bind Flask-Babel with the hub's locale choice and expose language helpers to templates."""
    babel.init_app(app, locale_selector=select_locale, default_timezone="UTC")
    app.before_request(remember_query_language)
    app.jinja_env.globals.update(
        available_languages=available_languages,
        language_name=language_name,
        text_direction=text_direction,
        current_language=current_language,
    )
