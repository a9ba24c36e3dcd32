"""Browsing a channel: newest first (switchable), the total, page numbers with a last page, relationships and
sightings folded into the objects they concern, never showing or counting what the reader may not see."""

from __future__ import annotations

import re

import pytest

from hub.identity import hub_identity_id
from hub.policy.tlp import Tlp
from tests.factories import indicator, make_collection, make_org, make_user, post
from tests.search.test_service import _malware, _relationship

SIGHTING = {
    "type": "sighting",
    "spec_version": "2.1",
    "created": "2026-01-02T00:00:00.000Z",
    "modified": "2026-01-02T00:00:00.000Z",
}


def _sighting(of: str, tlp: Tlp, n: int) -> dict:
    return {
        **SIGHTING,
        "id": f"sighting--00000000-0000-4000-8000-{n:012d}",
        "sighting_of_ref": of,
        "object_marking_refs": [tlp.marking_id],
    }


@pytest.fixture
def world(session, app):
    watch = make_user(session, make_org(session, "Rights Watch", tier="vetted"))
    newcomer = make_user(session, make_org(session, "New Voices", tier="registered"))
    channel = make_collection(session, read=["tier:registered"], write=["tier:registered"], title="Community")
    pegasus = _malware("Pegasus")
    predator = _malware("Predator", Tlp.AMBER)
    first = indicator(Tlp.CLEAR, value="first.example", name="First")
    post(session, watch, channel, [pegasus, predator, first])
    post(
        session,
        watch,
        channel,
        [
            _relationship(first["id"], "indicates", pegasus["id"]),
            _relationship(first["id"], "indicates", predator["id"], Tlp.AMBER),
            _sighting(first["id"], Tlp.CLEAR, 1),
            _sighting(first["id"], Tlp.AMBER, 2),
        ],
    )
    options = {"anonymous": True, "hub_identity_id": hub_identity_id(app.config)}
    post(session, watch, channel, [indicator(Tlp.CLEAR, value="last.example", name="Last")], **options)
    return {"watch": watch, "newcomer": newcomer, "channel": channel}


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>.*?</tr>", page, re.S)


def test_newest_first_with_the_total_and_folded_rows(client, web, world):
    web.login(world["watch"])
    page = client.get(f"/collections/{world['channel'].id}").get_data(as_text=True)
    assert "4 objects" in page  # Pegasus, Predator, First, Last: no relationship or sighting rows
    rows = _rows(page)
    assert ">Last<" in rows[0] and ">Pegasus<" in rows[-1]
    assert "the hub" in rows[0]  # shared without attribution
    first = rows[1]
    assert "first.example" in first and "Indicates: Pegasus, Predator" in first and "<td>2</td>" in first
    assert "Rights Watch" in first
    oldest = client.get(f"/collections/{world['channel'].id}?order=oldest").get_data(as_text=True)
    assert ">Last<" in _rows(oldest)[-1] and ">Pegasus<" in _rows(oldest)[0]


def test_hidden_relationships_and_sightings_are_not_shown_or_counted(client, web, world):
    web.login(world["newcomer"])  # registered tier: CLEAR only
    page = client.get(f"/collections/{world['channel'].id}").get_data(as_text=True)
    assert "3 objects" in page  # Pegasus, First and Last; not the AMBER Predator
    first = [row for row in _rows(page) if "first.example" in row][0]
    assert "Indicates: Pegasus<" in first and "Predator" not in page and "<td>1</td>" in first


def test_a_chosen_type_lists_relationships_and_pages_end_with_a_last_page(client, web, world, session):
    post(
        session, world["watch"], world["channel"], [indicator(Tlp.CLEAR, name=f"Bulk {i}") for i in range(55)]
    )
    web.login(world["watch"])
    base = f"/collections/{world['channel'].id}"
    page = client.get(base).get_data(as_text=True)
    assert "59 objects" in page and "page 1 of 2" in page and "Last page" in page and "page=2" in page
    assert "2 objects" in client.get(f"{base}?type=relationship").get_data(as_text=True)
    last = client.get(f"{base}?page=2").get_data(as_text=True)
    assert "page 2 of 2" in last and ">Pegasus<" in last and "First page" in last


def test_browse_is_in_arabic(client, web, world):
    web.login(world["watch"])
    client.get("/?lang=ar")
    page = client.get(f"/collections/{world['channel'].id}").get_data(as_text=True)
    assert "4 كائنات" in page and "يدلّ على" in page and "الأحدث أولًا" in page
