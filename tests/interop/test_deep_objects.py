"""An object nested deeper than the hub stores (orjson's 254 levels) is refused on its own, with a clear
reason, and the rest of its envelope or file is stored (`hub import`'s reader pipe carries no object deeper
than that, which Python could not pickle)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import orjson

from hub.interop.read_ahead import checked_batches
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.stix.ingest import TOO_DEEP, Refused, add_objects
from tests.factories import indicator


def _nested(levels: int) -> dict:
    obj = indicator(Tlp.GREEN)
    node: dict = {}
    obj["x_nested"] = node
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    return obj


def test_an_object_nested_too_deeply_fails_alone_and_the_envelope_is_stored(session, member):
    fine, deep = indicator(Tlp.GREEN), _nested(300)
    submission = add_objects(session, principal_for(session, member.user), member.collection.id, [fine, deep])
    session.commit()
    status = orjson.loads(submission.results)
    assert [entry["id"] for entry in status["successes"]] == [fine["id"]]
    assert status["failures"] == [{"id": deep["id"], "message": TOO_DEEP}]


def test_an_object_too_deep_to_pass_between_processes_fails_alone_in_hub_import(tmp_path: Path):
    levels = 5_000  # written by hand: no JSON library here writes that deep
    deep_one = indicator(Tlp.GREEN)
    deep_id = deep_one["id"]
    deep = orjson.dumps(deep_one)[:-1] + b',"x_nested":' + b'{"a":' * levels + b"{}" + b"}" * levels
    fine = b",".join(orjson.dumps(indicator(Tlp.GREEN)) for _ in range(4))
    path = tmp_path / "deep.json"
    path.write_bytes(b'{"type":"bundle","objects":[' + fine + b"," + deep + b"}]}")
    batches = [batch for batch, _ in checked_batches(path, 2, ())]
    assert [batch.total for batch in batches] == [2, 2, 1]
    assert batches[-1].checked == [Refused(deep_id, TOO_DEEP)]
    assert not multiprocessing.active_children()
