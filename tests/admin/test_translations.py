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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_coordinators_working_pages_show_no_english(as_role, people, session, lang):
    """The channel form with its rule lists and the preview of who gains and loses access, a new channel,
    the moderation queue with a row (Approve, Reject, the bulk form), the object finder and the organisations
    list (kinds, tiers, "1 account") and the audit log as sentences — each in `lang`, with no English phrase
    left."""
    from tests.admin.builders import user
    from tests.factories import indicator, make_collection, make_org, post

    newcomer = user(session, make_org(session, "Newcomer", "registered", "hrd"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Feed")
    post(session, newcomer, channel, [indicator(name="Lure")])
    coordinator = as_role("coordinator")
    tier = f"/admin/orgs/{people['org_b'].id}/tier?lang={lang}"  # its notice is flashed in `lang`
    coordinator.post(tier, data={"tier": "trusted", "reason": "record"})
    rules = {"title": "Feed", "default_tlp": "green", "read_orgs": ["org:Org B"], "step": "preview"}
    pages = {
        "preview": coordinator.post(f"/admin/collections/{channel.id}?lang={lang}", data=rules),
        "new": coordinator.get(f"/admin/collections/new?lang={lang}"),
        "moderation": coordinator.get(f"/admin/moderation?lang={lang}"),
        "objects": coordinator.get(f"/admin/objects?lang={lang}"),
        "orgs": coordinator.get(f"/admin/orgs?lang={lang}"),
        "audit": coordinator.get(f"/admin/audit?lang={lang}"),
    }
    for name, response in pages.items():
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and f'lang="{lang}"' in page, name
        assert not english_on(page, lang), (name, english_on(page, lang))
    assert translate(lang, "Lose access") in pages["preview"].get_data(as_text=True)
