"""`hub export`: only what the user may see, as a STIX bundle with its TLP markings or a CSV blocklist."""

from __future__ import annotations

import csv
import io
import json

from hub.policy.tlp import Tlp
from hub.sharing.service import set_rules
from tests.factories import indicator, make_org, make_user, post


def test_stix_export_carries_the_tlp_20_marking_definitions_it_references(hub, session, member, tmp_path):
    post(
        session, member.user, member.collection, [indicator(Tlp.GREEN), indicator(Tlp.AMBER), indicator(None)]
    )
    out = tmp_path / "export.json"
    result = hub("export", "--as", member.email, "--collection", member.collection.id, "-o", out)
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text())
    markings = {o["id"]: o for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert set(markings) == {Tlp.GREEN.marking_id, Tlp.AMBER.marking_id}
    assert markings[Tlp.GREEN.marking_id]["name"] == "TLP:GREEN"
    assert len([o for o in bundle["objects"] if o["type"] == "indicator"]) == 3
    assert "exported 5 objects (stix)" in result.output


def test_export_shows_only_what_the_user_may_see(hub, session, member):
    post(
        session,
        member.user,
        member.collection,
        [indicator(Tlp.CLEAR, value="public.example"), indicator(Tlp.AMBER, value="secret.example")],
    )
    registered = make_user(session, make_org(session, tier="registered"), email="new@registered.example")
    set_rules(session, None, member.collection, ["tier:registered"], ["org:Importing NGO"])
    session.commit()
    result = hub("export", "--as", registered.email, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "public.example" in result.output
    assert "secret.example" not in result.output
    hidden = hub("export", "--as", registered.email, "--collection", "not-a-collection")
    assert hidden.exit_code == 1 and "no collection 'not-a-collection'" in hidden.output


def test_tlp_max_leaves_out_what_is_above_it(hub, session, member):
    post(
        session,
        member.user,
        member.collection,
        [indicator(Tlp.GREEN, value="green.example"), indicator(Tlp.AMBER, value="amber.example")],
    )
    result = hub("export", "--as", member.email, "--tlp-max", "green", "--format", "csv")
    assert "green.example" in result.output and "amber.example" not in result.output


def test_csv_blocklist_has_one_row_per_value_and_skips_revoked_and_expired(hub, session, member):
    post(
        session,
        member.user,
        member.collection,
        [
            indicator(
                Tlp.GREEN, value="one.example", stix_id="indicator--00000000-0000-4000-8000-0000000000a1"
            ),
            indicator(
                Tlp.GREEN, pattern="[domain-name:value = 'a.example' OR url:value = 'http://b.example/?x=1']"
            ),
            indicator(Tlp.GREEN, pattern="[domain-name:value = 'and.example' AND file:name = 'x.apk']"),
            indicator(Tlp.GREEN, value="revoked.example", revoked=True),
            indicator(Tlp.GREEN, value="expired.example", valid_until="2026-02-01T00:00:00Z"),
        ],
    )
    result = hub("export", "--as", member.email, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["type"], r["value"]) for r in rows] == [
        ("domain-name:value", "one.example"),
        ("domain-name:value", "a.example"),
        ("url:value", "http://b.example/?x=1"),
    ]
    assert rows[0] == {
        "type": "domain-name:value",
        "value": "one.example",
        "tlp": "TLP:GREEN",
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": "",
        "indicator_id": "indicator--00000000-0000-4000-8000-0000000000a1",
    }
