"""`hub import` on real producers' files: everything valid is stored, round-trips, and failures are named."""

from __future__ import annotations

import json
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from hub import db as hub_db
from hub.db import STALE_ROWS
from hub.interop.exporter import ExportScope, export_stix
from hub.interop.importer import import_objects
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.stix.query import ObjectFilter, count_versions
from tests.factories import indicator

AMNESTY = [
    "pegasus.stix2",
    "cytrox.stix2",
    "malware.stix2",
    "novispy.stix2",
    "wintego_helios.stix2",
    "pegasus_previous_release_146e5bc.stix2",
]
CLEAR = Tlp.CLEAR.marking_id


def _import(hub, member, *paths: Path, tlp: str = "clear"):
    return hub("import", *paths, "--as", member.email, "--collection", member.collection.id, "--tlp", tlp)


def _exported(session, member) -> dict[tuple[str, str], dict]:
    import io

    out = io.StringIO()
    export_stix(
        session, principal_for(session, member.user), ExportScope(member.collection.id, Tlp.RED, True), out
    )
    bundle = json.loads(out.getvalue())
    assert bundle["type"] == "bundle"
    return {(o["id"], o.get("modified", o.get("created", ""))): o for o in bundle["objects"]}


def _with_clear(obj: dict) -> dict:
    """The documented addition: an object without TLP marking is served with its effective (CLEAR) one."""
    if obj["id"] in _TLP_IDS or any(ref in _TLP_IDS for ref in obj.get("object_marking_refs", ())):
        return obj
    return {**obj, "object_marking_refs": [*obj.get("object_marking_refs", ()), CLEAR]}


_TLP_IDS = {level.marking_id for level in Tlp} | {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}


def _assert_round_trip(session, member, source: Path) -> int:
    original = orjson.loads(source.read_bytes())["objects"]
    exported = _exported(session, member)
    for obj in original:
        key = (obj["id"], obj.get("modified", obj.get("created", "")))
        assert exported[key] == _with_clear(obj), key
    return len(original)


@pytest.mark.parametrize("name", AMNESTY)
def test_amnesty_file_imports_fully_and_round_trips(hub, session, member, shared_data, name):
    source = shared_data / "amnesty" / name
    result = _import(hub, member, source)
    assert result.exit_code == 0, result.output
    count = len(orjson.loads(source.read_bytes())["objects"])
    assert f"{count} objects: {count} stored, 0 already stored, 0 failed" in result.output
    assert _assert_round_trip(session, member, source) == count


def test_mvt_indicator_files_import_fully_and_round_trip(hub, session, member, shared_data):
    files = sorted((shared_data / "mvt-indicators").glob("*.stix2"))
    result = _import(hub, member, *files)
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output.splitlines()[-1]
    for source in files:
        _assert_round_trip(session, member, source)


def test_attack_ics_with_custom_types_imports_fully_and_round_trips(hub, session, member, shared_data):
    source = shared_data / "attack" / "ics-attack-18.1.json"
    result = _import(hub, member, source)
    assert result.exit_code == 0, result.output
    assert "1826 objects: 1826 stored, 0 already stored, 0 failed" in result.output
    assert _assert_round_trip(session, member, source) == 1826


def test_importing_the_same_file_twice_stores_nothing_new(hub, member, shared_data):
    source = shared_data / "amnesty" / "novispy.stix2"
    assert _import(hub, member, source).exit_code == 0
    again = _import(hub, member, source)
    assert again.exit_code == 0
    assert "37 objects: 0 stored, 37 already stored, 0 failed" in again.output


def test_messy_otx_export_keeps_valid_objects_and_names_each_broken_one(hub, session, member, shared_data):
    result = _import(hub, member, shared_data / "messy" / "otx_pegasus_pulse.json")
    assert result.exit_code == 0, result.output
    assert "72 objects: 71 stored, 0 already stored, 1 failed" in result.output
    assert "failed threat-actor--665bebf1-3859-48dc-ad39-8a379e22f8bb:" in result.output
    assert "property 'description' must be a string" in result.output
    reader = principal_for(session, member.user)
    assert count_versions(session, reader, member.collection.id, ObjectFilter()) == 71


def test_stix_20_bundle_is_upgraded_to_21(hub, session, member, tmp_path):
    bundle = {
        "type": "bundle",
        "id": "bundle--6f1f7a54-8d2e-4c55-9a43-0a4f8c7e3f10",
        "spec_version": "2.0",
        "objects": [
            {
                "type": "indicator",
                "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                "created": "2017-01-01T00:00:00.000Z",
                "modified": "2017-01-01T00:00:00.000Z",
                "labels": ["malicious-activity"],
                "pattern": "[domain-name:value = 'old.example']",
                "valid_from": "2017-01-01T00:00:00Z",
            }
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(bundle))
    assert _import(hub, member, path).exit_code == 0
    stored = _exported(session, member)[
        ("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "2017-01-01T00:00:00.000Z")
    ]
    assert (stored["spec_version"], stored["pattern_type"]) == ("2.1", "stix")


def test_taxii_envelope_and_bare_list_are_accepted(hub, member, shared_data):
    assert "3 objects: 3 stored" in _import(hub, member, shared_data / "mvt-edge" / "envelope.stix2").output
    assert (
        "1 objects: 1 stored" in _import(hub, member, shared_data / "mvt-edge" / "list_not_dict.stix2").output
    )


def test_file_where_everything_fails_exits_non_zero(hub, member, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [{"type": "indicator"}, 3]}))
    result = _import(hub, member, path)
    assert result.exit_code == 1
    assert "2 objects: 0 stored, 0 already stored, 2 failed" in result.output
    assert "no object could be imported" in result.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--as", "nobody@nowhere.example", "nobody@nowhere.example"),
        ("--collection", "no-such-collection", "no collection 'no-such-collection'"),
    ],
)
def test_unknown_user_or_collection_is_one_clear_error_line(hub, member, shared_data, option, value, message):
    args = {"--as": member.email, "--collection": member.collection.id, option: value}
    result = hub(
        "import", shared_data / "amnesty" / "novispy.stix2", *[item for pair in args.items() for item in pair]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line]
    assert len(lines) == 1 and message in lines[0]


def test_member_without_write_rule_cannot_import(hub, session, member, shared_data):
    from tests.factories import make_org, make_user

    outsider = make_user(session, make_org(session, tier="vetted"), email="reader@elsewhere.example")
    session.commit()
    result = hub(
        "import",
        shared_data / "amnesty" / "novispy.stix2",
        "--as",
        outsider.email,
        "--collection",
        member.collection.id,
    )
    assert result.exit_code == 1
    assert "may read this collection but not add objects" in result.output


def test_real_command_line_imports_and_exports_outside_any_app_context(
    member, shared_data, database_url, tmp_path
):
    """`hub import` and `hub export` as typed by an operator: a new process, no app context from a test."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "HUB_DATABASE_URL": database_url,
        "HUB_SECRET_KEY": "test-secret-key-not-for-production",
        "HUB_INSTANCE_PATH": str(tmp_path),
    }
    run = [sys.executable, "-c", "from hub.cli import main; main()"]
    imported = subprocess.run(
        [
            *run,
            "import",
            str(shared_data / "amnesty" / "novispy.stix2"),
            "--as",
            member.email,
            "--collection",
            member.collection.id,
            "--tlp",
            "clear",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    assert "37 objects: 37 stored" in imported.stdout
    exported = subprocess.run(
        [*run, "export", "--as", member.email, "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("type,value,tlp,valid_from,valid_until,indicator_id\n")


def test_import_leaves_the_planner_statistics_fresh_on_postgresql(hub, session, member, shared_data):
    """Without statistics PostgreSQL sorts a whole collection for a first page (docs/performance.md)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("planner statistics matter on PostgreSQL only; this run uses SQLite")
    result = _import(hub, member, shared_data / "amnesty" / "cytrox.stix2")
    assert result.exit_code == 0, result.output
    rows_known = session.execute(
        text("SELECT reltuples FROM pg_class WHERE relname = 'object_versions'")
    ).scalar()
    assert rows_known > 0  # -1 (never analysed) or 0 before; ANALYZE sets it


def test_a_long_import_refreshes_the_statistics_while_it_runs(session, member, monkeypatch):
    """The lookup of stored versions for each batch is planned on statistics of the growing table: without
    them PostgreSQL reads the whole collection for every batch (docs/performance.md, issue 16). The rule at a
    tenth of its threshold, on a tenth of the load."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("planner statistics matter on PostgreSQL only; this run uses SQLite")
    monkeypatch.setattr(hub_db, "STALE_ROWS", STALE_ROWS // 10)
    p = principal_for(session, member.user)

    def last_analyse() -> object:
        session.commit()
        return session.execute(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'object_versions'")
        ).scalar()

    before = last_analyse()
    objects = [indicator(Tlp.GREEN) for _ in range(STALE_ROWS // 10 + 100)]
    import_objects(session, p, member.collection.id, objects, batch=100)
    # the server's statistics counters are flushed at most once a second; a later batch sees them
    deadline = time.monotonic() + 10
    while last_analyse() == before and time.monotonic() < deadline:
        time.sleep(1.1)
        import_objects(session, p, member.collection.id, [indicator(Tlp.GREEN)])
    assert last_analyse() != before


def test_the_import_command_hides_the_built_app_from_the_garbage_collector(hub, member, shared_data):
    """`hub import` freezes what was built before the import (`hub.cli_support.freeze_built_objects`): six
    full collections scanning the app took a seventh of a 20,000-object import's CPU."""
    import gc

    try:
        gc.unfreeze()
        result = _import(hub, member, shared_data / "mvt-edge" / "envelope.stix2")
        assert "3 objects: 3 stored" in result.output
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
