"""The search page: the header box, results grouped by type with totals, filters, errors next to the field."""

from __future__ import annotations

import pytest

from hub.policy.tlp import Tlp
from hub.search import service as search_service
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.search.test_service import _malware, _relationship


@pytest.fixture
def world(session):
    watch = make_user(session, make_org(session, "Rights Watch", tier="vetted"))
    newcomer = make_user(session, make_org(session, "New Voices", tier="registered"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Community")
    pegasus = _malware("Pegasus")
    found = indicator(Tlp.CLEAR, value="pegasus-c2.example", name="Delivery domain")
    secret = indicator(Tlp.AMBER, value="amber.example", name="Amber delivery")
    post(
        session,
        watch,
        channel,
        [
            pegasus,
            found,
            secret,
            _relationship(found["id"], "indicates", pegasus["id"]),
            _relationship(secret["id"], "indicates", pegasus["id"], Tlp.AMBER),
        ],
    )
    return {"watch": watch, "newcomer": newcomer, "channel": channel}


def test_the_header_has_a_search_box(client, web, world):
    web.login(world["watch"])
    page = client.get("/").get_data(as_text=True)
    assert 'role="search"' in page and 'action="/search/"' in page


def test_words_find_objects_and_what_indicates_them_grouped_with_totals(client, web, world):
    web.login(world["watch"])
    page = client.get("/search/?q=pegasus").get_data(as_text=True)
    assert "3 results" in page and "Delivery domain" in page and "Amber delivery" in page
    assert "indicator</a> (2)" in page and "malware</a> (1)" in page


def test_the_reader_sees_only_what_the_rule_allows(client, web, world):
    web.login(world["newcomer"])
    page = client.get("/search/?q=pegasus").get_data(as_text=True)
    assert "2 results" in page and "Amber delivery" not in page and "indicator</a> (1)" in page


def test_a_short_query_is_refused_next_to_the_field_and_kept(client, web, world):
    web.login(world["watch"])
    response = client.get("/search/?q=%3F!&producer=Rights+Watch")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        "Type at least three characters" in page and 'value="?!"' in page and 'value="Rights Watch"' in page
    )


def test_search_is_in_arabic(client, web, world):
    web.login(world["watch"])
    client.get("/?lang=ar")
    page = client.get("/search/?q=pegasus").get_data(as_text=True)
    assert "3 نتائج" in page and "بحث" in page and ">Search<" not in page


def test_above_the_cap_the_page_says_more_than(client, web, world, monkeypatch):
    monkeypatch.setattr(search_service, "COUNT_CAP", 2)
    web.login(world["watch"])
    page = client.get("/search/?q=pegasus").get_data(as_text=True)
    assert "More than 2 results; the newest 2 are listed." in page and "3 results" not in page
    client.get("/?lang=fr")
    assert "Plus de 2 résultats" in client.get("/search/?q=pegasus").get_data(as_text=True)
