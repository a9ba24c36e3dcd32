"""Every catalogue under hub/translations/ is complete, matches its compiled form, covers every string of the
hub, and its pages carry no English: one set of checks per language, so a new catalogue is held to the same
standard the moment it is added (docs/translations.md)."""

from __future__ import annotations

import re

import pytest
from babel.messages.mofile import read_mo
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from hub.orgs.models import User
from hub.policy.tlp import Tlp
from hub.public import TokenSurface
from hub.web.auth import SessionUser
from hub.web.i18n import available_languages
from tests.catalogues import (
    LANGUAGES,
    PLACEHOLDER,
    catalogue,
    catalogue_path,
    direction,
    english_on,
    forms,
    hub_strings,
    translate,
    translated_ids,
)
from tests.factories import indicator, make_collection, make_org, make_user, post

# Letters a language's script must not use, with the letter it uses instead: Persian is written with
# Persian yeh and keheh; the Arabic ones look alike, but break search and sorting for Persian readers.
FOREIGN_LETTERS = {"fa": {"\u064a": "ی", "\u0643": "ک"}}
# Persian joins the verbal prefix to its verb with a zero-width non-joiner (می‌شود), never a space (می شود).
SPACED_PREFIX = {"fa": re.compile(r"(?<![^\s«(])(?:ن?می) ")}


def test_the_five_languages_of_issue_14_are_among_the_catalogues():
    assert {"ar", "fa"} <= set(LANGUAGES)
    assert available_languages() == ["en", *LANGUAGES]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(lang):
    messages = [m for m in catalogue(lang) if m.id]
    assert len(messages) > 400
    plurals = catalogue(lang).num_plurals
    for message in messages:
        assert not message.fuzzy, message.id
        expected = set(PLACEHOLDER.findall(forms(message.id)[0]))
        translated = forms(message.string)
        assert len(translated) == (plurals if isinstance(message.id, tuple) else 1), message.id
        # A plural form may spell its number out (Arabic: "سطر واحد", "سطران"); the general one may not.
        assert set(PLACEHOLDER.findall(translated[-1])) == expected, message.id
        for form in translated:
            assert form and form.strip(), message.id
            assert set(PLACEHOLDER.findall(form)) <= expected, message.id
            for letter, instead in FOREIGN_LETTERS.get(lang, {}).items():
                assert letter not in form, f"{message.id!r}: write {instead} instead of {letter}"
            if lang in SPACED_PREFIX:
                assert not SPACED_PREFIX[lang].search(form), (
                    f"{message.id!r}: join می with U+200C, not a space"
                )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_the_source(lang):
    with open(catalogue_path(lang, "mo"), "rb") as handle:
        compiled = {forms(m.id): forms(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {forms(m.id): forms(m.string) for m in catalogue(lang) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_of_the_hub_is_in_the_catalogue(lang):
    strings = hub_strings()
    assert len(strings) > 400
    missing = sorted(strings - translated_ids(lang))
    assert not missing, f"run the commands of docs/translations.md for {lang}; untranslated: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_its_direction_and_its_own_name_in_the_switch(client, lang):
    page = client.get(f"/login?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction(lang)}">' in page
    for other in LANGUAGES:
        assert f'lang="{other}"' in page and _own_name(other) in page


def test_persian_and_arabic_are_right_to_left_and_named_in_their_own_script(client):
    """Babel's character order decides the direction; these are the two right-to-left languages issue 14
    names, so they are checked by value too."""
    assert direction("fa") == direction("ar") == "rtl" and direction("en") == "ltr"
    page = client.get("/login?lang=fa").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page and "فارسی" in page and "العربية" in page


def _own_name(lang: str) -> str:
    from hub.web.i18n import language_name

    return language_name(lang)


def _parameterless_pages(app: Flask) -> list[str]:
    """Every web page reachable by GET without an id: the members', the coordinators' and the public ones."""
    pages = []
    for rule in app.url_map.iter_rules():
        blueprint = app.blueprints.get(rule.endpoint.partition(".")[0])
        if isinstance(blueprint, TokenSurface) or not _is_page(rule):
            continue
        pages.append(rule.rule)
    return sorted(pages)


def _is_page(rule: Rule) -> bool:
    skipped = ("static", "download", "export", ".csv", ".svg", "/logout", "/language")
    return (
        "GET" in (rule.methods or set()) and not rule.arguments and not any(s in rule.rule for s in skipped)
    )


def _client_of(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as web_session:
            web_session["_user_id"] = SessionUser(user).get_id()
            web_session["_fresh"] = True
    return client


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_page_falls_back_to_english(app, session, lang):
    """Every page without an id, as an anonymous visitor, a member, an organisation admin and a coordinator,
    shows none of the hub's English sentences: a string translated at import time (`_` where `_l` belongs),
    or rendered outside the request's locale, would show here in English."""
    coordination = make_org(session, "Coordination", "trusted", "coordinator")
    org = make_org(session, "Org A")
    make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Feed")
    people = [None, make_user(session, org), make_user(session, org, "org-admin")]
    people.append(make_user(session, coordination, "coordinator"))
    session.commit()
    pages = _parameterless_pages(app)
    assert len(pages) > 20
    seen = 0
    for person in people:
        client = _client_of(app, person)
        for path in pages:
            response = client.get(f"{path}?lang={lang}")
            if response.status_code != 200 or not response.mimetype == "text/html":
                continue
            seen += 1
            page = response.get_data(as_text=True)
            assert re.search(rf'<html lang="{lang}" dir="{direction(lang)}">', page), path
            assert not english_on(page, lang), (path, person and person.role, english_on(page, lang))
    assert seen > 40
    assert translate(lang, "Log in") != "Log in"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_channel_and_its_objects_show_no_english(app, session, lang):
    """The pages with an id a member spends most time on: the channel, an object, its edit and revoke pages,
    the share form of the channel, and a search that finds the object."""
    org = make_org(session, "Org A")
    author = make_user(session, org)
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Feed")
    shared = indicator(Tlp.GREEN, value="phish-language.example")
    post(session, author, channel, [shared])
    client = _client_of(app, author)
    object_page = f"/collections/{channel.id}/objects/{shared['id']}"
    for path in (
        f"/collections/{channel.id}",
        object_page,
        f"{object_page}/edit",
        f"{object_page}/revoke",
        f"/share/{channel.id}",
        "/search/",
    ):
        response = client.get(path, query_string={"lang": lang, "q": "phish-language.example"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and f'<html lang="{lang}"' in page, path
        assert not english_on(page, lang), (path, english_on(page, lang))
