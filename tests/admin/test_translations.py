"""The admin and joining pages render in every language the hub ships, right to left where the language is
written so (tests/web/test_translations.py checks every catalogue's completeness and every page without an
id for English)."""

from __future__ import annotations

import pytest

from tests.catalogues import LANGUAGES, direction, english_on, translate


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_pages_render_in_each_language(as_role, people, lang):
    coordinator, admin = as_role("coordinator"), as_role("admin_a")
    home = coordinator.get(f"/admin/?lang={lang}").get_data(as_text=True)
    assert f'dir="{direction(lang)}"' in home and translate(lang, "Moderation queue") in home
    org = people["org_a"].id
    for client, path in (
        (coordinator, f"/admin/orgs/{org}"),
        (admin, f"/admin/orgs/{org}/users"),
        (admin, f"/admin/orgs/{org}/tokens"),
        (admin, f"/admin/orgs/{org}/webhooks"),
    ):
        response = client.get(f"{path}?lang={lang}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and f'lang="{lang}"' in page, path
        assert not english_on(page, lang), (path, english_on(page, lang))
