"""One id converter for every URL (issue #15 item 8): `<id:…>` gives views an `int`, and an id that is not
one — letters, a sign, more digits than a BIGINT holds — is an address that does not exist (404), answered
before any view or query runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parents[2] / "hub"


def test_a_valid_id_reaches_the_view(as_role, people):
    assert as_role("coordinator").get(f"/admin/orgs/{people['org_a'].id}/users").status_code == 200


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "9" * 25])
def test_a_bad_id_is_a_404_on_a_page_that_took_a_string(as_role, bad):
    assert as_role("coordinator").get(f"/admin/orgs/{bad}/users").status_code == 404


@pytest.mark.parametrize("bad", ["abc", "9" * 25])
def test_a_bad_id_is_a_404_where_int_was_used(as_role, bad):
    """Failed before for 25 digits: `<int:…>` let the id reach the database, which cannot hold it (500)."""
    assert as_role("coordinator").get(f"/reports/{bad}").status_code == 404


def test_no_route_takes_an_id_any_other_way():
    for path in HUB.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"[\"']/[^\"']*<int:", source), path  # a route path with <int:…>
        assert not re.search(r"\bnumber\(\w+_id\)", source), path
