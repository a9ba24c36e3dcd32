"""`hub import` reads and checks a file one batch ahead, in a child process (`hub.interop.read_ahead`): the
batches arrive whole and in order, bad input is the same clear error after the batches before it, and a
store that stops takes the reader with it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import event, select, update

from hub.errors import InvalidInput
from hub.extensions import db as hub_db
from hub.interop.importer import import_file
from hub.interop.read_ahead import checked_batches
from hub.policy.resolve import principal_for
from hub.policy.tlp import Tlp
from hub.sharing.models import Collection
from hub.stix.ingest import Checked, Refused, add_objects, check_objects
from hub.stix.models import ObjectVersion
from tests.factories import indicator


def _bundle(path: Path, objects: list[dict]) -> Path:
    path.write_bytes(orjson.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}))
    return path


def test_batches_arrive_whole_in_order_with_the_offset_reached(tmp_path):
    objects = [indicator(Tlp.GREEN) for _ in range(5)] + [{"type": "indicator", "id": "broken"}]
    path = _bundle(tmp_path / "six.json", objects)
    batches = list(checked_batches(path, 4, ()))
    assert [batch.total for batch, _ in batches] == [4, 2]
    names = [i.obj["id"] if isinstance(i, Checked) else i.name for batch, _ in batches for i in batch.checked]
    assert names == [o["id"] for o in objects]
    assert [type(item) for item in batches[1][0].checked] == [Checked, Refused]
    assert batches[-1][1] == path.stat().st_size
    assert not multiprocessing.active_children()


def test_a_truncated_file_gives_the_batches_before_the_fault_then_a_clear_error(tmp_path):
    whole = orjson.dumps({"type": "bundle", "objects": [indicator(Tlp.GREEN) for _ in range(5)]})
    path = tmp_path / "cut.json"
    path.write_bytes(whole[:-40])  # inside the fifth object
    got = []
    with pytest.raises(InvalidInput, match="not valid JSON"):
        for batch, _ in checked_batches(path, 2, ()):
            got.append(batch.total)
    assert got == [2, 2]
    assert not multiprocessing.active_children()


def test_a_misp_export_is_refused_with_the_usual_message(tmp_path):
    path = tmp_path / "event.json"
    path.write_bytes(orjson.dumps({"Event": {"info": "x", "Attribute": []}}))
    with pytest.raises(InvalidInput, match="--format misp"):
        list(checked_batches(path, 10, ()))


def test_a_store_that_stops_stops_the_reader(tmp_path):
    """More than the pipe holds (a batch of 500 pickles to about 200 KB against 64 KB), so the reader is
    blocked in a send when the store stops: only the parent's stop ends it."""
    path = _bundle(tmp_path / "many.json", [indicator(Tlp.GREEN) for _ in range(2_000)])
    batches = checked_batches(path, 500, ())
    next(batches)
    assert multiprocessing.active_children()  # reading ahead
    batches.close()  # as when a store fails or Ctrl-C stops the import
    assert not multiprocessing.active_children()


_DIES_WHILE_READING = """
import os, sys
from pathlib import Path
from hub.interop.read_ahead import checked_batches
batches = checked_batches(Path(sys.argv[1]), 500, ())
next(batches)
import multiprocessing
print(multiprocessing.active_children()[0].pid, flush=True)
os.kill(os.getpid(), 9)  # killed: no finally, no atexit
"""


def test_a_reader_whose_importer_is_killed_ends_instead_of_waiting_forever(tmp_path):
    """`kill -9`, the OOM killer or a SIGTERM the CLI does not handle: the reader, blocked on a full pipe,
    must notice that nobody reads it any more and end (it holds the file and a batch of memory)."""
    path = _bundle(tmp_path / "many.json", [indicator(Tlp.GREEN) for _ in range(3_000)])
    importer = subprocess.Popen(
        [sys.executable, "-c", _DIES_WHILE_READING, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert importer.stdout is not None
    reader = int(importer.stdout.readline())  # not to the end: an orphaned reader holds the pipe open
    assert importer.wait(timeout=60) == -signal.SIGKILL
    deadline = time.monotonic() + 20
    while _alive(reader) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphaned = _alive(reader)
    if orphaned:
        os.kill(reader, signal.SIGKILL)
    importer.stdout.close()
    assert not orphaned, "the reader outlived its importer"


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan's zombie is reaped by init)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_import_file_stores_every_batch_and_tells_each_one(session, member, tmp_path):
    objects = [indicator(Tlp.GREEN) for _ in range(2_500)]
    path = _bundle(tmp_path / "large.json", objects)
    told: list[tuple[int, int | None]] = []
    report = import_file(
        session,
        principal_for(session, member.user),
        member.collection.id,
        path,
        progress=lambda n, at=None: told.append((n, at)),
    )
    assert (report.total, report.stored, report.failed) == (2_500, 2_500, 0)
    assert [n for n, _ in told] == [1_000, 1_000, 500]
    offsets = [at for _, at in told]
    assert offsets == sorted(offsets) and offsets[-1] == path.stat().st_size
    stored = session.scalars(
        select(ObjectVersion.stix_id).where(ObjectVersion.collection_id == member.collection.id)
    )
    assert set(stored) == {o["id"] for o in objects}


def test_the_default_tlp_is_the_collections_when_stored_not_when_checked(session, member):
    """Checked ahead, stored later: an unmarked object takes the default its collection has in the store's
    transaction (a coordinator may raise it while an import runs)."""
    checked = check_objects([indicator(None)], ())
    session.get(Collection, member.collection.id).default_tlp = int(Tlp.AMBER_STRICT)
    session.commit()
    add_objects(session, principal_for(session, member.user), member.collection.id, checked)
    session.commit()
    stored = session.scalars(
        select(ObjectVersion).where(ObjectVersion.collection_id == member.collection.id)
    ).one()
    assert stored.tlp == int(Tlp.AMBER_STRICT)
    assert Tlp.AMBER_STRICT.marking_id in orjson.loads(stored.body)["object_marking_refs"]


def test_a_default_raised_while_the_batch_waits_for_the_lock_is_the_one_stored(session, member):
    """The collection's default TLP (and where RED may go) are read under its write lock, not in the read
    transaction before it: a coordinator who raises the default while a batch waits for the lock (another
    writer holds it) is not overtaken by a batch checked against the looser one."""
    collection = session.get(Collection, member.collection.id)
    collection.default_tlp = int(Tlp.GREEN)
    session.commit()
    p = principal_for(session, member.user)
    raised: list[bool] = []

    def coordinator_raises_the_default(_session) -> None:  # between the read and the write transaction
        if not raised:
            raised.append(True)
            with hub_db.engine.begin() as other:
                other.execute(
                    update(Collection)
                    .where(Collection.id == member.collection.id)
                    .values(default_tlp=int(Tlp.AMBER_STRICT))
                )

    event.listen(session(), "after_commit", coordinator_raises_the_default)
    try:
        add_objects(session, p, member.collection.id, [indicator(None)])
    finally:
        event.remove(session(), "after_commit", coordinator_raises_the_default)
    session.commit()
    assert raised
    stored = session.scalars(
        select(ObjectVersion).where(ObjectVersion.collection_id == member.collection.id)
    ).one()
    assert stored.tlp == int(Tlp.AMBER_STRICT)
